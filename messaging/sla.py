"""The 24-hour reply clock of buyer messages, and how the sweep engine raises its alerts.

A buyer message stores its due time (`reply_by`, from the platform's "reply" deadline rule),
its warnings (copied from the rule when the clock starts) and its next alert (`next_alert_at`).
`REPLIES` tells the engine (`disputes.sweep`) how to read, address and word them; the engine
reads due messages through the partial index `message_alert_due` and writes one `Alert` per
message and threshold (a unique constraint keeps it so), exactly as for claims."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import deadlines, sweep
from disputes.models import (
    Alert,
    AlertThreshold,
    Claim,
    ClaimStatus,
    DeadlineKind,
    SetAsideKind,
    threshold_hours,
    threshold_label,
    warn_threshold,
    warning_hours,
)
from disputes.sweep import Threshold

from .models import Message, ReplyState

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
    message.warn_hours_before = warning_hours(rule.warn_hours_before)
    schedule(message, now)


def stop_clock(message: Message, state: str, at: datetime) -> None:
    message.reply_state = state
    message.answered_at = at
    message.next_alert_at, message.next_alert_threshold = None, ""


def thresholds_for(message: Message) -> list[Threshold]:
    if message.reply_state != ReplyState.AWAITING or message.reply_by is None:
        return []
    due = message.reply_by
    found: dict[str, datetime] = {
        AlertThreshold.DUE: due,
        AlertThreshold.OVERDUE: due + settings.DESK_ESCALATE_AFTER,
    }
    for hours in message.warnings:
        at = due - timedelta(hours=hours)
        if at > message.at:
            found[warn_threshold(hours)] = at
    return sorted((Threshold(name, at) for name, at in found.items()), key=lambda t: (t.at, t.name))


def schedule(message: Message, now: datetime | None = None) -> None:
    sweep.schedule(message, thresholds_for(message), now)


def _assignees_by_order(order_ids: set[int]) -> dict[int, set[int]]:
    """Who works each order: the assignees of its open claims."""
    found: dict[int, set[int]] = {}
    rows = (
        Claim.objects.filter(order_id__in=order_ids, assignee__isnull=False)
        .filter(~Q(status=ClaimStatus.CLOSED))
        .values_list("order_id", "assignee_id")
    )
    for order_id, user_id in rows:
        found.setdefault(order_id, set()).add(user_id)
    return found


def describe(alert: Alert) -> str:
    hours = threshold_hours(alert.threshold)
    if hours is not None:
        return _("%(hours)s hours left to reply to the buyer") % {"hours": hours}
    replies: dict[str, str] = {
        AlertThreshold.DUE: _("the reply to the buyer is due now"),
        AlertThreshold.OVERDUE: _("the reply to the buyer is overdue"),
    }
    return replies.get(alert.threshold, threshold_label(alert.threshold))


def _mail(alert: Alert) -> tuple[str, str]:
    """The order's page is where the buyer is answered."""
    message = alert.message
    assert message is not None  # this subject's alerts are messages'
    order = message.thread.order
    subject = f"[{message.store.name}] {order.platform_order_id}: {describe(alert)}"
    body = "\n".join(
        [
            describe(alert),
            f"{message.reply_by:%Y-%m-%d %H:%M} UTC",
            settings.DESK_BASE_URL + reverse("disputes:order", args=[order.pk]),
        ]
    )
    return subject, body


def _workers(messages: list[Message]) -> dict[int, set[int]]:
    by_order = _assignees_by_order({message.thread.order_id for message in messages})
    return {message.pk: by_order.get(message.thread.order_id, set()) for message in messages}


def _label(message_id: int) -> str:
    """The order id and the message's time (UTC): a person finds it in the order's thread."""
    order, at = Message.objects.values_list("thread__order__platform_order_id", "at").get(pk=message_id)
    return f"{order} · {at:%Y-%m-%d %H:%M} UTC"


def _url(message_id: int) -> str | None:
    found = Message.objects.filter(pk=message_id).values_list("thread__order_id", flat=True).first()
    return reverse("disputes:order", args=[found]) if found else None


REPLIES = sweep.register(
    sweep.Subject(
        model=Message,
        alert_field="message",
        set_aside_kind=SetAsideKind.MESSAGE_ALERTS,
        fields=(
            "store_id",
            "thread__order_id",
            "at",
            "reply_state",
            "reply_by",
            "warn_hours_before",
        ),
        related=("thread",),
        thresholds=thresholds_for,
        owes_alerts=lambda message: message.reply_state == ReplyState.AWAITING,
        due_at=lambda message: message.reply_by,
        window_start=lambda message: message.at,
        workers=_workers,
        describe=describe,
        mail=_mail,
        mail_related=("thread__order", "store"),
        label=_label,
        url=_url,
    )
)


def sweep_replies(now: datetime | None = None) -> list[Alert]:
    """Raise every reply alert that is due, oldest first; returns those raised."""
    return sweep.sweep(REPLIES, now or timezone.now())
