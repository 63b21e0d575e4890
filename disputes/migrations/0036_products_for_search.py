"""The product search reads `Product` (store, SKU, title: a few rows per SKU, kept by triggers on
the order lines, disputes/products.py) instead of the lines' own trigram indexes, which cost the
import about a third of its database time. Here: the table, filled from the lines, with its
trigram indexes (PostgreSQL; the same expressions as 0012_search_indexes); a plain index on the
lines' SKU, through which the search reads the lines of the SKUs it found; the lines' two trigram
indexes dropped. Backwards puts those back."""

import django.db.models.deletion
from django.db import migrations, models

# (index name, table, column), as in 0012_search_indexes.
PRODUCT_INDEXES = [
    ("product_sku_search_trgm", "disputes_product", "sku"),
    ("product_title_search_trgm", "disputes_product", "title"),
]
LINE_INDEXES = [
    ("order_line_sku_search_trgm", "disputes_orderline", "sku"),
    ("order_line_title_search_trgm", "disputes_orderline", "title"),
]


def _create(schema_editor, indexes) -> None:
    for name, table, column in indexes:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def _drop(schema_editor, indexes) -> None:
    for name, _table, _column in indexes:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def forwards(apps, schema_editor) -> None:
    from disputes import products

    products.install(schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        _create(schema_editor, PRODUCT_INDEXES)
        _drop(schema_editor, LINE_INDEXES)


def backwards(apps, schema_editor) -> None:
    from disputes import products

    if schema_editor.connection.vendor == "postgresql":
        _create(schema_editor, LINE_INDEXES)
        _drop(schema_editor, PRODUCT_INDEXES)
    products.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0035_open_claim_counts"),
    ]

    operations = [
        migrations.CreateModel(
            name="Product",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sku", models.CharField(max_length=100)),
                ("title", models.CharField(blank=True, max_length=500)),
                (
                    "store",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="disputes.store",
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("store", "sku", "title"), name="product_unique")],
            },
        ),
        migrations.AddIndex(
            model_name="orderline",
            index=models.Index(fields=["sku"], name="order_line_sku"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
