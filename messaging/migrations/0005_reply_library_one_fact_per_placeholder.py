"""Reply templates: one fact per placeholder. The texts that used {delivery_date} for the promised
delivery date, or {ship_date} for the ship-by date, name those facts with their own placeholders
({expected_delivery}, {ship_by}); {delivery_date} and {ship_date} no longer fall back to them.
A row an admin edited is left alone (only a body still as shipped changes)."""

from django.db import migrations

# code, body as shipped before, body now
CHANGES = [
    (
        "slower-carrier",
        "Hello {buyer_name},\n\nWe want to let you know about a change to order {order_id}: the shipping service you chose was not available from our warehouse this week, so {item} is travelling with {carrier} instead, tracking number {tracking_number}. The expected delivery date is {delivery_date}. We are sorry for the slower service; if the new date is a problem, please tell us here.\n\nKind regards,\n{store_name}",
        "Hello {buyer_name},\n\nWe want to let you know about a change to order {order_id}: the shipping service you chose was not available from our warehouse this week, so {item} is travelling with {carrier} instead, tracking number {tracking_number}. The expected delivery date is {expected_delivery}. We are sorry for the slower service; if the new date is a problem, please tell us here.\n\nKind regards,\n{store_name}",
    ),
    (
        "holiday-delay",
        "Hello {buyer_name},\n\nThank you for order {order_id}. Because of the public holidays, carriers are collecting less often this week. We expect {item} to leave our warehouse by {ship_date} and we will send you the tracking number as soon as it has one.\n\nThank you for your patience.\n\nKind regards,\n{store_name}",
        "Hello {buyer_name},\n\nThank you for order {order_id}. Because of the public holidays, carriers are collecting less often this week. We expect {item} to leave our warehouse by {ship_by} and we will send you the tracking number as soon as it has one.\n\nThank you for your patience.\n\nKind regards,\n{store_name}",
    ),
    (
        "order-processing",
        "Hello {buyer_name},\n\nThank you for your message about order {order_id}. {item} is being prepared and will ship by {ship_date}. You will see the tracking number on the order page once the carrier has scanned the parcel.\n\nKind regards,\n{store_name}",
        "Hello {buyer_name},\n\nThank you for your message about order {order_id}. {item} is being prepared and will ship by {ship_by}. You will see the tracking number on the order page once the carrier has scanned the parcel.\n\nKind regards,\n{store_name}",
    ),
    (
        "shipped-tracking",
        "Hello {buyer_name},\n\nGood news: order {order_id} shipped on {ship_date} with {carrier}. The tracking number is {tracking_number}, and the expected delivery date is {delivery_date}.\n\nIf anything is not right when {item} arrives, reply in this thread and we will help.\n\nKind regards,\n{store_name}",
        "Hello {buyer_name},\n\nGood news: order {order_id} shipped on {ship_date} with {carrier}. The tracking number is {tracking_number}, and the expected delivery date is {expected_delivery}.\n\nIf anything is not right when {item} arrives, reply in this thread and we will help.\n\nKind regards,\n{store_name}",
    ),
    (
        "in-transit-wait",
        "Hello {buyer_name},\n\nThank you for checking on order {order_id}. According to {carrier}, the parcel ({tracking_number}) is on its way and is expected by {delivery_date}. We are watching the tracking too; if it has not arrived by then, tell us here and we will put it right.\n\nKind regards,\n{store_name}",
        "Hello {buyer_name},\n\nThank you for checking on order {order_id}. According to {carrier}, the parcel ({tracking_number}) is on its way and is expected by {expected_delivery}. We are watching the tracking too; if it has not arrived by then, tell us here and we will put it right.\n\nKind regards,\n{store_name}",
    ),
]


def forwards(apps, schema_editor):
    ReplyTemplate = apps.get_model("messaging", "ReplyTemplate")
    for code, before, after in CHANGES:
        ReplyTemplate.objects.filter(code=code, body=before).update(body=after)


def backwards(apps, schema_editor):
    ReplyTemplate = apps.get_model("messaging", "ReplyTemplate")
    for code, before, after in CHANGES:
        ReplyTemplate.objects.filter(code=code, body=after).update(body=before)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0004_platform_notices")]

    operations = [migrations.RunPython(forwards, backwards)]
