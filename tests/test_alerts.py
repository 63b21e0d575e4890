import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from disputes import alerts, services, timeline
from disputes.models import Alert, ClaimKind, DeadlineRule, Notification, Outcome, Reason
from disputes.tasks import send_alert_emails

from .drafts import post_mortem

UTC = ZoneInfo("UTC")
# Claims open "now": scheduling looks at the real clock; sweeps are then given later times.
T0 = timezone.now().replace(second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _a_48_hour_window(rules):
    # The timings below were worked out on a 48-hour A-to-Z window (the rule is an admin's to set).
    DeadlineRule.objects.filter(platform="amazon", claim_kind="a_to_z", deadline="respond").update(length=48)


def open_claim(world, *, assignee=None, opened_at=T0):
    """An Amazon A-to-Z claim: 48 h from opening (no platform request), warnings at 24 h and 6 h."""
    claim = services.claim_open(
        order=world.order_a,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        by=world.agent_a,
        opened_at=opened_at,
        assignee=assignee,
    )
    return claim


def raised(claim) -> list[str]:
    return list(
        Alert.objects.filter(claim=claim).order_by("scheduled_for").values_list("threshold", flat=True)
    )


def test_thresholds_are_half_each_warning_due_and_overdue(world):
    claim = open_claim(world)
    names = [(t.name, t.at - T0) for t in alerts.thresholds_for(claim)]
    # "half" would fall with the 24-hour warning, so it is left out.
    assert names == [
        ("warn_24h", timedelta(hours=24)),
        ("warn_6h", timedelta(hours=42)),
        ("due", timedelta(hours=48)),
        ("overdue", timedelta(hours=49)),
    ]


def test_each_threshold_alerts_once_as_the_clock_moves(world, settings):
    claim = open_claim(world, assignee=world.agent_a)
    for hours in [1, 23, 24, 25, 30, 42, 43, 47, 48, 48.5, 49, 60, 100]:
        alerts.sweep_claims(now=T0 + timedelta(hours=hours))
        alerts.sweep_claims(now=T0 + timedelta(hours=hours))  # a retried sweep changes nothing
    assert raised(claim) == ["warn_24h", "warn_6h", "due", "overdue"]
    claim.refresh_from_db()
    assert claim.next_alert_at is None


def test_a_sweep_before_the_first_threshold_raises_nothing(world):
    open_claim(world)
    assert alerts.sweep_claims(now=T0 + timedelta(hours=23)) == []


def test_catch_up_after_a_day_down_raises_every_missed_alert_once_oldest_first(world):
    claim = open_claim(world, assignee=world.agent_a)
    late_sweep = T0 + timedelta(hours=50)
    caught_up = alerts.sweep_claims(now=late_sweep)
    assert [a.threshold for a in caught_up] == ["warn_24h", "warn_6h", "due", "overdue"]
    assert caught_up[0].lateness == timedelta(hours=26)
    assert alerts.sweep_claims(now=late_sweep + timedelta(minutes=1)) == []
    sentences = [timeline.worded(event).sentence for event in claim.events.filter(action="alert")]
    assert "Deadline alert: 24 hours left (raised 1560 minutes late)" in sentences


def test_a_claim_that_arrives_late_warns_once_not_for_every_passed_threshold(world):
    now = T0 + timedelta(hours=44)
    claim = open_claim(world)
    alerts.schedule(claim, now)
    claim.save()
    assert [a.threshold for a in alerts.sweep_claims(now=now)] == ["warn_6h"]


def test_the_assignee_is_told_and_overdue_escalates_to_managers(world):
    claim = open_claim(world, assignee=world.agent_a)
    alerts.sweep_claims(now=T0 + timedelta(hours=43))
    warn = Alert.objects.get(claim=claim, threshold="warn_6h")
    assert set(warn.notifications.values_list("user__username", flat=True)) == {"agent_a"}
    alerts.sweep_claims(now=T0 + timedelta(hours=49, minutes=1))
    overdue = Alert.objects.get(claim=claim, threshold="overdue")
    assert overdue.escalated
    assert set(overdue.notifications.values_list("user__username", flat=True)) == {"agent_a", "manager_a"}


def test_unassigned_claims_alert_the_managers(world):
    claim = open_claim(world)
    alerts.sweep_claims(now=T0 + timedelta(hours=25))
    users = set(Notification.objects.filter(alert__claim=claim).values_list("user__username", flat=True))
    assert users == {"manager_a"}


def test_closing_a_claim_stops_its_alerts(world):
    claim = open_claim(world, assignee=world.agent_a)
    services.claim_close(
        claim=claim,
        outcome=Outcome.REFUNDED_BY_SELLER,
        by=world.agent_a,
        post_mortem=post_mortem(world.agent_a),
        version=claim.version,
    )
    assert alerts.sweep_claims(now=T0 + timedelta(hours=100)) == []


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_raise_each_alert_once(world):
    claims = [open_claim(world, assignee=world.agent_a) for _ in range(20)]
    now = T0 + timedelta(hours=50)
    errors = []

    def run():
        try:
            alerts.sweep_claims(now=now)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Alert.objects.filter(claim__in=claims).count() == 20 * 4
    assert Notification.objects.filter(alert__claim__in=claims, user=world.agent_a).count() == 20 * 4


def test_alert_emails_go_out_once_in_the_users_language(world):
    world.agent_a.email = "agent.a@example.com"
    world.agent_a.save()
    world.agent_a.profile.language = "zh-hans"
    world.agent_a.profile.save()
    claim = open_claim(world, assignee=world.agent_a)
    alert = alerts.sweep_claims(now=T0 + timedelta(hours=43))[-1]
    mail.outbox.clear()
    assert send_alert_emails([alert.pk]) == 1
    assert send_alert_emails([alert.pk]) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["agent.a@example.com"]
    assert world.order_a.platform_order_id in message.subject
    assert f"/claims/{claim.pk}/" in message.body


def test_the_bell_counts_and_acknowledging_clears(agent_client, world):
    body = agent_client.get(reverse("disputes:alerts_bell")).content.decode()
    assert '<span class="bell-count"' in body and ">1</span>" in body
    agent_client.post(reverse("disputes:alert_ack", args=[world.notification_a.pk]))
    body = agent_client.get(reverse("disputes:alerts_bell")).content.decode()
    assert ">0</span>" in body
    world.notification_a.refresh_from_db()
    assert world.notification_a.acknowledged_at is not None


def test_the_alerts_page_lists_and_says_how_late(agent_client, world):
    open_claim(world, assignee=world.agent_a)
    alerts.sweep_claims(now=T0 + timedelta(hours=50))
    body = agent_client.get(reverse("disputes:alerts")).content.decode()
    assert "6 hours left to respond" in body and "the response is overdue" in body
    # Raised two hours past the overdue threshold: said as the sweep's delay, not the claim's.
    assert "raised 1 h 0 min after its time" in body


def test_half_the_window_alerts_when_no_warning_falls_near_it(world):
    from disputes.models import DeadlineRule

    DeadlineRule.objects.filter(platform="amazon", claim_kind="a_to_z", deadline="respond").update(
        warn_hours_before=[6]
    )
    claim = open_claim(world)
    assert [t.name for t in alerts.thresholds_for(claim)] == ["half", "warn_6h", "due", "overdue"]


# --- a response window started again by the platform's request for information ---------------


def windows(claim) -> dict:
    """The claim's raised thresholds, by the hours from T0 at which their window began."""
    found: dict = {}
    for start, threshold in (
        Alert.objects.filter(claim=claim).order_by("scheduled_for").values_list("window_start", "threshold")
    ):
        found.setdefault((start - T0) / timedelta(hours=1), []).append(threshold)
    return found


def platform_asks(world, claim, hours: float):
    return services.claim_platform_request(
        claim=claim, requested_at=T0 + timedelta(hours=hours), by=world.agent_a, version=None
    )


def test_a_platform_request_during_the_window_raises_every_threshold_of_the_new_window_once(world):
    claim = open_claim(world, assignee=world.agent_a)
    alerts.sweep_claims(now=T0 + timedelta(hours=30))
    first = list(Alert.objects.filter(claim=claim).values())
    assert [a["threshold"] for a in first] == ["warn_24h"]
    # The new window runs 48 hours from hour 30: warnings at 54 and 72, due at 78, overdue at 79.
    claim = platform_asks(world, claim, 30)
    for hours in [31, 54, 60, 72, 78, 79, 90]:
        alerts.sweep_claims(now=T0 + timedelta(hours=hours))
        alerts.sweep_claims(now=T0 + timedelta(hours=hours))
    assert windows(claim) == {0: ["warn_24h"], 30: ["warn_24h", "warn_6h", "due", "overdue"]}
    assert list(Alert.objects.filter(claim=claim, window_start=T0).values()) == first
    overdue = Alert.objects.get(claim=claim, window_start=T0 + timedelta(hours=30), threshold="overdue")
    assert overdue.escalated and overdue.due_at == T0 + timedelta(hours=78)


def test_a_platform_request_after_the_claim_went_overdue_warns_and_escalates_again(world):
    claim = open_claim(world, assignee=world.agent_a)
    alerts.sweep_claims(now=T0 + timedelta(hours=50))
    assert windows(claim) == {0: ["warn_24h", "warn_6h", "due", "overdue"]}
    claim = platform_asks(world, claim, 50)
    assert alerts.sweep_claims(now=T0 + timedelta(hours=73)) == []
    assert [a.threshold for a in alerts.sweep_claims(now=T0 + timedelta(hours=74))] == ["warn_24h"]
    assert [a.threshold for a in alerts.sweep_claims(now=T0 + timedelta(hours=100))] == [
        "warn_6h",
        "due",
        "overdue",
    ]
    overdue = Alert.objects.get(claim=claim, window_start=T0 + timedelta(hours=50), threshold="overdue")
    assert overdue.escalated
    assert set(overdue.notifications.values_list("user__username", flat=True)) == {"agent_a", "manager_a"}


def test_sweeps_and_a_recomputed_deadline_in_the_new_window_never_raise_a_threshold_twice(world):
    claim = open_claim(world, assignee=world.agent_a)
    alerts.sweep_claims(now=T0 + timedelta(hours=25))
    # The new window runs 48 hours from hour 25: warnings at 49 and 67, due at 73, overdue at 74.
    claim = platform_asks(world, claim, 25)
    alerts.sweep_claims(now=T0 + timedelta(hours=73))
    alerts.sweep_claims(now=T0 + timedelta(hours=73))
    assert windows(claim) == {0: ["warn_24h"], 25: ["warn_24h", "warn_6h", "due"]}
    # Recomputing schedules the window's thresholds from its first again: the sweep owes only
    # what it has not raised yet.
    claim = services.claim_recompute_deadline(claim=claim, by=world.agent_a, version=None)
    assert claim.next_alert_threshold == "warn_24h"
    assert [a.threshold for a in alerts.sweep_claims(now=T0 + timedelta(hours=74))] == ["overdue"]
    assert alerts.sweep_claims(now=T0 + timedelta(hours=74)) == []
    assert windows(claim) == {0: ["warn_24h"], 25: ["warn_24h", "warn_6h", "due", "overdue"]}
