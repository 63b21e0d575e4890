# The old texts live on in the rows' params (0002). A migration of its own: PostgreSQL cannot
# alter a table in the transaction that just updated its rows.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("evidence", "0002_evidence_event_params")]

    operations = [
        migrations.RemoveField(model_name="evidenceevent", name="after"),
        migrations.RemoveField(model_name="evidenceevent", name="before"),
        migrations.RemoveField(model_name="evidenceevent", name="note"),
    ]
