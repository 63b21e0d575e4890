"""The columns "may become a claim" reads through indexes (Buyer.claims, claim_orders,
last_claim_at; Order.delivered and the generated Order.late_from) stay equal to counting the
claims and shipments themselves, whatever writes them, even a save of a row read before."""

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from disputes import services, watch_columns
from disputes.models import Buyer, Claim, ClaimKind, Order, Platform, Reason, Shipment, Store

from .test_queue import add_claims


def buyers_counted_slowly() -> dict:
    counted, by_alias = {}, Counter()
    for buyer in Buyer.objects.all():
        claims = list(Claim.objects.filter(order__buyer=buyer))
        counted[buyer.pk] = (
            len(claims),
            len({c.order_id for c in claims}),
            max((c.opened_at for c in claims), default=None),
        )
        by_alias[buyer.alias] += counted[buyer.pk][1]
    # The alias total, on every store's buyer of that alias.
    return {pk: (*row, by_alias[Buyer.objects.get(pk=pk).alias]) for pk, row in counted.items()}


def buyers_kept() -> dict:
    return {
        b.pk: (b.claims, b.claim_orders, b.last_claim_at, b.alias_claim_orders) for b in Buyer.objects.all()
    }


def late_counted_slowly() -> dict:
    late = {}
    for order in Order.objects.all():
        delivered = Shipment.objects.filter(order=order, delivered_at__isnull=False).exists()
        cancelled = order.status.casefold() in ("cancelled", "canceled")
        late[order.pk] = (delivered, None if delivered or cancelled else order.latest_delivery)
    return late


def late_kept() -> dict:
    return {pk: (d, late) for pk, d, late in Order.objects.values_list("pk", "delivered", "late_from")}


def test_buyer_records_follow_claims_opened_moved_deleted_and_orders_changing_buyer(world):
    buyer = world.order_a.buyer
    assert buyers_kept() == buyers_counted_slowly()
    assert buyers_kept()[buyer.pk][:2] == (1, 1)  # the fixture's claim
    second = services.claim_open(
        order=world.order_a, kind=ClaimKind.CHARGEBACK, reason=Reason.NOT_RECEIVED, by=None
    )
    assert buyers_kept()[buyer.pk][:2] == (2, 1)  # two claims, one order
    claims = add_claims(world, 3)
    Order.objects.filter(pk=claims[0].order_id).update(buyer=buyer)
    assert buyers_kept()[buyer.pk][:2] == (3, 2)
    assert buyers_kept() == buyers_counted_slowly()
    later = timezone.now() + timedelta(days=1)
    Claim.objects.filter(pk=claims[0].pk).update(opened_at=later)
    assert buyers_kept()[buyer.pk] == (3, 2, later, 2)
    # The same alias in another store: each store's buyer carries the total of both.
    uk = Store.objects.create(
        name="Alias Amazon UK", platform=Platform.AMAZON, marketplace="GB", time_zone="UTC", currency="GBP"
    )
    twin = Buyer.objects.create(store=uk, alias=buyer.alias)
    abroad = Order.objects.create(
        store=uk, buyer=twin, platform_order_id="UK-1", purchased_at=timezone.now(), currency="GBP"
    )
    services.claim_open(order=abroad, kind=ClaimKind.A_TO_Z, reason=Reason.DAMAGED, by=None)
    assert buyers_kept()[buyer.pk][3] == buyers_kept()[twin.pk][3] == 3
    assert buyers_kept() == buyers_counted_slowly()
    Claim.objects.filter(pk=claims[1].pk).update(order=world.order_a)
    Claim.objects.filter(pk=second.pk).delete()
    Order.objects.filter(pk=claims[0].order_id).update(buyer=None)
    assert buyers_kept() == buyers_counted_slowly()
    assert buyers_kept()[buyer.pk][:2] == (2, 1)
    Buyer.objects.filter(pk=twin.pk).update(alias="someone-else@marketplace.example")
    assert buyers_kept()[buyer.pk][3] == 1 and buyers_kept()[twin.pk][3] == 1
    assert buyers_kept() == buyers_counted_slowly()


def test_a_save_of_a_buyer_read_before_its_claim_keeps_the_count(world):
    buyer = Buyer.objects.get(pk=world.order_a.buyer_id)
    services.claim_open(order=world.order_a, kind=ClaimKind.CHARGEBACK, reason=Reason.NOT_RECEIVED, by=None)
    buyer.name = "Renamed"
    buyer.save()  # writes the claim count it read (1): the database counts again
    assert Buyer.objects.get(pk=buyer.pk).claims == 2
    assert buyers_kept() == buyers_counted_slowly()


def test_delivery_and_cancellation_take_an_order_out_of_the_late_ones(world):
    now = timezone.now()
    order = Order.objects.create(
        store=world.store_a,
        platform_order_id="L-1",
        purchased_at=now - timedelta(days=9),
        latest_delivery=now - timedelta(days=1),
        currency="USD",
    )
    assert late_kept()[order.pk] == (False, order.latest_delivery)
    shipment = Shipment.objects.create(order=order, tracking_number="1Z9")
    assert late_kept()[order.pk] == (False, order.latest_delivery)  # shipped, not delivered
    Shipment.objects.filter(pk=shipment.pk).update(delivered_at=now)
    assert late_kept()[order.pk] == (True, None)
    order.status = "Shipped"
    order.save()  # the model read before the delivery says delivered=False: counted again
    assert late_kept()[order.pk] == (True, None)
    shipment.delete()
    assert late_kept()[order.pk] == (False, order.latest_delivery)
    Order.objects.filter(pk=order.pk).update(status="CANCELED")
    assert late_kept()[order.pk] == (False, None)
    assert late_kept() == late_counted_slowly()


def test_rebuild_gives_what_the_triggers_kept(world):
    add_claims(world, 4)
    Shipment.objects.create(order=world.order_a, tracking_number="1Z8", delivered_at=timezone.now())
    buyers, late = buyers_kept(), late_kept()
    # The "written" trigger puts them back.
    Buyer.objects.update(claims=0, claim_orders=0, last_claim_at=None, alias_claim_orders=0)
    assert buyers_kept() == buyers
    watch_columns.rebuild()
    assert buyers_kept() == buyers == buyers_counted_slowly()
    assert late_kept() == late == late_counted_slowly()
    assert any(delivered for delivered, _late in late.values())
