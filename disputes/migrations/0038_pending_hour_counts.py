"""The hour counts (`StoreHour`) gain the pending claims by reason: of the claims counted by their
order's purchase hour, those that count toward the ODR and are not decided yet, a column per
`Reason` (disputes/store_hours.py). The ODR forecast adds them up with the hours it already
reads instead of grouping the window's pending claims itself.

The triggers are dropped before the columns are added (on SQLite adding a column with a default
rebuilds the table, and renaming the new table into place fails under other tables' triggers that
name it). They are no longer installed here: disputes/store_hours.py writes them for the table as
it is today (with the defect-kind columns of 0041), which installs them and counts every hour
again. Going back leaves no hour-count triggers (today's write the columns that are removed), as
going back past 0028 did."""

from django.db import migrations, models


def drop_triggers(apps, schema_editor):
    from disputes import store_hours

    store_hours.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0037_open_claim_counts_statement_update"),
    ]

    operations = [
        migrations.RunPython(drop_triggers, migrations.RunPython.noop),
        *(
            migrations.AddField(model_name="storehour", name=name, field=models.IntegerField(default=0))
            for name in [
                "pending_not_received",
                "pending_damaged",
                "pending_not_as_described",
                "pending_missing_parts",
                "pending_price",
                "pending_refund_not_processed",
                "pending_other",
            ]
        ),
        migrations.RunPython(migrations.RunPython.noop, drop_triggers),
    ]
