"""Claims decided per store, assignee and UTC day of the decision (`AgentDayTally`), kept by
triggers on the claim table (disputes/agent_tallies.py), which count every decided claim once
when installed: the managers' per-agent figures and an agent's own day read a month of these
rows instead of a month of decisions."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def install_triggers(apps, schema_editor):
    from disputes import agent_tallies

    agent_tallies.install(schema_editor)


def drop_triggers(apps, schema_editor):
    from disputes import agent_tallies

    agent_tallies.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0041_defect_kind_hour_counts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AgentDayTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("decided", models.IntegerField(default=0)),
                ("won", models.IntegerField(default=0)),
                (
                    "assignee",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
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
                        fields=("store", "day", "assignee"), name="agent_day_tally_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(install_triggers, drop_triggers),
    ]
