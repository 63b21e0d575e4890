# The old texts live on in the entries' params (0005). A migration of its own: PostgreSQL
# cannot alter a table in the transaction that just updated its rows.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("disputes", "0005_claim_event_params")]

    operations = [
        migrations.RemoveField(model_name="claimevent", name="after"),
        migrations.RemoveField(model_name="claimevent", name="before"),
        migrations.RemoveField(model_name="claimevent", name="note"),
    ]
