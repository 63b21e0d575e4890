"""The claim's next alert moves to a narrow table of its own (issue #18): the sweep's UPDATE
of thousands of them no longer writes an entry in every index of the claim table."""

import django.db.models.deletion
from django.db import migrations, models


def drop_alert_columns(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ALTER TABLE disputes_claim DROP COLUMN next_alert_at")
        cursor.execute("ALTER TABLE disputes_claim DROP COLUMN next_alert_threshold")


def add_alert_columns(apps, schema_editor):
    moment = "timestamp with time zone" if schema_editor.connection.vendor == "postgresql" else "datetime"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE disputes_claim ADD COLUMN next_alert_at {moment} NULL")
        cursor.execute(
            "ALTER TABLE disputes_claim ADD COLUMN next_alert_threshold varchar(20) NOT NULL DEFAULT ''"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0031_rule_retry"),
    ]

    operations = [
        migrations.CreateModel(
            name="ClaimAlertSchedule",
            fields=[
                (
                    "claim",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="alert_schedule",
                        serialize=False,
                        to="disputes.claim",
                    ),
                ),
                ("next_alert_at", models.DateTimeField(blank=True, null=True)),
                ("next_alert_threshold", models.CharField(blank=True, max_length=20)),
            ],
        ),
        # Every claim that still owes an alert keeps it (the others have no row: none owed).
        migrations.RunSQL(
            "INSERT INTO disputes_claimalertschedule (claim_id, next_alert_at, next_alert_threshold) "
            "SELECT id, next_alert_at, next_alert_threshold FROM disputes_claim WHERE next_alert_at IS NOT NULL",
            reverse_sql="UPDATE disputes_claim SET next_alert_at = s.next_alert_at, "
            "next_alert_threshold = s.next_alert_threshold FROM disputes_claimalertschedule AS s "
            "WHERE s.claim_id = disputes_claim.id",
        ),
        migrations.RemoveIndex(
            model_name="claim",
            name="claim_alert_due",
        ),
        migrations.AddIndex(
            model_name="claimalertschedule",
            index=models.Index(
                condition=models.Q(("next_alert_at__isnull", False)),
                fields=["next_alert_at"],
                name="claim_alert_due",
            ),
        ),
        # The columns are dropped and put back with plain ALTER TABLE: put back by Django on
        # SQLite, the claim table would be rebuilt under the triggers of other tables that
        # name it, which SQLite then refuses ("no such table: main.disputes_claim").
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="claim", name="next_alert_at"),
                migrations.RemoveField(model_name="claim", name="next_alert_threshold"),
            ],
            database_operations=[migrations.RunPython(drop_alert_columns, add_alert_columns)],
        ),
    ]
