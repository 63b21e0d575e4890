"""The product search reads the stores' products (`Product`, kept by triggers on the order lines)
and then their lines: whatever writes a line (the import command, the import page, a platform's
connector, a plain save), its SKU and title are found, only in its own store, under the title the
line has now."""

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from connectors.records import LineRecord, OrderRecord
from connectors.writing import write_orders
from disputes import products
from disputes.models import Order, OrderLine, Product
from disputes.search import Hit, parse, search

from .conftest import client_for
from .imports import post_import
from .test_timeline_migration import migrate

REPORT = Path(__file__).parent / "reports" / "amazon-us-split-cancelled-mcf.txt"


def import_through_the_command(store) -> None:
    call_command("import_orders", str(REPORT), "--store", store.name, stdout=io.StringIO())


def found(stores, text: str) -> list[Hit]:
    """The product hits of a search in these stores."""
    groups = search([store.pk for store in stores], parse(text), kind="products")
    return [hit for group in groups for hit in group.hits]


def kept() -> set[tuple]:
    return set(Product.objects.values_list("store_id", "sku", "title"))


def from_lines() -> set[tuple]:
    return set(OrderLine.objects.values_list("order__store_id", "sku", "title"))


def order_url(platform_order_id: str) -> str:
    return reverse("disputes:order", args=[Order.objects.get(platform_order_id=platform_order_id).pk])


def test_a_product_imported_by_the_command_is_found_by_sku_and_title_in_its_store_only(world):
    import_through_the_command(world.store_a)

    by_sku = found([world.store_a], "grn-mill")
    assert [hit.title for hit in by_sku] == ["GRN-MILL-CER · Ceramic Burr Coffee Grinder, Manual"]
    assert by_sku[0].url == order_url("113-8812093-1167431")
    assert by_sku[0].store == world.store_a.name
    # Two orders have the bottle (one twice): every line, newest first.
    by_title = found([world.store_a], "insulated bottle")
    assert len(by_title) == 3 and all(hit.title.startswith("BTL-750-SS · ") for hit in by_title)
    newest_first = (
        OrderLine.objects.filter(sku="BTL-750-SS").order_by("-pk").values_list("order_id", flat=True)
    )
    assert [hit.url for hit in by_title] == [reverse("disputes:order", args=[pk]) for pk in newest_first]
    # The product is store A's: store B's agent does not find it, though it is there.
    assert (world.store_a.pk, "GRN-MILL-CER", "Ceramic Burr Coffee Grinder, Manual") in kept()
    assert found([world.store_b], "grn-mill") == []
    assert found([world.store_b], "insulated bottle") == []


def test_a_product_uploaded_through_the_import_page_is_found(world):
    data = REPORT.read_bytes()
    client = client_for(world.agent_a)
    response = post_import(
        client, {"store": world.store_a.pk, "file": SimpleUploadedFile("All Orders.txt", data, "text/plain")}
    )
    assert 'data-count="orders-created">4<' in response.content.decode()

    hits = found([world.store_a], "lunch box")
    assert [hit.title for hit in hits] == ['LNCH-BOX-2 · Bento Lunch Box, 2 Tiers "Sage"']
    # ...and on the search page, in its group.
    html = client.get(reverse("disputes:search"), {"q": "LNCH-BOX"}).content.decode()
    assert 'id="search-products"' in html and "Bento Lunch Box" in html


def test_a_product_written_by_a_connector_is_found_in_its_store_only(world):
    record = OrderRecord(
        platform_order_id="98765432-0001-1",
        purchased_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        status="awaiting_deliver",
        currency="RUB",
        lines=[
            LineRecord(sku="TEA-PT-900", quantity=1, item_price=Decimal("1900.00"), title="Teapot 900 ml")
        ],
    )
    assert write_orders(world.store_b, [record]).counts["orders_created"] == 1

    hits = found([world.store_b], "teapot")
    assert [(hit.title, hit.url) for hit in hits] == [
        ("TEA-PT-900 · Teapot 900 ml", order_url("98765432-0001-1"))
    ]
    assert found([world.store_b], "tea-pt") == hits
    assert found([world.store_a], "teapot") == []
    assert found([world.store_a, world.store_b], "teapot") == hits


def test_a_lines_new_title_is_found_and_its_old_one_no_longer(world):
    line = OrderLine.objects.create(
        order=world.order_a,
        line_key="KTL-1L",
        sku="KTL-1L",
        title="Electric kettle",
        quantity=1,
        item_price="30.00",
    )
    assert [hit.title for hit in found([world.store_a], "electric kettle")] == ["KTL-1L · Electric kettle"]

    line.title = "Glass kettle with infuser"
    line.save(update_fields=["title"])
    assert [hit.title for hit in found([world.store_a], "infuser")] == ["KTL-1L · Glass kettle with infuser"]
    # The old title's product stays (nothing is taken away) but no line has it any more.
    assert (world.store_a.pk, "KTL-1L", "Electric kettle") in kept()
    assert found([world.store_a], "electric kettle") == []

    # A bulk update (as the importer's) and a new SKU are found the same way.
    OrderLine.objects.filter(pk=line.pk).update(sku="KTL-GLS-1L", title="Glass kettle 1 l")
    assert [hit.title for hit in found([world.store_a], "gls-1l")] == ["KTL-GLS-1L · Glass kettle 1 l"]


def test_an_order_moved_to_another_store_brings_its_products(world):
    OrderLine.objects.create(
        order=world.order_a,
        line_key="MUG-350",
        sku="MUG-350",
        title="Stoneware mug",
        quantity=1,
        item_price="9.00",
    )
    assert len(found([world.store_a], "stoneware")) == 1 and found([world.store_b], "stoneware") == []

    Order.objects.filter(pk=world.order_a.pk).update(store=world.store_b)
    assert [hit.store for hit in found([world.store_b], "stoneware")] == [world.store_b.name]
    assert found([world.store_a], "stoneware") == []


def test_rebuild_keeps_exactly_what_the_lines_have(world):
    import_through_the_command(world.store_a)
    line = OrderLine.objects.get(sku="GRN-MILL-CER")  # the only line of its product
    line.title = "Renamed"
    line.save(update_fields=["title"])
    # The triggers kept every product the lines have, and the old title besides.
    assert from_lines() < kept()

    products.rebuild()
    assert kept() == from_lines()
    assert (world.store_a.pk, "GRN-MILL-CER", "Renamed") in kept()
    assert (world.store_a.pk, "GRN-MILL-CER", "Ceramic Burr Coffee Grinder, Manual") not in kept()


def index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_products_from_the_lines_and_its_reversal_restores_the_line_indexes(world):
    line_trigrams = {"order_line_sku_search_trgm", "order_line_title_search_trgm"}
    product_trigrams = {"product_sku_search_trgm", "product_title_search_trgm"}
    postgres = connection.vendor == "postgresql"
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        migrate(("disputes", "0035_open_claim_counts"))
        assert "disputes_product" not in connection.introspection.table_names()
        lines = index_names("disputes_orderline")
        assert "order_line_unique" in lines and "order_line_sku" not in lines
        assert (line_trigrams <= lines) == postgres
        # Lines written while there is no table: the migration finds them.
        import_through_the_command(world.store_a)

        migrate(*latest)
        assert kept() == from_lines() != set()
        assert [hit.title for hit in found([world.store_a], "coffee grinder")] == [
            "GRN-MILL-CER · Ceramic Burr Coffee Grinder, Manual"
        ]
        lines = index_names("disputes_orderline")
        assert "order_line_sku" in lines and not line_trigrams & lines
        assert (product_trigrams <= index_names("disputes_product")) == postgres
    finally:
        migrate(*latest)
