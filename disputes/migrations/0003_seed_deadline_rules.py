"""Install the default deadline rules (disputes/default_rules.py)."""

from django.db import migrations

from disputes.default_rules import install_default_rules


def seed(apps, schema_editor):
    install_default_rules(apps.get_model("disputes", "DeadlineRule"))


class Migration(migrations.Migration):
    dependencies = [("disputes", "0002_buyer_claim_claimevent_deadlinerule_and_more")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
