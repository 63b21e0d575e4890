"""Migrations that add a "one per" constraint first clean up the duplicates already stored."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from disputes import timeline
from disputes.models import ClaimEvent as Event
from disputes.models import Shipment
from evidence.models import EvidenceEvent as Audit

pytestmark = pytest.mark.django_db(transaction=True)

T = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def migrate(*targets: tuple[str, str]):
    """Migrate the apps named to these migrations (every other app stays at its latest) and
    return the historical models as they stand there."""
    executor = MigrationExecutor(connection)
    apps = {app for app, _name in targets}
    plan = [*targets, *(leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] not in apps)]
    executor.migrate(plan)
    return MigrationExecutor(connection).loader.project_state(plan).apps


@pytest.fixture
def back_to_latest():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def an_order(apps):
    Store = apps.get_model("disputes", "Store")
    Order = apps.get_model("disputes", "Order")
    store = Store.objects.create(
        name="Migration store", platform="ozon", marketplace="RU", time_zone="Europe/Moscow", currency="RUB"
    )
    return Order.objects.create(store=store, platform_order_id="M-1", purchased_at=T, currency="RUB", total=0)


def test_duplicate_shipments_are_merged_before_they_become_one_per_tracking_number(back_to_latest):
    old = migrate(("disputes", "0013_claim_deadline_set_aside"))
    Shipment, TrackingEvent = (
        old.get_model("disputes", "Shipment"),
        old.get_model("disputes", "TrackingEvent"),
    )
    order = an_order(old)
    kept = Shipment.objects.create(order=order, tracking_number="RA1", carrier="", shipped_at=T)
    copy = Shipment.objects.create(order=order, tracking_number="RA1", carrier="Pochta", delivered_at=T)
    TrackingEvent.objects.create(shipment=kept, occurred_at=T, status="Accepted")
    TrackingEvent.objects.create(shipment=copy, occurred_at=T, status="Accepted")
    TrackingEvent.objects.create(shipment=copy, occurred_at=T, status="Delivered")
    # Shipments without a number yet are not duplicates of each other.
    Shipment.objects.create(order=order, tracking_number="")
    Shipment.objects.create(order=order, tracking_number="")

    new = migrate(("disputes", "0015_shipment_once_per_tracking_number"))
    Shipment, TrackingEvent = (
        new.get_model("disputes", "Shipment"),
        new.get_model("disputes", "TrackingEvent"),
    )
    merged = Shipment.objects.get(order_id=order.pk, tracking_number="RA1")
    assert merged.pk == kept.pk
    assert (merged.carrier, merged.shipped_at, merged.delivered_at) == ("Pochta", T, T)
    assert sorted(TrackingEvent.objects.filter(shipment=merged).values_list("status", flat=True)) == [
        "Accepted",
        "Delivered",
    ]
    assert Shipment.objects.filter(order_id=order.pk, tracking_number="").count() == 2


def test_later_review_requests_of_one_thread_become_plain_replies_before_the_constraint(back_to_latest):
    old = migrate(("messaging", "0004_fewer_message_indexes"))
    Thread, Message = old.get_model("messaging", "Thread"), old.get_model("messaging", "Message")
    order = an_order(old)
    thread = Thread.objects.create(store_id=order.store_id, order=order)
    first, second = (
        Message.objects.create(
            store_id=order.store_id,
            thread=thread,
            direction="to_buyer",
            purpose="review_request",
            at=T.replace(hour=hour),
            body=f"Request {hour}",
        )
        for hour in (9, 15)
    )

    new = migrate(("messaging", "0006_message_one_review_request_per_thread"))
    Message = new.get_model("messaging", "Message")
    assert Message.objects.get(pk=first.pk).purpose == "review_request"
    assert (Message.objects.get(pk=second.pk).purpose, Message.objects.get(pk=second.pk).body) == (
        "",
        "Request 15",
    )


def test_the_database_keeps_one_shipment_per_order_and_tracking_number(world):
    Shipment.objects.create(order=world.order_a, tracking_number="RA1")
    Shipment.objects.create(order=world.order_a, tracking_number="")
    Shipment.objects.create(order=world.order_a, tracking_number="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Shipment.objects.create(order=world.order_a, tracking_number="RA1")
    assert Shipment.objects.filter(order=world.order_a).count() == 3


def test_stored_alerts_get_the_window_they_were_raised_in(back_to_latest):
    old = migrate(("disputes", "0016_alert_email_outbox"))
    Claim, Alert = old.get_model("disputes", "Claim"), old.get_model("disputes", "Alert")
    Thread, Message = old.get_model("messaging", "Thread"), old.get_model("messaging", "Message")
    order = an_order(old)
    asked = T.replace(hour=20)
    claim = Claim.objects.create(
        store_id=order.store_id,
        order=order,
        kind="a_to_z",
        reason="not_received",
        opened_at=T,
        platform_requested_at=asked,
    )
    before, after = (
        Alert.objects.create(claim=claim, threshold=threshold, scheduled_for=at, raised_at=at, due_at=T)
        for threshold, at in (("warn_24h", T.replace(hour=18)), ("due", T.replace(hour=22)))
    )
    thread = Thread.objects.create(store_id=order.store_id, order=order)
    message = Message.objects.create(
        store_id=order.store_id,
        thread=thread,
        direction="from_buyer",
        at=T.replace(hour=9),
        body="Where is it?",
    )
    reply = Alert.objects.create(message=message, threshold="due", scheduled_for=T, raised_at=T, due_at=T)

    new = migrate(("disputes", "0018_alert_once_per_window"))
    Alert = new.get_model("disputes", "Alert")
    assert Alert.objects.get(pk=before.pk).window_start == T
    assert Alert.objects.get(pk=after.pk).window_start == asked
    assert Alert.objects.get(pk=reply.pk).window_start == T.replace(hour=9)


def test_old_timeline_rows_become_codes_and_parameters_that_read_as_sentences(back_to_latest):
    old = migrate(("disputes", "0018_alert_once_per_window"), ("evidence", "0002_preview_problem"))
    Claim, ClaimEvent = old.get_model("disputes", "Claim"), old.get_model("disputes", "ClaimEvent")
    EvidenceItem, EvidenceEvent = (
        old.get_model("evidence", "EvidenceItem"),
        old.get_model("evidence", "EvidenceEvent"),
    )
    order = an_order(old)
    claim = Claim.objects.create(
        store_id=order.store_id, order=order, kind="ozon_dispute", reason="damaged", opened_at=T
    )
    rows = {
        action: ClaimEvent.objects.create(
            claim=claim, at=T, action=action, before=before, after=after, note=note
        )
        for action, before, after, note in [
            ("opened", "", "Ozon dispute", "商品损坏"),
            ("deadline_set", "", "2026-12-01T12:28:09.875278+00:00", "24 calendar hours from the opening"),
            ("status", "新建", "In progress", "Called the buyer"),
            ("priority", "Normal", "Urgent", ""),
            ("alert", "", "warn_6h", "raised 75 minutes late"),
            ("action_set", "", "agent_a", "Photograph every kettle (2026-12-03)"),
            ("appeal_saved", "", "Appeal of a granted claim v2", "3 facts, 2 evidence items"),
            ("appeal_decided", "", "Lost: granted to the buyer · Platform-funded", ""),
            ("status_legacy", "x", "y", ""),
        ]
    }
    item = EvidenceItem.objects.create(
        store_id=order.store_id,
        order=order,
        kind="buyer_media",
        original_name="crack.jpg",
        size=1,
        sha256="ab" * 32,
        storage_name="x",
        captured_at=T,
    )
    added = EvidenceEvent.objects.create(
        item=item,
        order=order,
        action="evidence_added",
        after="Buyer's photo or video: crack.jpg",
        note="SHA-256 abc",
    )

    migrate(*MigrationExecutor(connection).loader.graph.leaf_nodes())
    params = {action: Event.objects.get(pk=row.pk).params for action, row in rows.items()}
    assert params["opened"] == {"kind": "ozon_dispute", "reason": "damaged"}
    assert params["status"] == {"was_status": "new", "status": "in_progress", "note": "Called the buyer"}
    assert params["priority"] == {"was_priority": 2, "priority": 4}
    assert params["alert"] == {"threshold": "warn_6h", "late_minutes": 75}
    assert params["action_set"] == {
        "owner": "agent_a",
        "description": "Photograph every kettle",
        "due_on": "2026-12-03",
    }
    assert params["appeal_saved"] == {"appeal_kind": "appeal", "version": 2, "facts": 3, "items": 2}
    assert params["appeal_decided"] == {"decision": "lost", "funding": "platform"}
    assert Audit.objects.get(pk=added.pk).params == {
        "evidence_kind": "buyer_media",
        "name": "crack.jpg",
        "sha256": "abc",
    }

    def sentence(pk):
        return timeline.worded(Event.objects.get(pk=pk)).sentence

    assert sentence(rows["deadline_set"].pk) == "Deadline set: respond by Dec. 1, 2026, 12:28 p.m."
    assert sentence(rows["status"].pk) == "Status changed from New to In progress"
    assert sentence(rows["status_legacy"].pk) == "Status legacy: x, y"
