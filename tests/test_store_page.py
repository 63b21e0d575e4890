from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import Claim, ClaimKind, Order, Outcome, Reason
from disputes.selectors import order_defect_rate

from .drafts import post_mortem


def make_orders(store, count, *, days_ago=5):
    now = timezone.now()
    return Order.objects.bulk_create(
        Order(
            store=store,
            platform_order_id=f"ODR-{days_ago}-{i}",
            purchased_at=now - timedelta(days=days_ago),
            currency=store.currency,
        )
        for i in range(count)
    )


def test_odr_counts_orders_with_a_defect_over_60_days(world):
    orders = make_orders(world.store_a, 99)
    make_orders(world.store_a, 50, days_ago=90)  # outside the window
    Claim.objects.create(
        store=world.store_a,
        order=orders[0],
        kind=ClaimKind.CHARGEBACK,
        reason=Reason.PRICE,
        opened_at=timezone.now(),
    )
    Claim.objects.create(
        store=world.store_a,
        order=orders[0],
        kind=ClaimKind.NEGATIVE_FEEDBACK,
        reason=Reason.OTHER,
        opened_at=timezone.now(),
    )
    Claim.objects.create(
        store=world.store_a,
        order=orders[1],
        kind=ClaimKind.A_TO_Z,
        reason=Reason.DAMAGED,
        opened_at=timezone.now(),
        counts_toward_odr=False,
    )
    odr = order_defect_rate(world.store_a)
    # world.order_a has an open A-to-Z claim: a defect too.
    assert (odr.orders, odr.defective_orders) == (100, 2)
    assert (odr.chargebacks, odr.negative_feedback, odr.claims) == (1, 1, 1)
    assert str(odr.percent) == "2.00" and odr.at_risk


def test_a_new_claim_on_an_old_order_is_outside_the_window(world):
    # The window is over when the order was bought, not when the claim was opened.
    old = make_orders(world.store_a, 1, days_ago=90)[0]
    before = order_defect_rate(world.store_a)
    Claim.objects.create(
        store=world.store_a,
        order=old,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        opened_at=timezone.now(),
    )
    after = order_defect_rate(world.store_a)
    assert (after.orders, after.defective_orders) == (before.orders, before.defective_orders)


def test_each_store_counts_only_its_own_orders_and_claims(world):
    make_orders(world.store_b, 4)
    Claim.objects.create(
        store=world.store_b,
        order=Order.objects.filter(store=world.store_b).first(),
        kind=ClaimKind.OZON_DISPUTE,
        reason=Reason.DAMAGED,
        opened_at=timezone.now(),
    )
    a, b = order_defect_rate(world.store_a), order_defect_rate(world.store_b)
    assert (a.orders, a.defective_orders) == (1, 1)
    assert (b.orders, b.defective_orders) == (Order.objects.filter(store=world.store_b).count(), 1)


def test_a_denied_claim_brings_the_odr_down_on_the_store_page(agent_client, world):
    make_orders(world.store_a, 49)
    url = reverse("disputes:store", args=[world.store_a.pk])
    assert 'id="odr-percent">2.00%' in agent_client.get(url).content.decode()
    claim = world.claim_a
    services.claim_close(
        claim=claim,
        outcome=Outcome.DENIED,
        by=world.agent_a,
        post_mortem=post_mortem(world.agent_a),
        version=claim.version,
    )
    body = agent_client.get(url).content.decode()
    assert 'id="odr-percent">0.00%' in body
