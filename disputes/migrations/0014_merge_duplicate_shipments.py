"""Before shipments become one per order and tracking number, merge the duplicates that two
imports of one report running at the same time could leave behind."""

from django.db import migrations
from django.db.models import Count

FILLABLE = ("carrier", "shipped_at", "delivered_at", "proof_of_delivery")


def merge_duplicate_shipments(apps, schema_editor):
    Shipment = apps.get_model("disputes", "Shipment")
    TrackingEvent = apps.get_model("disputes", "TrackingEvent")
    groups = (
        Shipment.objects.exclude(tracking_number="").values("order_id", "tracking_number")
        .annotate(copies=Count("pk")).filter(copies__gt=1)
    )
    for group in groups.iterator():
        copies = list(Shipment.objects.filter(order_id=group["order_id"], tracking_number=group["tracking_number"])
                      .order_by("pk"))
        # The oldest row is the one later imports kept updating; a copy only fills its gaps.
        kept, extra = copies[0], copies[1:]
        filled = []
        for name in FILLABLE:
            if getattr(kept, name) in (None, ""):
                value = next((getattr(copy, name) for copy in extra if getattr(copy, name) not in (None, "")), None)
                if value is not None:
                    setattr(kept, name, value)
                    filled.append(name)
        if filled:
            kept.save(update_fields=filled)
        # Tracking events are moved, not dropped, unless the kept shipment has the same scan.
        for event in TrackingEvent.objects.filter(shipment__in=extra):
            same = TrackingEvent.objects.filter(shipment=kept, occurred_at=event.occurred_at, status=event.status,
                                                location=event.location).exists()
            if same:
                event.delete()
            else:
                event.shipment_id = kept.pk
                event.save(update_fields=["shipment"])
        Shipment.objects.filter(pk__in=[copy.pk for copy in extra]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("disputes", "0013_claim_deadline_set_aside"),
    ]

    operations = [
        migrations.RunPython(merge_duplicate_shipments, migrations.RunPython.noop),
    ]
