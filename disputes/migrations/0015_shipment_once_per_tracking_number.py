# A migration of its own: on PostgreSQL the merge's deferred foreign-key checks must be settled
# (its transaction committed) before the table can be altered.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("disputes", "0014_merge_duplicate_shipments"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="shipment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("tracking_number", ""), _negated=True), fields=("order", "tracking_number"),
                name="shipment_once_per_tracking_number",
            ),
        ),
    ]
