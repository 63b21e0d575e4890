"""Migrations that add a "one per" constraint first clean up the duplicates already stored."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from disputes.models import Shipment

pytestmark = pytest.mark.django_db(transaction=True)

T = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def migrate(*targets: tuple[str, str]):
    """Migrate the apps named to these migrations (every other app stays at its latest, or goes
    back as far as it must: appeals need disputes' latest) and return the historical models as
    they stand there."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    apps = {app for app, _name in targets}
    wanted = {node for target in targets for node in graph.forwards_plan(target)}

    def fits(node) -> bool:
        return all(n[0] not in apps or n in wanted for n in graph.forwards_plan(node))

    others = []
    for leaf in graph.leaf_nodes():
        if leaf[0] not in apps:
            own = [node for node in graph.forwards_plan(leaf) if node[0] == leaf[0]]
            others.append(next((node for node in reversed(own) if fits(node)), (leaf[0], None)))
    executor.migrate([*targets, *others])
    applied = [node for node in [*targets, *others] if node[1] is not None]
    return MigrationExecutor(connection).loader.project_state(applied).apps


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
