"""The claim page's layout pieces: one way to write a time, Send and mark responded."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from disputes import dates
from disputes.models import Claim, ClaimStatus
from messaging.models import Direction, Message

T = datetime(2026, 12, 1, 12, 28, tzinfo=UTC)


def render(source: str, **context) -> str:
    return Template("{% load desk %}" + source).render(Context(context))


def test_a_time_is_written_one_way_in_the_readers_zone_and_names_it(world):
    with timezone.override(ZoneInfo("America/Los_Angeles")):
        html = render("{{ t|when }}", t=T)
        assert html == (
            '<time datetime="2026-12-01T12:28:00+00:00" title="Your time zone: America/Los_Angeles">'
            "2026-12-01 04:28 PST</time>"
        )
    # A zone without a common abbreviation is named by its offset.
    with timezone.override(ZoneInfo("America/Sao_Paulo")):
        assert dates.moment_text(T) == "2026-12-01 09:28 UTC-03"
    with timezone.override(ZoneInfo("Asia/Kathmandu")):
        assert dates.moment_text(T) == "2026-12-01 18:13 UTC+05:45"
    assert render("{{ d|when }}", d=date(2026, 12, 1)) == '<time datetime="2026-12-01">2026-12-01</time>'
    assert render("[{{ n|when }}]", n=None) == "[]"


def test_the_stores_reading_is_offered_when_its_zone_differs(world):
    with timezone.override(ZoneInfo("Asia/Shanghai")), translation.override("en"):
        html = render("{{ t|when:store }}", t=T, store=world.store_a)  # store A: Los Angeles
    assert "2026-12-01 20:28 CST</time>" in html
    assert (
        'title="Your time zone: Asia/Shanghai · Store time (America/Los_Angeles): 2026-12-01 04:28 PST"'
        in html
    )
    with timezone.override(ZoneInfo("America/Los_Angeles")):
        same = render("{{ t|when:store }}", t=T, store=world.store_a)
    assert "Store time" not in same and "PST" in same


def test_the_claim_page_writes_every_time_the_same_way(agent_client, world):
    body = agent_client.get(reverse("disputes:claim", args=[world.claim_a.pk])).content.decode()
    opened = timezone.localtime(world.claim_a.opened_at).strftime("%Y-%m-%d %H:%M")
    assert f"{opened} UTC</time>" in body  # the test reader's zone is UTC
    # None of Django's default long formats ("Dec. 1, 2026, 12:28 p.m.") is left.
    assert " p.m." not in body and " a.m." not in body


def test_send_and_mark_responded_is_one_action(agent_client, world):
    url = reverse("messaging:send", args=[world.order_a.pk])
    claim_url = reverse("disputes:claim", args=[world.claim_a.pk])
    page = agent_client.get(claim_url).content.decode()
    assert 'id="send-respond-button"' in page
    agent_client.post(
        url,
        {"body": "It is on its way.", "channel": "platform", "claim": world.claim_a.pk, "then": "responded"},
    )
    world.claim_a.refresh_from_db()
    assert world.claim_a.status == ClaimStatus.RESPONDED
    assert Message.objects.filter(direction=Direction.TO_BUYER).count() == 1
    assert 'id="send-respond-button"' not in agent_client.get(claim_url).content.decode()


def test_a_claim_that_cannot_be_marked_sends_nothing(agent_client, world):
    # Closed meanwhile (in another tab): the reply is not sent without the status change.
    Claim.objects.filter(pk=world.claim_a.pk).update(status=ClaimStatus.CLOSED, closed_at=timezone.now())
    response = agent_client.post(
        reverse("messaging:send", args=[world.order_a.pk]),
        {"body": "It is on its way.", "channel": "platform", "claim": world.claim_a.pk, "then": "responded"},
    )
    assert response.status_code == 400
    assert "It is on its way." in response.content.decode()
    assert "cannot move to Responded, under review" in response.content.decode()
    assert not Message.objects.filter(direction=Direction.TO_BUYER).exists()


def test_the_deadline_card_says_whose_clock_each_time_is_on(agent_client, world):
    from disputes import services

    claim = services.claim_open(
        order=world.order_a, kind="a_to_z", reason="not_received", by=world.agent_a, opened_at=T
    )
    body = agent_client.get(reverse("disputes:claim", args=[claim.pk])).content.decode()
    due = timezone.localtime(claim.respond_by, ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M")
    on_store_clock = timezone.localtime(claim.respond_by, ZoneInfo("America/Los_Angeles"))
    # The reader's (UTC here) time, named; the store's clock, named as the store's; the rule's
    # explanation on the store's clock in the same format.
    assert f"{due} UTC</time>" in body
    assert (
        f"On the store's clock (America/Los_Angeles): {on_store_clock:%Y-%m-%d %H:%M} "
        f"{on_store_clock.tzname()}" in body
    )
    assert "at 2026-12-01 04:28 PST" in body
