"""Records from a platform's API become orders, claims and messages through the desk's own
paths, once: writing the same records again changes nothing."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from connectors.records import ClaimRecord, LineRecord, MessageRecord, OrderRecord, ShipmentRecord
from connectors.writing import write_claim, write_message, write_orders, write_page
from disputes.models import Claim, ClaimEvent, ClaimStatus, Order, Shipment
from messaging.models import Direction, Message, ReplyState

pytestmark = pytest.mark.django_db


def _order(number: str = "98765432-0001-1", status: str = "awaiting_deliver", **extra) -> OrderRecord:
    values = {
        "platform_order_id": number,
        "purchased_at": datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        "status": status,
        "currency": "RUB",
        "lines": [
            LineRecord(sku="MUG-1", quantity=2, item_price=Decimal("1200.00"), title="Кружка"),
            LineRecord(sku="MUG-1", quantity=1, item_price=Decimal("600.00"), title="Кружка"),
        ],
        "shipments": [
            ShipmentRecord("RU100", carrier="Ozon Logistics"),
            ShipmentRecord("RU101", carrier="Ozon Logistics"),
        ],
    }
    return OrderRecord(**{**values, **extra})


def test_orders_are_written_once_and_a_change_arrives(world):
    first = write_orders(world.store_b, [_order()])
    assert first.counts["orders_created"] == 1 and not first.failed
    order = Order.objects.get(store=world.store_b, platform_order_id="98765432-0001-1")
    # One SKU twice is two lines; every parcel is kept.
    assert sorted(order.lines.values_list("line_key", "quantity")) == [("MUG-1", 2), ("MUG-1 #2", 1)]
    assert order.total == Decimal("1800.00")
    assert set(Shipment.objects.filter(order=order).values_list("tracking_number", flat=True)) == {
        "RU100",
        "RU101",
    }

    again = write_orders(world.store_b, [_order()])
    assert again.changed == 0 and again.counts["unchanged"] == 1

    changed = write_orders(world.store_b, [_order(status="delivered")])
    assert changed.counts["orders_updated"] == 1
    order.refresh_from_db()
    assert order.status == "delivered"


def test_a_bad_order_is_set_apart_and_the_others_are_written(world):
    bad = _order("98765432-0002-1", currency="RUBLES")
    written = write_orders(world.store_b, [bad, _order("98765432-0003-1")])
    assert [(item.platform_order_id, "currency" in reason) for item, reason in written.failed] == [
        ("98765432-0002-1", True)
    ]
    assert Order.objects.filter(store=world.store_b, platform_order_id="98765432-0003-1").exists()
    assert not Order.objects.filter(store=world.store_b, platform_order_id="98765432-0002-1").exists()


def _claim(**extra) -> ClaimRecord:
    values = {
        "platform_claim_id": "R-5001",
        "platform_order_id": "98765432-0001-1",
        "kind": "ozon_dispute",
        "reason": "damaged",
        "opened_at": timezone.now() - timedelta(hours=3),
        "amount": Decimal("600.00"),
        "currency": "RUB",
        "buyer_words": "Кружка разбита",
    }
    return ClaimRecord(**{**values, **extra})


def test_a_claim_opens_once_takes_the_platforms_deadline_and_is_decided(world):
    write_orders(world.store_b, [_order()])
    respond_by = timezone.now() + timedelta(hours=20)
    assert write_claim(world.store_b, _claim(respond_by=respond_by), platform="Ozon") == "claims_opened"
    claim = Claim.objects.get(store=world.store_b, platform_claim_id="R-5001")
    assert claim.respond_by == respond_by and claim.amount == Decimal("600.00")
    events = ClaimEvent.objects.filter(claim=claim).count()
    assert ClaimEvent.objects.filter(claim=claim, action="platform_api").exists()

    assert write_claim(world.store_b, _claim(respond_by=respond_by), platform="Ozon") == "unchanged"
    assert ClaimEvent.objects.filter(claim=claim).count() == events

    decided = _claim(status="decided", outcome="refunded", decided_at=timezone.now())
    assert write_claim(world.store_b, decided, platform="Ozon") == "claims_decided"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DECIDED and claim.outcome == "refunded" and claim.respond_by is None
    assert write_claim(world.store_b, decided, platform="Ozon") == "unchanged"


def test_a_claim_of_an_unknown_order_is_refused_with_the_reason(world):
    written = write_page(world.store_b, [_claim(platform_order_id="00000000-0000-1")], platform="Ozon")
    assert len(written.failed) == 1 and "00000000-0000-1" in written.failed[0][1]
    assert not Claim.objects.filter(platform_claim_id="R-5001").exists()


def test_buyer_messages_start_the_clock_and_the_sellers_answer_stops_it_once(world):
    write_orders(world.store_b, [_order()])
    at = timezone.now() - timedelta(hours=2)
    question = MessageRecord("m1", "chat-9", "in", at, "Где мой заказ?", platform_order_id="98765432-0001-1")
    answer = MessageRecord(
        "m2", "chat-9", "out", at + timedelta(hours=1), "Заказ в пути.", platform_order_id="98765432-0001-1"
    )
    assert write_message(world.store_b, question, platform="ozon") == "messages_received"
    received = Message.objects.get(store=world.store_b, direction=Direction.FROM_BUYER)
    assert received.reply_state == ReplyState.AWAITING
    assert write_message(world.store_b, answer, platform="ozon") == "messages_sent"
    received.refresh_from_db()
    assert received.reply_state != ReplyState.AWAITING

    assert write_message(world.store_b, question, platform="ozon") == "unchanged"
    assert write_message(world.store_b, answer, platform="ozon") == "unchanged"
    assert Message.objects.filter(store=world.store_b).count() == 2


def test_a_message_naming_no_order_is_refused_with_the_reason(world):
    question = MessageRecord("m9", "chat-0", "in", timezone.now(), "Есть ли синий цвет?")
    written = write_page(world.store_b, [question], platform="ozon")
    assert written.failed == [
        (question, "The platform names no order for it, so the desk has nowhere to put it.")
    ]
    assert not Message.objects.filter(store=world.store_b).exists()
