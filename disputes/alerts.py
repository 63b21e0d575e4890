"""Deadline alerts: which thresholds a claim's deadline has, and the sweep that raises them.

The due times live in the database; the sweep only notifies. It reads claims whose next alert
time has passed (partial index `claim_alert_due`) and claims each with a conditional UPDATE, so
a retried task or two sweepers at once never raise the same alert twice. After downtime it
raises every missed threshold once, oldest first, and records how late it was."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Alert, Claim, ClaimEvent, ClaimStatus, Membership, Notification, Role

SWEEP_BATCH = 1000
# What the sweep reads of a claim: enough to find its thresholds and its recipients.
SWEEP_FIELDS = ["store_id", "assignee_id", "status", "opened_at", "platform_requested_at", "respond_by",
                "next_alert_at", "next_alert_threshold", "respond_rule__warn_hours_before"]


@dataclass(frozen=True)
class Threshold:
    name: str
    at: datetime


def thresholds_for(claim: Claim) -> list[Threshold]:
    """Half the window left, each of the rule's warnings, due, and overdue (escalation)."""
    if claim.respond_by is None or claim.status == ClaimStatus.CLOSED:
        return []
    due = claim.respond_by
    start = claim.platform_requested_at or claim.opened_at
    found = {"due": due, "overdue": due + settings.DESK_ESCALATE_AFTER}
    if due - start > timedelta(hours=2):
        found["half"] = start + (due - start) / 2
    for hours in (claim.respond_rule.warn_hours_before if claim.respond_rule else None) or [24]:
        at = due - timedelta(hours=hours)
        if at > start:
            found[f"warn_{hours}h"] = at
    # "Half the window left" says nothing new when a warning falls at the same time.
    if "half" in found and any(name.startswith("warn_") and abs(at - found["half"]) < timedelta(hours=1)
                               for name, at in found.items()):
        del found["half"]
    return sorted((Threshold(name, at) for name, at in found.items()), key=lambda t: (t.at, t.name))


def schedule(claim: Claim, now: datetime | None = None) -> None:
    """Set the claim's next alert after its deadline was set or changed (the caller saves).

    Warnings that passed before the deadline was known are skipped, except the latest one, so a
    claim that arrives with two hours left warns once, not three times."""
    now = now or timezone.now()
    thresholds = thresholds_for(claim)
    past = [t for t in thresholds if t.at <= now]
    future = [t for t in thresholds if t.at > now]
    upcoming = past[-1:] + future
    nxt = upcoming[0] if upcoming else None
    claim.next_alert_at = nxt.at if nxt else None
    claim.next_alert_threshold = nxt.name if nxt else ""


def _after(claim: Claim, name: str) -> Threshold | None:
    thresholds = thresholds_for(claim)
    names = [t.name for t in thresholds]
    if name not in names:
        return next((t for t in thresholds if t.at > timezone.now()), None)
    index = names.index(name)
    # A threshold that shares its time with this one still comes after it.
    return thresholds[index + 1] if index + 1 < len(thresholds) else None


def _managers_by_store(store_ids: set[int]) -> dict[int, list[int]]:
    managers: dict[int, list[int]] = {}
    rows = Membership.objects.filter(store_id__in=store_ids, role=Role.MANAGER).values_list("store_id", "user_id")
    for store_id, user_id in rows:
        managers.setdefault(store_id, []).append(user_id)
    return managers


def _recipients(claim: Claim, threshold: str, managers: list[int]) -> tuple[list[int], bool]:
    """Whom to tell: the assignee; the managers when nobody is assigned or it is overdue."""
    escalate = (threshold == "overdue" or claim.assignee_id is None) and bool(managers)
    users = set(managers) if escalate else set()
    if claim.assignee_id:
        users.add(claim.assignee_id)
    return sorted(users), escalate


def _advance(rows: list, model=Claim) -> None:
    """Write each row's next alert in one statement (bulk_update's CASE is slow at 500 rows).
    Claims here; buyer messages (messaging.sla) share it."""
    table = connection.ops.quote_name(model._meta.db_table)
    ids = [row.pk for row in rows]
    times = [row.next_alert_at for row in rows]
    thresholds = [row.next_alert_threshold for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Three array parameters rather than thousands of scalars.
            cursor.execute(
                f"UPDATE {table} SET next_alert_at = v.at, next_alert_threshold = v.threshold "
                f"FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[]) AS v(id, at, threshold) "
                f"WHERE {table}.id = v.id",
                [ids, times, thresholds],
            )
            return
        adapt = connection.ops.adapt_datetimefield_value
        values = ", ".join(["(%s, %s, %s)"] * len(rows))
        cursor.execute(
            f"UPDATE {table} SET next_alert_at = v.column2, next_alert_threshold = v.column3 "
            f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
            [value for row in zip(ids, map(adapt, times), thresholds) for value in row],
        )


def notify(alerts: list[Alert], recipients: list[list[int]]) -> None:
    """One bell notification per alert and recipient. On PostgreSQL a single INSERT from two
    arrays: a catch-up sweep writes thousands, and model instances cost more than the rows."""
    pairs = [(alert.pk, user) for alert, users in zip(alerts, recipients) for user in users]
    if not pairs:
        return
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(Notification(alert_id=a, user_id=u) for a, u in pairs)
        return
    table = connection.ops.quote_name(Notification._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (alert_id, user_id) SELECT * FROM unnest(%s::bigint[], %s::bigint[])",
            [[a for a, _u in pairs], [u for _a, u in pairs]],
        )


def step(rows: list, after, model=Claim) -> list[tuple]:
    """Move each locked row on to its next threshold (`after(row, name)`), written in one
    statement; returns (row, threshold, scheduled_for) for the thresholds that were due.
    Claims here; buyer messages (messaging.sla) share it."""
    due = []
    for row in rows:
        due.append((row, row.next_alert_threshold, row.next_alert_at))
        nxt = after(row, row.next_alert_threshold)
        row.next_alert_at = nxt.at if nxt else None
        row.next_alert_threshold = nxt.name if nxt else ""
    _advance(rows, model)
    return due


def _raise_batch(now: datetime) -> list[Alert] | None:
    """Claim up to a batch of due claims, advance each to its next threshold and raise the
    alerts, in one transaction. None when nothing is due."""
    from .tasks import send_alert_emails

    with transaction.atomic():
        # Row locks keep a second sweeper off these claims (it skips them on PostgreSQL; SQLite
        # runs one writer at a time). Once committed, the rows no longer look due.
        claims = list(
            Claim.objects.filter(next_alert_at__lte=now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("respond_rule")
            .only(*SWEEP_FIELDS)
            .order_by("next_alert_at", "pk")[:SWEEP_BATCH]
        )
        if not claims:
            return None
        due = step(claims, _after)

        already = set(
            Alert.objects.filter(claim__in=claims).values_list("claim_id", "threshold")
        )
        managers = _managers_by_store({claim.store_id for claim in claims})
        fresh, recipients, events = [], [], []
        for claim, threshold, scheduled_for in due:
            if claim.status == ClaimStatus.CLOSED or claim.respond_by is None:
                continue
            if (claim.pk, threshold) in already:
                continue
            users, escalated = _recipients(claim, threshold, managers.get(claim.store_id, []))
            fresh.append(Alert(claim=claim, threshold=threshold, scheduled_for=scheduled_for,
                               raised_at=now, due_at=claim.respond_by, escalated=escalated))
            recipients.append(users)
            late = now - scheduled_for
            note = (_("raised %(minutes)d minutes late") % {"minutes": late.total_seconds() // 60}
                    if late > timedelta(minutes=2) else "")
            events.append(ClaimEvent(claim=claim, action="alert", after=threshold, note=note, at=now))
        Alert.objects.bulk_create(fresh)
        notify(fresh, recipients)
        ClaimEvent.objects.bulk_create(events)
        ids = [alert.pk for alert in fresh]
        if ids:
            transaction.on_commit(lambda: send_alert_emails.delay(ids))
        return fresh


def sweep(now: datetime | None = None) -> list[Alert]:
    """Raise every alert that is due, oldest first; returns those this call raised.

    A claim that missed several thresholds while no worker ran comes back in the next batch
    with its next one, until nothing is due; the bound on batches is only a guard."""
    return run_batches(_raise_batch, now or timezone.now())


def run_batches(raise_batch, now: datetime) -> list[Alert]:
    """Call `raise_batch(now)` until it says nothing is due (None); the bound is only a guard.
    The buyer-message sweep (messaging.sla) uses it too."""
    raised: list[Alert] = []
    for _batch in range(1000):
        batch = raise_batch(now)
        if batch is None:
            break
        raised.extend(batch)
    return raised


def describe(alert: Alert) -> str:
    names = {"half": _("half the response window is gone"), "due": _("the response is due now"),
             "overdue": _("the response is overdue")}
    if alert.threshold.startswith("warn_"):
        return _("%(hours)s hours left to respond") % {"hours": alert.threshold[5:-1]}
    return names.get(alert.threshold, alert.threshold)
