"""The team's win rates: counted from claims fought to a decision, leaned toward the level above
while a level's own record is thin, and explained in words."""

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes.models import Claim, ClaimKind, ClaimStatus, Order, OrderLine, Outcome, Reason
from disputes.winrates import PRIOR_WEIGHT, claim_win_rate, win_rates


def decided(store, n: int, outcome: str, *, reason: str = Reason.NOT_RECEIVED, sku: str = "MUG-1") -> None:
    now = timezone.now()
    for _ in range(n):
        number = Order.objects.count() + 1
        order = Order.objects.create(
            store=store,
            platform_order_id=f"W-{number}",
            purchased_at=now - timedelta(days=20),
            currency="USD",
        )
        OrderLine.objects.create(order=order, line_key=sku, sku=sku, quantity=1, item_price="9.00")
        Claim.objects.create(
            store=store,
            order=order,
            kind=ClaimKind.A_TO_Z,
            reason=reason,
            opened_at=now - timedelta(days=15),
            status=ClaimStatus.CLOSED,
            closed_at=now - timedelta(days=5),
            outcome=outcome,
        )


@pytest.fixture
def record(world):
    store = world.store_a
    # Amazon, not received: 8 won (6 denied, 2 withdrawn), 2 granted; 3 refunds are no fight.
    decided(store, 6, Outcome.DENIED)
    decided(store, 2, Outcome.WITHDRAWN)
    decided(store, 2, Outcome.GRANTED_SELLER_FUNDED)
    decided(store, 3, Outcome.REFUNDED_BY_SELLER)
    # Amazon, damaged, SKU VASE-9: 0 won of 2.
    decided(store, 2, Outcome.GRANTED_PLATFORM_FUNDED, reason=Reason.DAMAGED, sku="VASE-9")
    return store


def test_reason_rate_counts_only_fought_claims_and_leans_toward_platform(record):
    rates = win_rates([record])
    platform = rates.platform("amazon")
    assert (platform.wins, platform.decided) == (8, 12)
    # Beta(1, 1): (8 + 1) / (12 + 2)
    assert platform.rate == pytest.approx(9 / 14)
    reason = rates.reason("amazon", Reason.NOT_RECEIVED)
    assert (reason.wins, reason.decided) == (8, 10)
    assert reason.rate == pytest.approx((8 + PRIOR_WEIGHT * 9 / 14) / (10 + PRIOR_WEIGHT))


def test_thin_sku_record_leans_on_its_reason_and_says_so(record):
    rates = win_rates([record], skus=["VASE-9"])
    vase = rates.estimate("amazon", Reason.DAMAGED, ["VASE-9"])
    assert vase.level == "sku" and (vase.wins, vase.decided) == (0, 2)
    damaged = rates.reason("amazon", Reason.DAMAGED)
    assert vase.rate == pytest.approx(damaged.rate * PRIOR_WEIGHT / (2 + PRIOR_WEIGHT))
    words = " ".join(vase.reasons())
    assert "SKU VASE-9: 0 won of 2 decided" in words
    assert f"leans toward the rate of “Arrived damaged” claims on Amazon ({damaged.percent}%)" in words
    assert f"Estimated chance of winning: {vase.percent}%" in words


def test_a_platform_with_no_record_starts_at_an_even_chance(record):
    rate = win_rates([record]).estimate("ozon", Reason.NOT_RECEIVED)
    assert rate.level == "reason" and rate.decided == 0
    assert rate.percent == 50
    assert "No “Item not received” claims on Ozon decided yet." in rate.reasons()


def test_other_teams_claims_do_not_count(record, world):
    decided(world.store_b, 5, Outcome.DENIED)
    assert win_rates([record]).platform("ozon").decided == 0
    assert win_rates([world.store_b]).platform("ozon").decided == 5


def test_claim_win_rate_uses_its_orders_sku(record, world):
    OrderLine.objects.create(order=world.order_a, line_key="MUG-1", sku="MUG-1", quantity=1, item_price="9")
    rate = claim_win_rate(world.claim_a, [record])
    assert rate.level == "sku" and rate.sku == "MUG-1"
    assert (rate.wins, rate.decided) == (8, 10)
