"""The hour counts (`StoreHour`) gain the defective orders by group of kinds, as the store page
shows them (`DEFECT_KIND_COLUMNS`): of the orders bought in the hour, those with a claim that
counts toward the ODR that is negative feedback, a chargeback, or of any other kind. The store
page's ODR adds them up with the window's hours instead of counting every defective order of 60
days (disputes/selectors/odr.py: `defect_rates`).

As in 0038: the triggers are dropped before the columns are added, then installed as
disputes/store_hours.py writes them today (they now also recount on a change of kind), which
counts every hour again. Going back leaves no hour-count triggers, as going back past 0038 does."""

from django.db import migrations, models


def drop_triggers(apps, schema_editor):
    from disputes import store_hours

    store_hours.uninstall(schema_editor)


def install_triggers(apps, schema_editor):
    from disputes import store_hours

    store_hours.install(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0040_presence_page_goodbye"),
    ]

    operations = [
        migrations.RunPython(drop_triggers, migrations.RunPython.noop),
        *(
            migrations.AddField(model_name="storehour", name=name, field=models.IntegerField(default=0))
            for name in ["defective_feedback", "defective_chargeback", "defective_other"]
        ),
        migrations.RunPython(install_triggers, drop_triggers),
    ]
