"""The open claim counts' UPDATE trigger on PostgreSQL becomes a statement trigger over the
statement's transition tables (disputes/open_counts.py), so a bulk update takes the count rows'
locks once, in one order, instead of claim by claim; 0035 installs the current triggers, so
this is for databases already past it. The counts are taken again with them.

Backwards leaves the statement trigger: it keeps the same counts as the row trigger did, and
0035's reversal drops whichever is there."""

from django.db import migrations


def reinstall_triggers(apps, schema_editor):
    from disputes import open_counts

    open_counts.install(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0036_products_for_search"),
    ]

    operations = [
        migrations.RunPython(reinstall_triggers, migrations.RunPython.noop, elidable=False),
    ]
