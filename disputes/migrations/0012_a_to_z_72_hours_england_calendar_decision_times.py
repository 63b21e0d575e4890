"""Data that follows the schema change before it:

- Amazon's A-to-Z response rule gets its 3 days (72 hours) where it is still exactly as seeded
  (48 hours); a rule an admin has edited is left as it is.
- Stores on the UK marketplace follow England's bank holidays, as new ones do.
- A claim closed before decision times were recorded was decided, as far as the desk knows,
  when it was closed.
"""

from django.db import migrations
from django.db.models import F

from disputes.default_rules import move_a_to_z_response_to_72_hours


def forward(apps, schema_editor):
    move_a_to_z_response_to_72_hours(apps.get_model("disputes", "DeadlineRule"))
    apps.get_model("disputes", "Store").objects.filter(marketplace="GB", holiday_subdivision="").update(
        holiday_subdivision="ENG")
    apps.get_model("disputes", "Claim").objects.filter(closed_at__isnull=False, decided_at__isnull=True).update(
        decided_at=F("closed_at"))


class Migration(migrations.Migration):
    dependencies = [("disputes", "0011_rules_per_store_regions_decisions")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
