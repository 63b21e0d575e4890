"""Open claims per store, assignee and hour, day and month due (`OpenClaimCount`), kept by triggers on
the claim table (disputes/open_counts.py), which count every open claim once when installed."""

import django.db.models.deletion
from django.db import migrations, models


def install_triggers(apps, schema_editor):
    from disputes import open_counts

    open_counts.install(schema_editor)


def drop_triggers(apps, schema_editor):
    from disputes import open_counts

    open_counts.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0034_fk_indexes_covered"),
    ]

    operations = [
        migrations.CreateModel(
            name="OpenClaimCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("span", models.CharField(max_length=5)),
                ("due", models.DateTimeField()),
                ("assignee", models.BigIntegerField()),
                ("claims", models.IntegerField(default=0)),
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
                        fields=("store", "span", "due", "assignee"), name="open_claim_count_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(install_triggers, drop_triggers),
    ]
