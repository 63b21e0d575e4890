"""The alerts page grouped by claim, its filters and "acknowledge all"; the feed the pages poll
for desktop notifications and the tab title; the alert settings."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import alerts, services
from disputes.models import Claim, ClaimKind, DeadlineRule, Notification, Order, Profile, Reason, Store

from .conftest import client_for


@pytest.fixture(autouse=True)
def _a_48_hour_window(rules):
    DeadlineRule.objects.filter(platform="amazon", claim_kind="a_to_z", deadline="respond").update(length=48)


def claim_on(world, order_id: str, *, store=None, hours_ago: float, assignee=None) -> Claim:
    store = store or world.store_a
    now = timezone.now()
    order = Order.objects.create(
        store=store,
        buyer=world.order_a.buyer,
        platform_order_id=order_id,
        purchased_at=now - timedelta(days=9),
        currency="USD",
        total="30.00",
    )
    return services.claim_open(
        order=order,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        by=world.agent_a,
        opened_at=now - timedelta(hours=hours_ago),
        assignee=assignee,
    )


def second_store(world) -> Store:
    from disputes.models import Membership, Role

    store = Store.objects.create(
        name="Charlie Amazon DE",
        platform="amazon",
        marketplace="DE",
        time_zone="Europe/Berlin",
        currency="EUR",
    )
    Membership.objects.create(user=world.agent_a, store=store, role=Role.AGENT)
    return store


def groups(body: str) -> list[str]:
    return re.findall(r'<section class="card alert-group" id="alert-group-claim-(\d+)"', body)


def test_alerts_are_grouped_by_claim_with_where_it_stands_now(agent_client, world):
    claim = claim_on(world, "114-0000001-0000010", hours_ago=20, assignee=world.agent_a)
    # Later sweeps raise the 24-hour warning, then the 6-hour one, of the same claim.
    alerts.sweep_claims(now=timezone.now() + timedelta(hours=5))
    alerts.sweep_claims(now=timezone.now() + timedelta(hours=23))
    body = agent_client.get(reverse("disputes:alerts")).content.decode()
    # Two groups: the world's claim (one "half" alert) and this one, with both its alerts.
    assert sorted(groups(body)) == sorted([str(claim.pk), str(world.claim_a.pk)])
    section = body.split(f'id="alert-group-claim-{claim.pk}"')[1].split("</section>")[0]
    assert "24 hours left to respond" in section and "6 hours left to respond" in section
    # What stands now is said once, for the claim, beside what each alert said then.
    assert section.count("Now:") == 1
    assert re.search(r"Now:\s*response: (1 d 3 h|1 d 4 h) left", section), section


def test_a_claim_overdue_now_says_so_once_and_no_alert_contradicts_it(agent_client, world):
    claim = claim_on(world, "114-0000001-0000011", hours_ago=30, assignee=world.agent_a)
    # The sweep ran late: the 24-hour warning of this claim is raised six hours after its time.
    alerts.sweep_claims()
    Claim.objects.filter(pk=claim.pk).update(respond_by=timezone.now() - timedelta(hours=3))
    body = agent_client.get(reverse("disputes:alerts")).content.decode()
    section = body.split(f'id="alert-group-claim-{claim.pk}"')[1].split("</section>")[0]
    assert "24 hours left to respond" in section
    assert "raised 6 h 0 min after its time" in section
    assert re.search(r"badge-overdue\" data-standing>Now: response: overdue by 3 h 0 min", section), section
    # The old word "late" next to a deadline that had hours left is gone.
    assert " late<" not in section


def test_acknowledge_all_touches_only_the_users_own_alerts(world):
    claim_on(world, "114-0000001-0000012", hours_ago=47.5, assignee=world.agent_a)
    alerts.sweep_claims(now=timezone.now() + timedelta(hours=2))  # overdue: managers hear of it too
    mine = Notification.objects.filter(user=world.agent_a)
    theirs = Notification.objects.filter(user=world.manager_a)
    assert mine.filter(acknowledged_at__isnull=True).count() >= 2
    assert theirs.filter(acknowledged_at__isnull=True).count() >= 1

    response = client_for(world.agent_a).post(reverse("disputes:alerts_ack_all"), {"show": "unread"})
    assert response.status_code == 302
    assert mine.filter(acknowledged_at__isnull=True).count() == 0
    assert theirs.filter(acknowledged_at__isnull=True).count() >= 1


def test_acknowledge_all_with_a_store_filter_leaves_the_other_stores(world):
    other = second_store(world)
    here = claim_on(world, "114-0000001-0000013", hours_ago=30, assignee=world.agent_a)
    there = claim_on(world, "303-0000001-0000014", store=other, hours_ago=30, assignee=world.agent_a)
    alerts.sweep_claims()
    client = client_for(world.agent_a)
    client.post(reverse("disputes:alerts_ack_all"), {"store": other.pk, "show": "unread"})
    unread = Notification.objects.filter(user=world.agent_a, acknowledged_at__isnull=True)
    assert unread.filter(alert__claim=here).exists()
    assert not unread.filter(alert__claim=there).exists()
    # The page shown afterwards keeps the filter.
    page = client.get(reverse("disputes:alerts"), {"store": other.pk, "show": "all"}).content.decode()
    assert groups(page) == [str(there.pk)]


def test_filters_by_store_kind_and_unread(agent_client, world):
    other = second_store(world)
    here = claim_on(world, "114-0000001-0000015", hours_ago=30, assignee=world.agent_a)
    there = claim_on(world, "303-0000001-0000016", store=other, hours_ago=30, assignee=world.agent_a)
    alerts.sweep_claims()
    url = reverse("disputes:alerts")
    everything = groups(agent_client.get(url).content.decode())
    assert sorted(everything) == sorted([str(here.pk), str(there.pk), str(world.claim_a.pk)])
    assert groups(agent_client.get(url, {"store": other.pk}).content.decode()) == [str(there.pk)]
    assert groups(agent_client.get(url, {"kind": "replies"}).content.decode()) == []
    assert sorted(groups(agent_client.get(url, {"kind": "claims"}).content.decode())) == sorted(everything)
    Notification.objects.filter(alert__claim=here).update(acknowledged_at=timezone.now())
    assert str(here.pk) not in groups(agent_client.get(url).content.decode())
    assert str(here.pk) in groups(agent_client.get(url, {"show": "all"}).content.decode())


def test_a_store_filter_of_a_store_not_ones_own_shows_nothing_of_it(world):
    claim_on(world, "114-0000001-0000017", hours_ago=30, assignee=world.agent_a)
    alerts.sweep_claims()
    # agent_b works only store B: asking for store A's alerts is ignored, theirs are none.
    body = (
        client_for(world.agent_b)
        .get(reverse("disputes:alerts"), {"store": world.store_a.pk})
        .content.decode()
    )
    assert "No unacknowledged alerts" in body
    assert world.store_a.name not in body


def test_the_feed_starts_at_the_latest_and_then_gives_only_newer_alerts(agent_client, world):
    url = reverse("disputes:alerts_feed")
    first = agent_client.get(url).json()
    assert first["latest"] == world.notification_a.pk
    assert first["alerts"] == []  # opening a page never replays what came before
    assert first["unread"] == 1 and first["overdue"] == 0 and first["sound"] is False

    claim = claim_on(world, "114-0000001-0000018", hours_ago=49.5, assignee=world.agent_a)
    alerts.sweep_claims()
    feed = agent_client.get(url, {"after": first["latest"]}).json()
    assert feed["overdue"] == 1
    assert [(a["title"], a["body"]) for a in feed["alerts"]] == [
        ("114-0000001-0000018 · Alpha Amazon US", "the response is overdue")
    ]
    assert feed["alerts"][0]["url"] == reverse("disputes:claim", args=[claim.pk])
    assert agent_client.get(url, {"after": feed["latest"]}).json()["alerts"] == []


def test_the_feed_counts_only_the_users_own_overdue_claims(world):
    claim_on(world, "114-0000001-0000019", hours_ago=49.5, assignee=world.manager_a)
    claim_on(world, "114-0000001-0000020", hours_ago=49.5, assignee=world.agent_a)
    assert client_for(world.agent_a).get(reverse("disputes:alerts_feed")).json()["overdue"] == 1
    assert client_for(world.agent_b).get(reverse("disputes:alerts_feed")).json()["overdue"] == 0


def test_alert_settings_are_saved_and_reach_the_feed(agent_client, world):
    response = agent_client.post(
        reverse("disputes:alert_settings"), {"alert_sound": "on", "digest_email": "on", "digest_hour": "7"}
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=world.agent_a)
    assert (profile.alert_sound, profile.digest_email, profile.digest_hour) == (True, True, 7)
    assert agent_client.get(reverse("disputes:alerts_feed")).json()["sound"] is True


def test_an_hour_out_of_range_is_refused_in_place(agent_client, world):
    response = agent_client.post(
        reverse("disputes:alert_settings"), {"digest_email": "on", "digest_hour": "25"}, follow=True
    )
    assert "hour of the daily digest" in response.content.decode().lower()
    profile = Profile.objects.filter(user=world.agent_a).first()
    assert profile is None or profile.digest_hour == 8


def test_the_sound_file_is_a_short_wav_of_the_desks_own(settings):
    import wave
    from pathlib import Path

    path = Path(settings.BASE_DIR) / "static" / "sounds" / "alert.wav"
    with wave.open(str(path)) as sound:
        seconds = sound.getnframes() / sound.getframerate()
    assert 0.1 < seconds < 1


def test_the_alerts_page_costs_the_same_queries_however_many_claims_it_groups(agent_client, world):
    from .queries import assert_queries_pinned

    claim_on(world, "114-0000001-0000021", hours_ago=30, assignee=world.agent_a)
    alerts.sweep_claims()

    def more_claims() -> None:
        for n in range(4):
            claim_on(world, f"114-0000001-00001{n:02d}", hours_ago=49.5, assignee=world.agent_a)
        alerts.sweep_claims()

    assert_queries_pinned(agent_client, reverse("disputes:alerts"), expected=6, add_rows=more_claims)
