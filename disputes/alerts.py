"""Deadline alerts of claims: which thresholds a claim's response deadline has, whom they
concern and how they read. The sweep engine (`sweep.py`) raises them; `CLAIMS` tells it how."""

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import alert_batch, rules, sweep, timeline
from .models import (
    Alert,
    AlertThreshold,
    Claim,
    ClaimAlertSchedule,
    ClaimEvent,
    ClaimStatus,
    DeadlineRule,
    SetAsideKind,
    Trigger,
    threshold_hours,
    threshold_label,
    warn_threshold,
)
from .sweep import Threshold
from .timeline import Action


def thresholds_for(claim: Claim) -> list[Threshold]:
    """Half the window left, each of the rule's warnings, due, and overdue (escalation)."""
    if claim.respond_by is None or claim.status in ClaimStatus.settled():
        return []
    due = claim.respond_by
    start = window_start(claim)
    warnings = [(due - timedelta(hours=hours), warn_threshold(hours)) for hours in claim.warnings]
    warnings = [(at, name) for at, name in warnings if at > start]
    found = [
        *warnings,
        (due, AlertThreshold.DUE),
        (due + settings.DESK_ESCALATE_AFTER, AlertThreshold.OVERDUE),
    ]
    # "Half the window left" says nothing new when a warning falls at the same time.
    half = start + (due - start) / 2
    if due - start > timedelta(hours=2) and not any(
        abs(at - half) < timedelta(hours=1) for at, _n in warnings
    ):
        found.append((half, AlertThreshold.HALF))
    return [Threshold(name, at) for at, name in sorted(found)]


def window_start(claim: Claim) -> datetime:
    """The platform's request for information starts the response window again."""
    return claim.platform_requested_at or claim.opened_at


def schedule(claim: Claim, now: datetime | None = None) -> None:
    """Set the claim's next alert after its deadline was set or changed (the caller saves)."""
    sweep.schedule(claim, thresholds_for(claim), now)


def describe(alert: Alert) -> str:
    names: dict[str, str] = {
        AlertThreshold.HALF: _("half the response window is gone"),
        AlertThreshold.DUE: _("the response is due now"),
        AlertThreshold.OVERDUE: _("the response is overdue"),
        AlertThreshold.SNOOZE_END: _("the snooze has ended: the claim is back in your queue"),
    }
    hours = threshold_hours(alert.threshold)
    if hours is not None:
        return _("%(hours)s hours left to respond") % {"hours": hours}
    return names.get(alert.threshold, threshold_label(alert.threshold))


def _mail(alert: Alert) -> tuple[str, str]:
    claim = alert.claim
    assert claim is not None  # this subject's alerts are claims'
    subject = f"[{claim.store.name}] {claim.order.platform_order_id}: {describe(alert)}"
    body = "\n".join(
        [
            describe(alert),
            f"{claim.get_kind_display()} · {claim.get_reason_display()}",
            f"{claim.respond_by:%Y-%m-%d %H:%M} UTC",
            settings.DESK_BASE_URL + reverse("disputes:claim", args=[claim.pk]),
        ]
    )
    return subject, body


def _timeline(claim: Claim, threshold: str, scheduled_for: datetime, now: datetime) -> dict:
    """The alert's timeline entry (its ClaimEvent's values): the sweep writes a batch's entries
    in one go."""
    late = now - scheduled_for
    lateness = {"late_minutes": int(late.total_seconds() // 60)} if late > timedelta(minutes=2) else {}
    return timeline.entry_values(Action.ALERT, at=now, threshold=threshold, **lateness) | {
        "claim_id": claim.pk
    }


def _attach_rules(claims: list[Claim]) -> None:
    """The batch's deadline rules, read once: a few rules serve thousands of claims."""
    rules_by_id = DeadlineRule.objects.in_bulk({claim.respond_rule_id for claim in claims} - {None})
    for claim in claims:
        claim.respond_rule = rules_by_id.get(claim.respond_rule_id)


def _label(claim_id: int) -> str:
    return Claim.objects.values_list("order__platform_order_id", flat=True).get(pk=claim_id)


CLAIMS = sweep.register(
    sweep.Subject(
        model=Claim,
        alert_field="claim",
        set_aside_kind=SetAsideKind.CLAIM_ALERTS,
        # Enough to find a claim's thresholds and its recipients.
        schedule_model=ClaimAlertSchedule,
        fields=(
            "store_id",
            "assignee_id",
            "status",
            "opened_at",
            "platform_requested_at",
            "respond_by",
            "respond_rule_id",
        ),
        related=(),
        prepare=_attach_rules,
        thresholds=thresholds_for,
        owes_alerts=lambda claim: claim.status not in ClaimStatus.settled() and claim.respond_by is not None,
        due_at=lambda claim: claim.respond_by,
        window_start=window_start,
        workers=lambda claims: {
            claim.pk: {claim.assignee_id} if claim.assignee_id else set() for claim in claims
        },
        describe=describe,
        mail=_mail,
        mail_related=("order", "store"),
        label=_label,
        url=lambda claim_id: reverse("disputes:claim", args=[claim_id]),
        timeline=_timeline,
        timeline_model=ClaimEvent,
        raised=lambda pairs: _overdue_rules(pairs),
        # On PostgreSQL the database raises the alerts of the claims it can vouch for.
        set_based=alert_batch.sweep_due,
    )
)


def _overdue_rules(pairs: list[tuple[Claim, str]]) -> None:
    """Claims that just turned overdue run their stores' "claim turns overdue" rules."""
    overdue = [row.pk for row, threshold in pairs if threshold == AlertThreshold.OVERDUE]
    if not overdue or not rules.any_active(Trigger.CLAIM_OVERDUE, {row.store_id for row, _t in pairs}):
        return
    for claim in Claim.objects.filter(pk__in=overdue).select_related("store", "order").order_by("pk"):
        rules.run(Trigger.CLAIM_OVERDUE, claim)


def sweep_claims(now: datetime | None = None) -> list[Alert]:
    """Raise every claim alert that is due; returns those raised."""
    return sweep.sweep(CLAIMS, now or timezone.now())
