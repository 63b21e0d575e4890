"""Install the shipped reply library (messaging/library.py)."""

from django.db import migrations

from messaging.library import install_reply_library


def seed(apps, schema_editor):
    install_reply_library(apps.get_model("messaging", "ReplyTemplate"))


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
