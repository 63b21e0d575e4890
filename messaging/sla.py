"""The 24-hour reply clock of buyer messages, and its part of the deadline sweep.

A buyer message stores its due time (`reply_by`, from the platform's "reply" deadline rule) and
its next alert (`next_alert_at`). The sweep reads due messages through the partial index
`message_alert_due`, locks them (skipping rows another sweeper holds), advances each to its
next threshold and writes one `Alert` per message and threshold (a unique constraint keeps it
so), exactly like claims."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import deadlines
from disputes.alerts import Threshold, _managers_by_store, notify, run_batches, step
from disputes.models import Alert, Claim, ClaimStatus, DeadlineKind

from .models import Message, ReplyState

SWEEP_BATCH = 1000
REPLY_RULE_KIND = "buyer_complaint"


def start_clock(message: Message, now: datetime | None = None) -> None:
    """Set a buyer message's due time and first alert from the platform's rule (caller saves).
    Without an active rule the message owes no timed reply."""
    store = message.store
    rule = deadlines.rule_for(store.platform, REPLY_RULE_KIND, DeadlineKind.REPLY, store=store)
    if rule is None:
        message.reply_state = ReplyState.NONE
        return
    message.reply_state = ReplyState.AWAITING
    message.reply_by = deadlines.compute_due(rule, message.at, store=store)
    message.reply_explained = deadlines.explain(rule, message.at, store=store)[:300]
    message.warn_hours_before = [h for h in rule.warn_hours_before or []
                                 if isinstance(h, (int, float)) and not isinstance(h, bool) and h > 0]
    schedule(message, now)


def stop_clock(message: Message, state: str, at: datetime) -> None:
    message.reply_state = state
    message.answered_at = at
    message.next_alert_at, message.next_alert_threshold = None, ""


def thresholds_for(message: Message) -> list[Threshold]:
    if message.reply_state != ReplyState.AWAITING or message.reply_by is None:
        return []
    due = message.reply_by
    found = {"due": due, "overdue": due + settings.DESK_ESCALATE_AFTER}
    for hours in message.warn_hours_before or []:
        at = due - timedelta(hours=hours)
        if at > message.at:
            found[f"warn_{hours}h"] = at
    return sorted((Threshold(name, at) for name, at in found.items()), key=lambda t: (t.at, t.name))


def schedule(message: Message, now: datetime | None = None) -> None:
    """The next alert: the latest threshold already passed (once), else the next one."""
    now = now or timezone.now()
    thresholds = thresholds_for(message)
    upcoming = [t for t in thresholds if t.at <= now][-1:] + [t for t in thresholds if t.at > now]
    message.next_alert_at = upcoming[0].at if upcoming else None
    message.next_alert_threshold = upcoming[0].name if upcoming else ""


def _after(message: Message, name: str) -> Threshold | None:
    thresholds = thresholds_for(message)
    names = [t.name for t in thresholds]
    if name not in names:
        return None
    index = names.index(name)
    return thresholds[index + 1] if index + 1 < len(thresholds) else None


def _assignees_by_order(order_ids: set[int]) -> dict[int, set[int]]:
    """Who works each order: the assignees of its open claims."""
    found: dict[int, set[int]] = {}
    rows = (Claim.objects.filter(order_id__in=order_ids, assignee__isnull=False)
            .filter(~Q(status=ClaimStatus.CLOSED)).values_list("order_id", "assignee_id"))
    for order_id, user_id in rows:
        found.setdefault(order_id, set()).add(user_id)
    return found


def _raise_batch(now: datetime) -> list[Alert] | None:
    from disputes.tasks import send_alert_emails

    with transaction.atomic():
        messages = list(
            Message.objects.filter(next_alert_at__lte=now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("thread")
            .only("store_id", "thread__order_id", "at", "reply_state", "reply_by", "warn_hours_before",
                  "next_alert_at", "next_alert_threshold")
            .order_by("next_alert_at", "pk")[:SWEEP_BATCH]
        )
        if not messages:
            return None
        due = step(messages, _after, Message)
        already = set(Alert.objects.filter(message__in=messages).values_list("message_id", "threshold"))
        managers = _managers_by_store({m.store_id for m in messages})
        assignees = _assignees_by_order({m.thread.order_id for m in messages})
        fresh, recipients = [], []
        for message, threshold, scheduled_for in due:
            if message.reply_state != ReplyState.AWAITING or (message.pk, threshold) in already:
                continue
            workers = assignees.get(message.thread.order_id, set())
            store_managers = managers.get(message.store_id, [])
            escalated = (threshold == "overdue" or not workers) and bool(store_managers)
            users = workers | (set(store_managers) if escalated else set())
            fresh.append(Alert(message=message, threshold=threshold, scheduled_for=scheduled_for,
                               raised_at=now, due_at=message.reply_by, escalated=escalated))
            recipients.append(sorted(users))
        Alert.objects.bulk_create(fresh)
        notify(fresh, recipients)
        ids = [alert.pk for alert in fresh]
        if ids:
            transaction.on_commit(lambda: send_alert_emails.delay(ids))
        return fresh


def sweep(now: datetime | None = None) -> list[Alert]:
    """Raise every reply alert that is due, oldest first; returns those this call raised."""
    return run_batches(_raise_batch, now or timezone.now())


def describe(alert: Alert) -> str:
    if alert.threshold.startswith("warn_"):
        return _("%(hours)s hours left to reply to the buyer") % {"hours": alert.threshold[5:-1]}
    return {"due": _("the reply to the buyer is due now"),
            "overdue": _("the reply to the buyer is overdue")}.get(alert.threshold, alert.threshold)
