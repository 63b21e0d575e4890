"""Presence rows are kept per page load (a token the claim page sends with each poll), and a
page's goodbye leaves its row as a marker that the page's later polls may not write over
(disputes/presence.py): a poll still on its way when the page went away no longer brings the
person back. Rows from before have no token; they are stale within seconds anyway.

The new unique constraint is made before the old one is dropped, so the poll's upsert always
has its index.

On SQLite, the hour counts' triggers (disputes/store_hours.py) were installed again here: their
end of an hour is now taken from the hour, not from the row's time, which rounded a time in an
hour's last half millisecond into the hour after next. 0041 installs them now (today's write the
columns it adds), which counts every hour again and puts right any hour counted that way."""

from django.conf import settings
from django.db import migrations, models


def forget_presence(apps, schema_editor):
    # Going back: one row per claim and person again. The rows only say who had a page open
    # a few seconds ago; the pages write them again at their next poll.
    apps.get_model("disputes", "ClaimPresence").objects.all().delete()


def reinstall_sqlite_hour_counts(apps, schema_editor):
    # Nothing here any more: 0041_defect_kind_hour_counts installs the hour counts' triggers.
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0038_pending_hour_counts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="claimpresence",
            name="page",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddField(
            model_name="claimpresence",
            name="gone",
            field=models.BooleanField(default=False),
        ),
        migrations.AddConstraint(
            model_name="claimpresence",
            constraint=models.UniqueConstraint(
                fields=("claim", "user", "page"), name="presence_once_per_page"
            ),
        ),
        migrations.RemoveConstraint(
            model_name="claimpresence",
            name="presence_once_per_claim_user",
        ),
        migrations.RunPython(migrations.RunPython.noop, forget_presence, elidable=False),
        migrations.RunPython(reinstall_sqlite_hour_counts, migrations.RunPython.noop, elidable=False),
    ]
