"""The ODR forecast against a hand-computed store: it crosses 1 % on a known day, and says
which open claims can stop it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from disputes.models import Claim, ClaimKind, ClaimStatus, Order, OrderLine, Outcome, Platform, Reason, Store
from disputes.selectors import odr_forecast, odr_forecasts

NOW = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)


def orders(store, n: int, days_ago: int, first: int) -> list[Order]:
    return Order.objects.bulk_create(
        Order(
            store=store,
            platform_order_id=f"F-{first + i}",
            purchased_at=NOW - timedelta(days=days_ago),
            currency="USD",
        )
        for i in range(n)
    )


def claim(order, *, outcome: str = "", opened_days_ago: int = 3) -> Claim:
    settled = bool(outcome)
    return Claim.objects.create(
        store=order.store,
        order=order,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        opened_at=NOW - timedelta(days=opened_days_ago),
        respond_by=None if settled else NOW + timedelta(days=1),
        status=ClaimStatus.CLOSED if settled else ClaimStatus.NEW,
        closed_at=NOW - timedelta(days=1) if settled else None,
        outcome=outcome,
        counts_toward_odr=Outcome(outcome).counts_toward_odr if settled else True,
    )


@pytest.fixture
def store(db):
    """600 orders: 300 bought 50 days ago (they leave the 60-day window in 10 days), 300 bought
    10 days ago. Three of the recent ones were granted to the buyer; two more have an open
    "not received" claim. The team's record: 0 won of 3 fought."""
    store = Store.objects.create(
        name="Forecast Amazon", platform=Platform.AMAZON, marketplace="US", time_zone="UTC", currency="USD"
    )
    orders(store, 300, 50, 0)
    recent = orders(store, 300, 10, 300)
    for order in recent[:3]:
        claim(order, outcome=Outcome.GRANTED_SELLER_FUNDED, opened_days_ago=5)
    store.open_claims = [claim(order) for order in recent[3:5]]
    for order in recent[3:5]:
        OrderLine.objects.create(order=order, line_key="LAMP-2", sku="LAMP-2", quantity=1, item_price="30")
    return store


def test_store_crosses_on_the_day_its_old_orders_leave_the_window(store):
    # Hand-computed: new orders 600/60 = 10 a day; new defects 5/60 a day; the win rate of
    # "not received" on Amazon: platform (0 + 1) / (3 + 2) = 0.2, reason (0 + 10 × 0.2) / (3 + 10)
    # = 2/13, so each open claim is lost with 11/13.
    with timezone.override(UTC):
        forecast = odr_forecast(store, now=NOW)
    assert forecast.today.orders == 600
    assert forecast.today.defects == 5  # pending claims count today
    assert forecast.today.percent == pytest.approx(5 / 6)
    day9, day10 = forecast.days[8], forecast.days[9]
    assert day9.orders == pytest.approx(690)
    assert day9.defects == pytest.approx(3 + 2 * 11 / 13 + 9 / 12)
    assert day9.percent < 1
    assert day10.orders == pytest.approx(400)  # the 300 old orders left, 100 new arrived
    assert day10.defects == pytest.approx(3 + 2 * 11 / 13 + 10 / 12)
    assert day10.percent == pytest.approx(100 * (3 + 22 / 13 + 10 / 12) / 400)
    assert day10.spread == pytest.approx((2 * (11 / 13) * (2 / 13) + 10 / 12) ** 0.5)
    assert day10.low < day10.percent < day10.high
    assert forecast.crossing == day10 and forecast.crossing.day.isoformat() == "2026-04-12"
    # Worst case on that day: 3 + 2 + 10/12 defects against a limit of 4 (1 % of 400): two wins.
    assert (forecast.wins_needed, forecast.open_at_crossing) == (2, 2)
    with translation.override("en"):
        assert forecast.summary() == (
            "Expected to cross 1 % on 12 April unless 2 of these 2 open claims are won."
        )
    assert {item.claim.pk for item in forecast.at_stake} == {c.pk for c in store.open_claims}
    # No record for the SKU yet: its estimate is the reason's, 2/13.
    assert forecast.at_stake[0].win.level == "sku"
    assert forecast.at_stake[0].win.rate == pytest.approx(2 / 13)


def test_winning_the_open_claims_keeps_the_store_under_the_line(store):
    with timezone.override(UTC):
        before = odr_forecast(store, now=NOW)
        for open_claim in store.open_claims:
            Claim.objects.filter(pk=open_claim.pk).update(
                outcome=Outcome.DENIED, counts_toward_odr=False, status=ClaimStatus.CLOSED, closed_at=NOW
            )
        after = odr_forecast(store, now=NOW)
    assert before.crossing is not None
    assert after.crossing is None
    # Won claims no longer count: new defects arrive at 3/60 a day.
    assert after.days[9].defects == pytest.approx(3 + 10 * 3 / 60)
    assert after.today.open_orders == 0 and after.at_stake == []


def test_an_order_with_a_settled_defect_is_not_saved_by_winning_its_open_claim(store):
    granted = Claim.objects.filter(outcome=Outcome.GRANTED_SELLER_FUNDED).first()
    claim(granted.order)
    with timezone.override(UTC):
        forecast = odr_forecast(store, now=NOW)
    assert forecast.today.open_orders == 2
    assert forecast.today.defects == 5


def test_forecasts_of_several_stores_read_a_fixed_number_of_queries(store, world, django_assert_num_queries):
    # Window 1 (hour counts, with the pending claims by reason), win rates 1, the claims at stake 4.
    with timezone.override(UTC), django_assert_num_queries(6):
        forecasts = odr_forecasts([store, world.store_a, world.store_b], now=NOW)
    assert forecasts[store.pk].crossing is not None
    assert forecasts[world.store_b.pk].crossing is None


def test_store_page_and_dashboard_show_the_forecast_and_the_claims_at_stake(world, manager_client):
    from disputes.models import Membership, Role

    store = Store.objects.create(
        name="Forecast Amazon", platform=Platform.AMAZON, marketplace="US", time_zone="UTC", currency="USD"
    )
    Membership.objects.create(user=world.manager_a, store=store, role=Role.MANAGER)
    now = timezone.now()
    bought = Order.objects.bulk_create(
        Order(store=store, platform_order_id=f"P-{i}", purchased_at=now - timedelta(days=5), currency="USD")
        for i in range(50)
    )
    at_stake = Claim.objects.create(
        store=store,
        order=bought[0],
        kind=ClaimKind.A_TO_Z,
        reason=Reason.DAMAGED,
        opened_at=now - timedelta(days=1),
        respond_by=now + timedelta(days=2),
    )
    page = manager_client.get(reverse("disputes:store", args=[store.pk])).content.decode()
    assert 'id="odr-forecast"' in page and "forecast-chart" in page
    # 1 defect in 50 orders is 2 %: over the line today, and the open claim is what can change it.
    assert "Above 1 % today (2 %). Winning 1 of these 1 open claims would bring it back under." in page
    assert reverse("disputes:claim", args=[at_stake.pk]) in page
    board = manager_client.get(reverse("disputes:dashboard")).content.decode()
    assert f'id="odr-forecast-{store.pk}"' in board
    assert "Above 1 % today (2 %)." in board


def test_digest_tells_managers_of_a_store_within_reach_and_not_agents(store, world):
    from disputes import digest
    from disputes.models import Membership, Role

    Membership.objects.create(user=world.manager_a, store=store, role=Role.MANAGER)
    Membership.objects.create(user=world.agent_a, store=store, role=Role.AGENT)
    world.claim_a.delete()  # store A's only claim: it would be over the line too
    subject, body = digest.compose(world.manager_a, NOW)
    assert "Stores near the Order Defect Rate limit: 1" in subject
    assert (
        "- Forecast Amazon: Expected to cross 1 % on 12 April unless 2 of these 2 open claims are won."
        in body
    )
    assert f"· {store.open_claims[0].order.platform_order_id} (15%)" in body
    assert reverse("disputes:store", args=[store.pk]) in body
    agent_digest = digest.compose(world.agent_a, NOW)
    assert agent_digest is None or "Defect Rate" not in agent_digest[1]


def test_digest_leaves_out_a_store_far_from_the_line(store, world):
    from disputes import digest
    from disputes.models import Membership, Role

    Membership.objects.create(user=world.manager_a, store=store, role=Role.MANAGER)
    world.claim_a.delete()
    Claim.objects.filter(store=store).delete()
    section = digest.odr_section(world.manager_a, NOW, NOW + timedelta(hours=12))
    assert section.title == "Stores near the Order Defect Rate limit"
    assert section.lines == []


def test_a_claim_decided_a_moment_ago_changes_the_forecast_at_once(store):
    # Nothing is cached: the hour counts and the win tallies change with the claim's own write,
    # so the next forecast, read straight after, already has the decision.
    from disputes.models import StoreHour, WinTally

    with timezone.override(UTC):
        before = odr_forecast(store, now=NOW)
        won = store.open_claims[0]
        Claim.objects.filter(pk=won.pk).update(
            outcome=Outcome.DENIED, counts_toward_odr=False, status=ClaimStatus.CLOSED, closed_at=NOW
        )
        after = odr_forecast(store, now=NOW)
    assert StoreHour.objects.filter(store=store).exists() and WinTally.objects.filter(store=store).exists()
    assert (before.today.defects, after.today.defects) == (5, 4)
    assert (before.today.open_orders, after.today.open_orders) == (2, 1)
    # The win is on the record too: "not received" on Amazon is now 1 won of 4 fought, so the
    # platform's rate is (1 + 1) / (4 + 2) = 1/3 and the reason's (1 + 10/3) / (4 + 10) = 13/42;
    # SKU LAMP-2 has 1 won of 1: (1 + 10 × 13/42) / (1 + 10) = 86/231.
    assert [item.claim.pk for item in after.at_stake] == [store.open_claims[1].pk]
    assert after.at_stake[0].win.parent is not None
    assert after.at_stake[0].win.parent.rate == pytest.approx(13 / 42)
    assert after.at_stake[0].win.rate == pytest.approx(86 / 231)
    assert after.days[9].defects == pytest.approx(3 + 29 / 42 + 10 * 4 / 60)
    assert after.days[9].defects < before.days[9].defects


def test_forecast_and_win_rate_speak_chinese(store):
    with timezone.override(UTC), translation.override("zh-hans"):
        forecast = odr_forecast(store, now=NOW)
        assert forecast.summary().startswith("预计将在")
        assert "除非以下 2 起未结纠纷中赢下 2 起" in forecast.summary()
        assert forecast.at_stake[0].win.reasons()[-1] == f"估计胜率：{forecast.at_stake[0].win.percent}%。"


def test_each_forecast_day_adds_up_exactly_the_days_of_its_window():
    # Figures on every day of the window (and one day before it, which never counts): each
    # forecast day must add up the days from its own window's first day on, once each.
    import math

    from disputes.selectors.forecast import BAND_Z, WindowCounts, _forecast
    from disputes.winrates import Tally, WinRates

    today = datetime(2026, 12, 7).date()
    days = [today - timedelta(days=n) for n in range(61)]  # day 60 is just outside
    counts = WindowCounts(
        orders={day: 100 + n for n, day in enumerate(days)},
        settled={day: n % 3 for n, day in enumerate(days)},
        pending={day: {Reason.NOT_RECEIVED: 1.0 + n % 2, Reason.DAMAGED: 0.5} for n, day in enumerate(days)},
    )
    rates = WinRates(by_reason={(Platform.AMAZON, Reason.NOT_RECEIVED): Tally(3, 4)}, by_sku={})
    store = Store(pk=1, name="s", platform=Platform.AMAZON)
    forecast = _forecast(store, today, counts, rates)
    lose = {r: 1 - rates.reason(Platform.AMAZON, r).rate for r in (Reason.NOT_RECEIVED, Reason.DAMAGED)}
    per_day_orders = sum(counts.orders.values()) / 60  # the pace: every order read
    for day in [forecast.today, *forecast.days]:
        window = [d for d in days if d > day.day - timedelta(days=60)]
        pending = [counts.pending[d] for d in window]
        assert day.orders == pytest.approx(
            sum(counts.orders[d] for d in window) + per_day_orders * day.offset
        )
        assert day.settled == sum(counts.settled[d] for d in window)
        assert day.open_orders == round(sum(sum(p.values()) for p in pending))
        if day.offset:
            losses = sum(n * lose[r] for p in pending for r, n in p.items())
            variance = sum(n * lose[r] * (1 - lose[r]) for p in pending for r, n in p.items())
            assert day.defects == pytest.approx(day.settled + losses + day.new_defects)
            assert day.high == pytest.approx(
                100 * (day.defects + BAND_Z * math.sqrt(variance + day.new_defects)) / day.orders
            )
    assert len(forecast.days) == 30 and forecast.days[-1].day == today + timedelta(days=30)
