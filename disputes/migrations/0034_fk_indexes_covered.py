"""Drop the foreign keys' own indexes on `Order.store` and `OrderLine.order`: the unique
constraints (store, order id) and (order, line key) start with the same column and answer the
same look-ups, and every index costs each imported order or line a write (bench/README.md,
"Fourth round").

Only the indexes are dropped, by name. An AlterField would make SQLite rebuild both tables,
which drops their triggers (store_hours.py, watch_columns.py) and cannot rename a table that
other tables' triggers name.
"""

import django.db.models.deletion
from django.db import migrations, models

# (index, table, column): the names Django gave them when it created the foreign keys.
INDEXES = [
    ("disputes_order_store_id_c3a7d4f9", "disputes_order", "store_id"),
    ("disputes_orderline_order_id_410ee0f4", "disputes_orderline", "order_id"),
]


def drop_indexes(apps, schema_editor):
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create_indexes(apps, schema_editor):
    for name, table, column in INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0033_sku_win_tallies"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="store",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="orders",
                        to="disputes.store",
                    ),
                ),
                migrations.AlterField(
                    model_name="orderline",
                    name="order",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="disputes.order",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
