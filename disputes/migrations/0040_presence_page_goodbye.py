"""Presence rows are kept per page load (a token the claim page sends with each poll), and a
page's goodbye leaves its row as a marker that the page's later polls may not write over
(disputes/presence.py): a poll still on its way when the page went away no longer brings the
person back. Rows from before have no token; they are stale within seconds anyway.

The new unique constraint is made before the old one is dropped, so the poll's upsert always
has its index."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0037_open_claim_counts_statement_update"),
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
    ]
