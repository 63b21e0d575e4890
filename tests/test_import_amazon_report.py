"""Amazon's All Orders report as FBA sellers get it: one SKU on several rows of an order (split
shipments, promotions), a cancelled line that keeps its price, multi-channel (Non-Amazon) rows
without price or currency, and totals that carry tax, shipping, gift wrap and discounts."""

import io
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from disputes.models import Membership, Order, OrderImport, OrderLine, Platform, Role, Store

from .imports import post_import

REPORT = Path(__file__).parent / "reports" / "amazon-us-split-cancelled-mcf.txt"
URL = reverse("disputes:import_orders")


def lines(order_id: str) -> list[tuple]:
    return list(
        OrderLine.objects.filter(order__platform_order_id=order_id)
        .order_by("line_key")
        .values_list(
            "line_key", "sku", "item_status", "quantity", "item_price", "item_tax", "item_promotion_discount"
        )
    )


def snapshot(store) -> dict:
    return {
        "orders": list(
            Order.objects.filter(store=store).order_by("pk").values_list("pk", "updated_at", "total")
        ),
        "lines": list(OrderLine.objects.filter(order__store=store).order_by("pk").values()),
    }


def import_through_the_command(store) -> str:
    out = io.StringIO()
    call_command("import_orders", str(REPORT), "--store", store.name, stdout=out)
    return out.getvalue()


def test_the_report_imports_through_the_command_with_every_line_kept(world):
    out = import_through_the_command(world.store_a)

    assert "6 row(s); orders 4 created, 0 updated; lines 6 created, 0 updated." in out
    # The same SKU on two rows of one order (two shipments, one with a promotion): both kept.
    assert lines("112-3349081-7720245") == [
        ("BTL-750-SS", "BTL-750-SS", "Shipped", 1, Decimal("24.99"), Decimal("2.06"), Decimal("0.00")),
        ("BTL-750-SS #2", "BTL-750-SS", "Shipped", 1, Decimal("24.99"), Decimal("2.06"), Decimal("5.00")),
    ]
    split = Order.objects.get(platform_order_id="112-3349081-7720245")
    assert split.total == Decimal("49.10")  # 2 × (24.99 + 2.06) − 5.00
    assert split.charges() == {
        "items": Decimal("49.98"),
        "shipping": Decimal("0.00"),
        "tax": Decimal("4.12"),
        "discount": Decimal("5.00"),
    }


def test_a_cancelled_line_keeps_its_price_but_not_its_place_in_the_total(world):
    import_through_the_command(world.store_a)

    order = Order.objects.get(platform_order_id="113-8812093-1167431")
    assert order.status == "Shipped"
    grinder = order.lines.get(sku="GRN-MILL-CER")
    assert (grinder.item_status, grinder.quantity, grinder.item_price) == ("Cancelled", 1, Decimal("89.95"))
    assert grinder.cancelled and grinder.charged == Decimal("0.00")
    # The cup: 7.49 + tax 0.62 + shipping 5.99 + its tax 0.50 − free-shipping promotion 5.99.
    assert order.total == Decimal("8.61")
    assert order.charges() == {
        "items": Decimal("7.49"),
        "shipping": Decimal("5.99"),
        "tax": Decimal("1.12"),
        "discount": Decimal("5.99"),
    }


def test_multi_channel_rows_without_price_or_currency_and_gift_wrap(world):
    import_through_the_command(world.store_a)

    mcf = Order.objects.get(platform_order_id="S01-4419201-2279046")
    assert (mcf.currency, mcf.total, mcf.status) == ("USD", Decimal("0.00"), "Shipped")
    assert lines("S01-4419201-2279046") == [
        ("BTL-750-SS", "BTL-750-SS", "Shipped", 2, Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
    ]
    gift = Order.objects.get(platform_order_id="114-5501277-0093318")
    assert gift.total == Decimal("24.35")  # 18.50 + 1.53 + gift wrap 3.99 + its tax 0.33


def test_the_page_imports_the_report_and_a_second_import_changes_nothing(world, agent_client):
    data = REPORT.read_bytes()
    response = post_import(
        agent_client,
        {"store": world.store_a.pk, "file": SimpleUploadedFile("All Orders.txt", data, "text/plain")},
    )
    assert 'data-count="orders-created">4<' in response.content.decode()
    before = snapshot(world.store_a)

    response = post_import(
        agent_client,
        {"store": world.store_a.pk, "file": SimpleUploadedFile("All Orders.txt", data, "text/plain")},
    )
    assert response.status_code == 200
    assert snapshot(world.store_a) == before
    assert OrderLine.objects.filter(order__store=world.store_a).count() == 6

    out = import_through_the_command(world.store_a)
    assert "orders 0 created, 0 updated; lines 0 created, 0 updated." in out
    assert snapshot(world.store_a) == before


def test_the_order_page_shows_the_totals_parts_and_the_cancelled_line(world, agent_client):
    import_through_the_command(world.store_a)
    order = Order.objects.get(platform_order_id="113-8812093-1167431")

    body = agent_client.get(reverse("disputes:order", args=[order.pk])).content.decode()

    assert "8.61 USD" in body
    assert 'data-charge="shipping">5.99 USD<' in body and 'data-charge="discount">−5.99 USD<' in body
    assert "Cancelled" in body and "89.95 USD" in body


# --- A regional report: every marketplace of North America in one file ----------------------

MIXED = Path(__file__).parent / "reports" / "amazon-na-mixed-marketplaces.txt"


def make_canada_store(world, *, member: bool = True) -> Store:
    canada = Store.objects.create(
        name="Alpha Amazon CA",
        platform=Platform.AMAZON,
        marketplace="CA",
        time_zone="America/Toronto",
        currency="CAD",
    )
    if member:
        Membership.objects.create(user=world.agent_a, store=canada, role=Role.AGENT)
    return canada


def test_a_regional_report_goes_to_each_marketplaces_store_through_the_page(world, agent_client):
    canada = make_canada_store(world)
    data = MIXED.read_bytes()

    response = post_import(
        agent_client,
        {"store": world.store_a.pk, "file": SimpleUploadedFile("All Orders NA.txt", data, "text/plain")},
    )

    body = response.content.decode()
    assert "2 rows of Amazon.com.mx skipped: no store." in body
    assert 'data-count="other-stores">Alpha Amazon CA<' in body
    assert sorted(Order.objects.filter(store=world.store_a).values_list("platform_order_id", "total")) == [
        ("111-0000001-0000001", Decimal("25.00")),  # already there
        ("111-5550123-0001001", Decimal("53.10")),
        ("S01-7720114-3390021", Decimal("0.00")),
    ]
    ca = Order.objects.get(store=canada)
    assert (ca.platform_order_id, ca.currency, ca.total, ca.ship_country) == (
        "702-1234567-8901234",
        "CAD",
        Decimal("37.28"),
        "CA",
    )
    assert ca.lines.get().title == "Bouteille isotherme 750 ml, acier brossé"
    assert not Order.objects.filter(platform_order_id__startswith="701-").exists()
    assert sorted(OrderImport.objects.values_list("store__name", "rows", "orders_created")) == [
        ("Alpha Amazon CA", 1, 1),
        ("Alpha Amazon US", 6, 2),
    ]
    before = snapshot(world.store_a), snapshot(canada)

    again = io.StringIO()
    call_command("import_orders", str(MIXED), "--store", world.store_a.name, stdout=again)

    assert "orders 0 created, 0 updated; lines 0 created, 0 updated." in again.getvalue()
    assert "2 rows of Amazon.com.mx skipped: no store." in again.getvalue()
    assert (snapshot(world.store_a), snapshot(canada)) == before


def test_a_store_the_user_cannot_see_gets_no_rows_from_the_page(world, agent_client):
    hidden = make_canada_store(world, member=False)
    data = MIXED.read_bytes()

    response = post_import(
        agent_client,
        {"store": world.store_a.pk, "file": SimpleUploadedFile("All Orders NA.txt", data, "text/plain")},
    )

    body = response.content.decode()
    assert "1 row of Amazon.ca skipped: no store." in body
    assert "2 rows of Amazon.com.mx skipped: no store." in body
    assert not Order.objects.filter(store=hidden).exists()
