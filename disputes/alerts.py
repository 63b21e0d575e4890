"""Deadline alerts: which thresholds a claim's deadline has, and the sweep that raises them.

The due times live in the database; the sweep only notifies. It reads claims whose next alert
time has passed (partial index `claim_alert_due`) and claims each with a conditional UPDATE, so
a retried task or two sweepers at once never raise the same alert twice. After downtime it
raises every missed threshold once, oldest first, and records how late it was."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Alert, Claim, ClaimEvent, ClaimStatus, Membership, Notification, Role

SWEEP_BATCH = 500


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
    return thresholds[index + 1] if index + 1 < len(thresholds) else None


def _recipients(claim: Claim, threshold: str) -> tuple[list[int], bool]:
    """Whom to tell: the assignee; the managers when nobody is assigned or it is overdue."""
    managers = list(
        Membership.objects.filter(store_id=claim.store_id, role=Role.MANAGER).values_list("user_id", flat=True)
    )
    escalate = threshold == "overdue" or claim.assignee_id is None
    users = set(managers) if escalate else set()
    if claim.assignee_id:
        users.add(claim.assignee_id)
    return sorted(users), escalate and bool(managers)


def raise_alert(claim_id: int, scheduled_for: datetime, threshold: str, now: datetime) -> Alert | None:
    """Raise one due alert, if this caller wins the claim on it."""
    from .tasks import send_alert_emails

    with transaction.atomic():
        claim = Claim.objects.select_related("respond_rule").get(pk=claim_id)
        nxt = _after(claim, threshold)
        won = Claim.objects.filter(
            pk=claim_id, next_alert_at=scheduled_for, next_alert_threshold=threshold
        ).update(next_alert_at=nxt.at if nxt else None, next_alert_threshold=nxt.name if nxt else "")
        if not won or claim.status == ClaimStatus.CLOSED or claim.respond_by is None:
            return None
        alert, created = Alert.objects.get_or_create(
            claim=claim, threshold=threshold,
            defaults={"scheduled_for": scheduled_for, "raised_at": now, "due_at": claim.respond_by},
        )
        if not created:
            return None
        users, escalated = _recipients(claim, threshold)
        if escalated:
            alert.escalated = True
            alert.save(update_fields=["escalated"])
        Notification.objects.bulk_create(Notification(alert=alert, user_id=user) for user in users)
        late = now - scheduled_for
        note = (_("raised %(minutes)d minutes late") % {"minutes": late.total_seconds() // 60}
                if late > timedelta(minutes=2) else "")
        ClaimEvent.objects.create(claim=claim, action="alert", after=threshold, note=note, at=now)
        transaction.on_commit(lambda: send_alert_emails.delay(alert.pk))
        return alert


def sweep(now: datetime | None = None) -> list[Alert]:
    """Raise every alert that is due, oldest first; returns those this call raised."""
    now = now or timezone.now()
    raised: list[Alert] = []
    # Each pass advances every row it reads, so a claim that missed several thresholds while
    # no worker ran comes back in the next pass with its next one; the bound is only a guard.
    for _pass in range(100):
        due = list(
            Claim.objects.filter(next_alert_at__lte=now)
            .order_by("next_alert_at", "pk")
            .values_list("pk", "next_alert_at", "next_alert_threshold")[:SWEEP_BATCH]
        )
        for claim_id, at, threshold in due:
            alert = raise_alert(claim_id, at, threshold, now)
            if alert:
                raised.append(alert)
        if not due:
            break
    return raised


def describe(alert: Alert) -> str:
    names = {"half": _("half the response window is gone"), "due": _("the response is due now"),
             "overdue": _("the response is overdue")}
    if alert.threshold.startswith("warn_"):
        return _("%(hours)s hours left to respond") % {"hours": alert.threshold[5:-1]}
    return names.get(alert.threshold, alert.threshold)
