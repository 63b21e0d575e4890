import django.db.models.deletion
from django.db import migrations, models


def install_triggers(apps, schema_editor):
    # The SKU tallies' triggers (disputes/win_tallies.py), which count everything once.
    from disputes import win_tallies

    win_tallies.install_skus(schema_editor)


def drop_triggers(apps, schema_editor):
    from disputes import win_tallies

    win_tallies.uninstall_skus(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0032_alert_schedule_table"),
    ]

    operations = [
        migrations.CreateModel(
            name="SkuWinTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sku", models.CharField(max_length=100)),
                ("reason", models.CharField(max_length=30)),
                ("day", models.DateField()),
                ("won", models.IntegerField(default=0)),
                ("decided", models.IntegerField(default=0)),
                (
                    "store",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="disputes.store",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("store", "sku", "reason", "day"), name="sku_win_tally_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(install_triggers, drop_triggers),
    ]
