"""Claims seen coming: which orders may become claims, and from when the buyer may open one.

The dates are hand-computed from the default rules (disputes/default_rules.py): Amazon 48 hours
after the buyer wrote and, for a late order, 3 calendar days after the latest delivery date on the
store's clock; eBay 3 full business days after the buyer wrote."""

from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from disputes.models import (
    Buyer,
    Claim,
    ClaimKind,
    Membership,
    Order,
    Platform,
    Reason,
    Role,
    Shipment,
    Store,
)
from messaging import services
from messaging.foresight import Sign, claims_seen_coming, serial_complainers
from messaging.models import Message

from .queries import assert_queries_pinned

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # a Monday; no clock change near it


def order(store, number, *, buyer=None, purchased=NOW - timedelta(days=8), latest_delivery=None, status=""):
    return Order.objects.create(
        store=store,
        buyer=buyer,
        platform_order_id=number,
        purchased_at=purchased,
        latest_delivery=latest_delivery,
        currency=store.currency,
        status=status,
    )


def buyer_writes(an_order, body, at):
    return services.message_receive(order=an_order, body=body, at=at, now=at)


def listed(user, now=NOW):
    return {item.order.platform_order_id: item for item in claims_seen_coming(user, now=now)}


def test_a_buyer_who_wrote_twice_unanswered_may_claim_48_hours_after_the_first_message(world):
    mine = order(world.store_a, "111-0000002-0000001")
    buyer_writes(mine, "Hello, can you tell me when it ships?", NOW - timedelta(hours=30))
    buyer_writes(mine, "Hello again, any news?", NOW - timedelta(hours=5))
    item = listed(world.agent_a)["111-0000002-0000001"]
    assert item.signs == [Sign.UNANSWERED] and item.unanswered == 2
    assert item.reasons() == ["The buyer wrote 2 times without an answer"]
    assert item.opens is not None
    assert item.opens.at == NOW + timedelta(hours=18)  # first message + 48 hours
    assert "48 calendar hours from the buyer's message" in item.opens.explanation


def test_one_unanswered_polite_message_is_not_a_sign(world):
    mine = order(world.store_a, "111-0000002-0000002")
    buyer_writes(mine, "Hello, can you tell me when it ships?", NOW - timedelta(hours=3))
    assert "111-0000002-0000002" not in listed(world.agent_a)
    buyer_writes(mine, "Hello again?", NOW - timedelta(hours=1))
    assert listed(world.agent_a)["111-0000002-0000002"].signs == [Sign.UNANSWERED]


def test_a_late_order_may_be_claimed_three_days_after_its_latest_delivery_date(world):
    # 2026-06-14 00:00 in Los Angeles (PDT, UTC-7); three calendar days later on that clock.
    late = order(
        world.store_a, "111-0000003-0000001", latest_delivery=datetime(2026, 6, 14, 7, 0, tzinfo=UTC)
    )
    item = listed(world.agent_a)["111-0000003-0000001"]
    assert item.signs == [Sign.LATE]
    assert item.opens is not None and item.opens.at == datetime(2026, 6, 17, 7, 0, tzinfo=UTC)
    assert "3 calendar days from the latest delivery date" in item.opens.explanation
    # Delivered after all: no longer late, so no longer listed.
    Shipment.objects.create(order=late, tracking_number="1Z1", delivered_at=NOW - timedelta(hours=1))
    assert "111-0000003-0000001" not in listed(world.agent_a)


def test_when_both_rules_apply_the_later_date_is_the_one(world):
    late = order(
        world.store_a, "111-0000003-0000002", latest_delivery=datetime(2026, 6, 14, 7, 0, tzinfo=UTC)
    )
    buyer_writes(late, "Where is my order? It never arrived.", datetime(2026, 6, 16, 10, 0, tzinfo=UTC))
    item = listed(world.agent_a, now=datetime(2026, 6, 16, 12, 0, tzinfo=UTC))["111-0000003-0000002"]
    assert item.signs == [Sign.LATE, Sign.COMPLAINT]
    # Delivery rule: 17 June 07:00 UTC; contact rule: 18 June 10:00 UTC. Both must have passed.
    assert item.opens is not None and item.opens.at == datetime(2026, 6, 18, 10, 0, tzinfo=UTC)


def test_cancelled_and_claimed_orders_are_not_listed(world):
    order(world.store_a, "111-C", latest_delivery=NOW - timedelta(days=2), status="Cancelled")
    claimed = order(world.store_a, "111-K", latest_delivery=NOW - timedelta(days=2))
    open_one = order(world.store_a, "111-L", latest_delivery=NOW - timedelta(days=2))
    Claim.objects.create(
        store=world.store_a, order=claimed, kind=ClaimKind.A_TO_Z, reason=Reason.NOT_RECEIVED, opened_at=NOW
    )
    found = listed(world.agent_a)
    assert open_one.platform_order_id in found
    assert "111-C" not in found and "111-K" not in found


def test_a_message_in_complaint_words_is_flagged_when_filed_in_english_and_russian(world):
    english = buyer_writes(order(world.store_a, "A-1"), "This is unacceptable, the lamp is broken.", NOW)
    russian = buyer_writes(order(world.store_a, "A-2"), "Посылка не пришла, открою спор.", NOW)
    polite = buyer_writes(order(world.store_a, "A-3"), "Thank you, it arrived and I love it.", NOW)
    sport = buyer_writes(order(world.store_a, "A-4"), "Люблю спорт, спасибо.", NOW)
    flags = dict(
        Message.objects.filter(pk__in=[english.pk, russian.pk, polite.pk, sport.pk]).values_list(
            "pk", "reads_as_complaint"
        )
    )
    assert flags == {english.pk: True, russian.pk: True, polite.pk: False, sport.pk: False}
    found = listed(world.agent_a)
    assert found["A-1"].signs == [Sign.COMPLAINT] and found["A-2"].signs == [Sign.COMPLAINT]
    assert "A-3" not in found and "A-4" not in found


def test_an_old_complaint_is_taken_as_settled(world):
    buyer_writes(
        order(world.store_a, "A-5", purchased=NOW - timedelta(days=60)),
        "It is broken!",
        NOW - timedelta(days=31),
    )
    Message.objects.filter(thread__order__platform_order_id="A-5").update(reply_state="replied")
    assert "A-5" in listed(world.agent_a, now=NOW - timedelta(days=2))  # within 30 days of it
    assert "A-5" not in listed(world.agent_a)


def test_a_buyer_with_a_claim_history_is_watched_on_new_orders(world):
    # world.order_a's buyer already has world.claim_a.
    again = order(
        world.store_a, "111-0000004-0000001", buyer=world.order_a.buyer, purchased=NOW - timedelta(days=3)
    )
    item = listed(world.agent_a)[again.platform_order_id]
    assert item.signs == [Sign.HISTORY] and item.buyer_claims == 1
    assert item.reasons() == ["The buyer has 1 claims on other orders"]
    assert item.opens is None  # neither wrote nor late: no Amazon rule makes the buyer wait yet


def test_ebay_buyers_wait_three_full_business_days(world):
    ebay = Store.objects.create(
        name="Echo eBay US",
        platform=Platform.EBAY,
        marketplace="US",
        time_zone="America/New_York",
        currency="USD",
    )
    Membership.objects.create(user=world.agent_a, store=ebay, role=Role.AGENT)
    mine = order(ebay, "EB-1")
    # Friday 12 June 10:00 EDT: Monday, Tuesday, Wednesday count; the window ends as Wednesday ends.
    buyer_writes(mine, "The item is damaged, I want my money back.", datetime(2026, 6, 12, 14, 0, tzinfo=UTC))
    item = listed(world.agent_a)["EB-1"]
    assert item.opens is not None and item.opens.at == datetime(2026, 6, 18, 4, 0, tzinfo=UTC)


def test_a_platform_without_a_waiting_rule_says_the_buyer_may_claim_now(world, agent_client):
    now = timezone.now()
    ozon = Store.objects.create(
        name="Oscar Ozon", platform=Platform.OZON, marketplace="RU", time_zone="Europe/Moscow", currency="RUB"
    )
    Membership.objects.create(user=world.agent_a, store=ozon, role=Role.AGENT)
    buyer_writes(
        order(ozon, "OZ-1", purchased=now - timedelta(days=8)), "Посылка не пришла", now - timedelta(hours=1)
    )
    item = listed(world.agent_a, now=now)["OZ-1"]
    assert item.opens is None and item.opens_now(now)
    page = agent_client.get(reverse("messaging:coming")).content.decode()
    assert "OZ-1" in page and "No rule makes the buyer wait on Ozon." in page


def test_outsiders_see_none_of_store_a_on_the_list(world, outsider_client, agent_client):
    now = timezone.now()
    order(
        world.store_a,
        "111-0000005-0000001",
        purchased=now - timedelta(days=8),
        latest_delivery=now - timedelta(days=1),
    )
    assert "111-0000005-0000001" in agent_client.get(reverse("messaging:coming")).content.decode()
    assert "111-0000005-0000001" not in outsider_client.get(reverse("messaging:coming")).content.decode()
    assert claims_seen_coming(world.agent_b, now=NOW) == []


def test_the_list_page_costs_the_same_queries_however_many_orders_are_listed(world, agent_client):
    now = timezone.now()

    def more():
        for n in range(5):
            late = order(
                world.store_a,
                f"Q-{n}",
                buyer=world.order_a.buyer,
                purchased=now - timedelta(days=9),
                latest_delivery=now - timedelta(days=1),
            )
            buyer_writes(late, "Still waiting, where is my parcel?", now - timedelta(hours=n + 1))
            buyer_writes(late, "Hello?", now - timedelta(minutes=10))

    order(
        world.store_a,
        "Q-first",
        buyer=world.order_a.buyer,
        purchased=now - timedelta(days=9),
        latest_delivery=now - timedelta(days=2),
    )
    # 13: the buyers' claim counts come with the orders (`Buyer.claims`), not in a query of their own.
    assert_queries_pinned(agent_client, reverse("messaging:coming"), expected=13, add_rows=more)


# --- serial complainers -------------------------------------------------------------------


def claim_on(store, buyer, number, *, opened, outcome=""):
    an_order = order(store, number, buyer=buyer, purchased=opened - timedelta(days=10))
    return Claim.objects.create(
        store=store,
        order=an_order,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_AS_DESCRIBED,
        opened_at=opened,
        outcome=outcome,
        amount="40.00",
    )


def test_a_buyer_with_claims_on_three_orders_across_stores_gets_an_abuse_report(world, agent_client):
    from .evidence_corpus import add_evidence

    uk = Store.objects.create(
        name="Alpha Amazon UK",
        platform=Platform.AMAZON,
        marketplace="GB",
        time_zone="Europe/London",
        currency="GBP",
    )
    Membership.objects.create(user=world.agent_a, store=uk, role=Role.AGENT)
    alias = world.order_a.buyer.alias
    in_uk = Buyer.objects.create(store=uk, alias=alias)
    claim_on(
        world.store_a,
        world.order_a.buyer,
        "SC-1",
        opened=datetime(2026, 3, 2, 9, tzinfo=UTC),
        outcome="denied",
    )
    second = claim_on(uk, in_uk, "SC-2", opened=datetime(2026, 4, 7, 9, tzinfo=UTC), outcome="granted_seller")
    add_evidence(second.order, world.agent_a, caption="The lamp as packed, before shipping", previews=False)
    # Two orders so far (world.claim_a's and SC-1's) plus SC-2's: three orders, two stores.
    found = serial_complainers(world.agent_a)
    assert [(b.alias, b.claims, b.orders, b.stores) for b in found] == [(alias, 3, 3, 2)]
    # Another buyer with two claims is not (yet) a serial complainer.
    other = Buyer.objects.create(store=world.store_a, alias="other@marketplace.example")
    claim_on(world.store_a, other, "OT-1", opened=datetime(2026, 3, 1, tzinfo=UTC))
    claim_on(world.store_a, other, "OT-2", opened=datetime(2026, 3, 9, tzinfo=UTC))
    assert [b.alias for b in serial_complainers(world.agent_a)] == [alias]
    # The agent of store B sees neither store's buyers.
    assert serial_complainers(world.agent_b) == []

    listing = agent_client.get(reverse("messaging:coming")).content.decode()
    report_url = reverse("appeals:abuse_report", args=[found[0].buyer_id])
    assert report_url in listing
    page = agent_client.get(report_url).content.decode()
    assert "SC-1" in page and "SC-2" in page
    draft = agent_client.get(report_url).context["draft"]
    assert "this buyer opened 3 claims on 3 orders in 2 of our stores. 1 were decided in our favour" in draft
    assert "order SC-2 (Alpha Amazon UK), bought " in draft and "Outcome: Granted" in draft
    assert "Evidence: " in draft and "The lamp as packed, before shipping (SHA-256 " in draft
    # Store B's agent cannot open the report of store A's buyer.
    from .conftest import client_for

    assert client_for(world.agent_b).get(report_url).status_code == 404
