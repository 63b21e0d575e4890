"""The claims' alerts raised by the database in one statement per batch (`alert_batch`, on
PostgreSQL) come out as the per-row sweep's: the same alerts, bell notifications, timeline
entries and next alerts, for windows, warnings and recipients of every shape, also when a
sweep catches up on several thresholds at once. A batch it cannot finish leaves nothing behind
and goes through the per-row path, which sets the failing claim aside."""

import dataclasses
import random
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from disputes import alert_batch, alerts, services, sweep
from disputes.models import (
    Alert,
    Claim,
    ClaimAlertSchedule,
    ClaimEvent,
    ClaimKind,
    ClaimStatus,
    DeadlineRule,
    Notification,
    Reason,
    SetAside,
    SetAsideKind,
)

T0 = timezone.now().replace(second=0, microsecond=0)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based sweep is PostgreSQL's; SQLite sweeps row by row"
)


def respond_rule() -> DeadlineRule:
    return DeadlineRule.objects.get(platform="amazon", claim_kind="a_to_z", deadline="respond")


def claims_of_every_shape(world, count: int) -> list[Claim]:
    """Open claims with windows from an hour to four days, some restarted by the platform, some
    without a rule (the desk's default warning), assigned or not, each with a next alert that
    is its first threshold, one already due, one the rule no longer has, or one just before."""
    pick = random.Random(18)
    claims = []
    for n in range(count):
        claim = services.claim_open(
            order=world.order_a,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.NOT_RECEIVED,
            by=world.agent_a,
            opened_at=T0 - timedelta(hours=pick.choice([0, 3, 20])),
            assignee=world.agent_a if n % 3 else None,
        )
        start = claim.opened_at
        changes = {
            "respond_by": start + timedelta(hours=pick.choice([1, 2, 2.5, 13, 24, 48, 49, 96]), seconds=n),
            "platform_requested_at": start + timedelta(minutes=37) if n % 5 == 0 else None,
        }
        if n % 4 == 0:
            changes["respond_rule"] = None
        Claim.objects.filter(pk=claim.pk).update(**changes)
        claim = Claim.objects.get(pk=claim.pk)
        if n % 7 == 0:
            claim.next_alert_at, claim.next_alert_threshold = T0 + timedelta(minutes=n), "warn_99h"
        else:
            alerts.schedule(claim, now=claim.opened_at - timedelta(hours=pick.choice([0, 30])))
        claim.save(update_fields=["next_alert_at", "next_alert_threshold"])
        claims.append(claim)
    return claims


def written() -> dict[str, list]:
    """Everything a sweep writes, without ids (which differ between two runs)."""
    return {
        "alerts": sorted(
            Alert.objects.values_list(
                "claim_id", "threshold", "window_start", "scheduled_for", "raised_at", "due_at", "escalated"
            )
        ),
        "notifications": sorted(
            Notification.objects.values_list("alert__claim_id", "alert__threshold", "user_id", "emailed_at")
        ),
        "timeline": sorted(
            (claim_id, at, str(sorted(params.items())))
            for claim_id, at, params in ClaimEvent.objects.filter(action="alert").values_list(
                "claim_id", "at", "params"
            )
        ),
        "schedule": sorted(
            ClaimAlertSchedule.objects.values_list("claim_id", "next_alert_at", "next_alert_threshold")
        ),
        "set_aside": sorted(SetAside.objects.values_list("kind", "subject_id")),
    }


def swept_by(subject: sweep.Subject, now) -> dict[str, list]:
    """What this sweep writes; then it is undone, for the other way to start from the same rows."""
    point = transaction.savepoint_create()
    sweep.sweep(subject, now)
    result = written()
    transaction.savepoint_rollback(point)
    return result


@postgresql_only
@pytest.mark.parametrize("warnings", [[24, 6], [1.5, 0.25, 30], [24.5, 23.75], [], ["6", 0, True]], ids=str)
@pytest.mark.parametrize("hours_later", [1, 25, 150])
def test_the_database_raises_the_same_alerts_as_the_per_row_sweep(world, rules, warnings, hours_later):
    DeadlineRule.objects.filter(pk=respond_rule().pk).update(warn_hours_before=warnings)
    claims_of_every_shape(world, 24)
    now = T0 + timedelta(hours=hours_later)

    def unreachable(claim):
        raise AssertionError("a claim went through the per-row path")

    row_by_row = swept_by(dataclasses.replace(alerts.CLAIMS, set_based=None), now)
    # Had the database left a claim to the per-row path, it would be set aside here.
    set_based = swept_by(dataclasses.replace(alerts.CLAIMS, thresholds=unreachable), now)

    assert set_based == row_by_row
    assert len(row_by_row["alerts"]) >= 12 and row_by_row["notifications"] and row_by_row["timeline"]
    assert row_by_row["set_aside"] == []


@postgresql_only
def test_an_alert_raised_before_is_not_raised_again_but_the_schedule_moves_on(world, rules):
    claim = claims_of_every_shape(world, 1)[0]
    claim = Claim.objects.get(pk=claim.pk)
    threshold, at = claim.next_alert_threshold, claim.next_alert_at
    Alert.objects.create(
        claim=claim,
        threshold=threshold,
        window_start=claim.platform_requested_at or claim.opened_at,
        scheduled_for=at,
        due_at=claim.respond_by,
    )

    done = alert_batch.sweep_due(at, 10)

    assert [alert for row, alert in done if row.pk == claim.pk] == [None]
    assert Alert.objects.filter(claim=claim).count() == 1
    assert Claim.objects.get(pk=claim.pk).next_alert_threshold != threshold


@postgresql_only
def test_closed_claims_and_claims_at_the_calendars_end_are_left_to_the_per_row_path(world, rules):
    closed, far, plain = claims_of_every_shape(world, 3)
    Claim.objects.filter(pk=closed.pk).update(status=ClaimStatus.CLOSED, closed_at=T0)
    Claim.objects.filter(pk=far.pk).update(respond_by=T0.replace(year=9999, month=12, day=31))
    now = T0 + timedelta(days=200)

    done = alert_batch.sweep_due(now, 10)

    ours = {closed.pk, far.pk, plain.pk}
    assert [row.pk for row, _alert in done if row.pk in ours] == [plain.pk]
    assert {claim.pk for claim in (closed, far)} <= set(
        ClaimAlertSchedule.objects.filter(next_alert_at__lte=now).values_list("claim_id", flat=True)
    )


def test_a_batch_whose_listener_fails_is_redone_row_by_row_and_only_the_bad_claim_is_set_aside(
    world, rules, caplog
):
    good = [
        services.claim_open(
            order=world.order_a,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.NOT_RECEIVED,
            by=world.agent_a,
            opened_at=T0,
            assignee=world.agent_a,
        )
        for _ in range(3)
    ]
    bad = services.claim_open(
        order=world.order_a, kind=ClaimKind.A_TO_Z, reason=Reason.NOT_RECEIVED, by=world.agent_a, opened_at=T0
    )
    heard: list[list[int]] = []

    def listener(sender, alerts, **kwargs):
        heard.append([alert.claim_id for alert in alerts])
        if bad.pk in heard[-1]:
            raise RuntimeError("this claim's webhook cannot be announced")

    sweep.alerts_raised.connect(listener, sender=Alert)
    try:
        # The first threshold of each claim (half of its 72-hour window) is due, nothing after it.
        alerts.sweep_claims(now=T0 + timedelta(hours=37))
    finally:
        sweep.alerts_raised.disconnect(listener, sender=Alert)

    # The whole batch was heard first (by the database's batch on PostgreSQL, else the rows'),
    # then one claim at a time.
    if connection.vendor == "postgresql":
        assert "set-based batch failed; going on row by row" in caplog.text
    ours = {claim.pk for claim in [*good, bad]}
    assert ours <= set(heard[0])
    assert ours <= {claim_id for each in heard if len(each) == 1 for claim_id in each}
    for claim in good:
        first = alerts.thresholds_for(claim)[0].name
        assert list(Alert.objects.filter(claim=claim).values_list("threshold", flat=True)) == [first]
        assert claim.events.filter(action="alert").count() == 1
    assert Notification.objects.filter(alert__claim__in=good).count() == 3
    assert not Alert.objects.filter(claim=bad).exists() and not bad.events.filter(action="alert").exists()
    [entry] = SetAside.objects.filter(kind=SetAsideKind.CLAIM_ALERTS)
    assert entry.subject_id == bad.pk and entry.reason.startswith("RuntimeError")
