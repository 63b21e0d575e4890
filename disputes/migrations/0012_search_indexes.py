"""Indexes for the header's search (disputes/search.py), on PostgreSQL only.

Each is a trigram GIN index on the very expression Django writes for `icontains`
(`UPPER(column::text) LIKE UPPER('%term%')`), so a search for part of an order id, a tracking
number, a SKU, a buyer's alias or a product title reads the index instead of the table. SQLite
has no such index (nor pg_trgm): there this migration does nothing and the search scans.
pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
"""

from django.db import migrations

# (index name, table, column): the search query that uses each is in disputes/search.py.
TRIGRAM_INDEXES = [
    ("order_id_search_trgm", "disputes_order", "platform_order_id"),  # find_orders
    ("claim_platform_id_search_trgm", "disputes_claim", "platform_claim_id"),  # find_claims
    ("buyer_alias_search_trgm", "disputes_buyer", "alias"),  # find_buyers
    ("buyer_name_search_trgm", "disputes_buyer", "name"),  # find_buyers
    ("shipment_tracking_search_trgm", "disputes_shipment", "tracking_number"),  # find_shipments
    ("order_line_sku_search_trgm", "disputes_orderline", "sku"),  # find_products
    ("order_line_title_search_trgm", "disputes_orderline", "title"),  # find_products
]


def create_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0011_import_jobs"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
