"""Order import: Amazon's All Orders report and the desk's CSV, all or nothing."""

import csv
import hashlib
import io
import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from disputes import import_jobs, import_views, importing
from disputes.importing import import_orders
from disputes.models import (
    Buyer,
    FulfilmentChannel,
    ImportJob,
    ImportStatus,
    Order,
    OrderImport,
    OrderLine,
    Shipment,
)

from .all_orders import COLUMNS
from .imports import post_import
from .queries import assert_queries_pinned

AMAZON_COLUMNS = list(COLUMNS)


def amazon_row(**values: str) -> dict[str, str]:
    row = {
        "amazon-order-id": "113-4471002-9012345",
        "merchant-order-id": "",
        "purchase-date": "2026-05-01T10:15:32+00:00",
        "last-updated-date": "2026-05-02T08:01:10+00:00",
        "order-status": "Shipped",
        "fulfillment-channel": "Merchant",
        "sales-channel": "Amazon.com",
        "order-channel": "",
        "ship-service-level": "Standard",
        "product-name": "Stainless Steel Water Bottle, 24 oz, Matte Black",
        "sku": "WB-24-BLK",
        "asin": "B0C7QH2Z1K",
        "item-status": "Shipped",
        "quantity": "2",
        "currency": "USD",
        "item-price": "39.98",
        "item-tax": "3.20",
        "shipping-price": "0.00",
        "shipping-tax": "0.00",
        "gift-wrap-price": "",
        "gift-wrap-tax": "",
        "item-promotion-discount": "0.00",
        "ship-promotion-discount": "0.00",
        "ship-city": "PORTLAND",
        "ship-state": "OR",
        "ship-postal-code": "97205-1234",
        "ship-country": "US",
        "promotion-ids": "",
        "is-business-order": "false",
    }
    row.update(values)
    return row


def amazon_report(*rows: dict[str, str], columns: list[str] = AMAZON_COLUMNS) -> bytes:
    lines = ["\t".join(columns)] + ["\t".join(row.get(c, "") for c in columns) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def good_amazon_report() -> bytes:
    """Two orders; the first order's two lines are not next to each other."""
    return amazon_report(
        amazon_row(),
        amazon_row(
            **{
                "amazon-order-id": "114-0098231-5550011",
                "purchase-date": "2026-05-02T23:40:05-07:00",
                "fulfillment-channel": "Amazon",
                "order-status": "Pending",
                "item-status": "Unshipped",
                "product-name": "Kids' Ruler 12\" Flexible",
                "sku": "RUL-12-FLX",
                "asin": "B09XK1LLQ2",
                "quantity": "1",
                "currency": "",
                "item-price": "",
                "item-tax": "",
                "ship-country": "US",
            }
        ),
        amazon_row(
            **{
                "product-name": "Silicone Bottle Lid, Black",
                "sku": "WB-LID-BLK",
                "asin": "B0C7QJ9M4T",
                "quantity": "1",
                "item-price": "7.49",
            }
        ),
    )


CSV_HEADER = (
    "order_id,purchase_date,status,fulfilment,buyer_alias,sku,title,quantity,item_price,"
    "currency,ship_by,latest_delivery,ship_country,carrier,tracking_number,shipped_at,"
    "delivered_at,store"
)


def desk_csv(*rows: str, header: str = CSV_HEADER, bom: bool = True) -> bytes:
    text = "\n".join([header, *rows]) + "\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


def good_desk_csv() -> bytes:
    return desk_csv(
        '58213377-0012-1,2026-05-03 09:30,delivered,seller,ivan.p,MUG-350-W,"Mug, white, 350 ml",3,'
        "450.00,RUB,2026-05-05,2026-05-12,RU,Почта России,RA123456789RU,2026-05-04T15:00:00+03:00,"
        "2026-05-10T11:20:00+03:00,Bravo Ozon RU",
        "58213377-0012-1,2026-05-03 09:30,delivered,seller,ivan.p,SPN-TEA-6,Tea spoons (6),1,"
        "199.90,RUB,2026-05-05,2026-05-12,RU,Почта России,RA123456789RU,2026-05-04T15:00:00+03:00,"
        "2026-05-10T11:20:00+03:00,",
        "58213391-0007-2,2026-05-06,pending,platform,,KTL-1L,Kettle 1 l,1,2490,RUB,,,RU,,,,,",
    )


def run(store, data: bytes, name: str = "report.txt", user=None) -> importing.ImportResult:
    return import_orders(store=store, file=io.BytesIO(data), file_name=name, user=user)


def lines_of(result: importing.ImportResult) -> list[int | None]:
    return [error.line for error in result.errors]


def snapshot(store) -> dict:
    return {
        "orders": list(
            Order.objects.filter(store=store)
            .order_by("pk")
            .values_list("pk", "updated_at", "total", "status")
        ),
        "lines": list(OrderLine.objects.filter(order__store=store).order_by("pk").values_list()),
        "shipments": list(Shipment.objects.filter(order__store=store).order_by("pk").values_list()),
        "buyers": list(Buyer.objects.filter(store=store).order_by("pk").values_list("pk", "alias")),
    }


# --- Amazon's All Orders report -----------------------------------------------------------


def test_amazon_report_creates_orders_and_lines(world):
    data = good_amazon_report()
    result = run(world.store_a, data, "All Orders 2026-05.txt", user=world.agent_a)

    assert result.ok, result.errors
    assert (result.rows, result.orders_created, result.orders_updated) == (3, 2, 0)
    assert (result.lines_created, result.lines_updated) == (3, 0)
    shipped = Order.objects.get(store=world.store_a, platform_order_id="113-4471002-9012345")
    assert shipped.purchased_at == datetime(2026, 5, 1, 10, 15, 32, tzinfo=UTC)
    assert shipped.status == "Shipped"
    assert shipped.fulfilment_channel == FulfilmentChannel.SELLER
    # The total is what the buyer paid: item prices 39.98 + 7.49 and item tax 3.20 on each line.
    assert (shipped.currency, shipped.total, shipped.ship_country) == ("USD", Decimal("53.87"), "US")
    assert list(
        shipped.lines.order_by("line_key").values_list("line_key", "sku", "quantity", "item_price")
    ) == [
        ("WB-24-BLK", "WB-24-BLK", 2, Decimal("39.98")),
        ("WB-LID-BLK", "WB-LID-BLK", 1, Decimal("7.49")),
    ]
    pending = Order.objects.get(store=world.store_a, platform_order_id="114-0098231-5550011")
    # -07:00 is read as written: 23:40 in Seattle is 06:40 the next day in UTC.
    assert pending.purchased_at == datetime(2026, 5, 3, 6, 40, 5, tzinfo=UTC)
    assert pending.fulfilment_channel == FulfilmentChannel.PLATFORM
    # Amazon leaves an unpaid order's price and currency empty.
    assert (pending.currency, pending.total) == ("USD", Decimal("0.00"))
    assert pending.lines.get().title == "Kids' Ruler 12\" Flexible"

    record = OrderImport.objects.get(store=world.store_a)
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert (record.file_name, record.file_format, record.imported_by) == (
        "All Orders 2026-05.txt",
        importing.AMAZON_FORMAT,
        world.agent_a,
    )
    assert (record.rows, record.orders_created, record.orders_updated) == (3, 2, 0)


def test_reimporting_the_same_report_changes_nothing(world):
    data = good_amazon_report()
    first = run(world.store_a, data)
    before = snapshot(world.store_a)

    again = run(world.store_a, data)

    assert again.ok
    assert (again.orders_created, again.orders_updated, again.lines_created, again.lines_updated) == (
        0,
        0,
        0,
        0,
    )
    assert snapshot(world.store_a) == before
    assert again.repeat_without_change
    assert again.previously_imported_at == OrderImport.objects.order_by("imported_at").first().imported_at
    assert not first.repeat_without_change
    assert OrderImport.objects.filter(store=world.store_a).count() == 2


def test_a_changed_row_updates_only_its_order(world):
    run(world.store_a, good_amazon_report())
    other = Order.objects.get(platform_order_id="114-0098231-5550011")

    result = run(world.store_a, amazon_report(amazon_row(**{"order-status": "Shipped - Delivered to Buyer"})))

    assert (result.orders_created, result.orders_updated, result.lines_updated) == (0, 1, 0)
    order = Order.objects.get(platform_order_id="113-4471002-9012345")
    assert order.status == "Shipped - Delivered to Buyer"
    # The line missing from this report stays, and so does the total it contributes to.
    assert order.total == Decimal("53.87")
    assert Order.objects.get(pk=other.pk).updated_at == other.updated_at
    assert not result.repeat_without_change


def test_lines_of_one_order_in_different_batches_add_up(world, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)
    data = amazon_report(
        amazon_row(**{"sku": "A", "item-price": "10.00"}),
        amazon_row(**{"amazon-order-id": "113-0000000-0000002", "sku": "B", "item-price": "5.00"}),
        amazon_row(**{"amazon-order-id": "113-0000000-0000003", "sku": "C", "item-price": "1.00"}),
        amazon_row(**{"sku": "D", "item-price": "2.50"}),
    )
    result = run(world.store_a, data)

    assert (result.orders_created, result.orders_updated, result.lines_created) == (3, 0, 4)
    # 10.00 + 2.50, and item tax 3.20 on each of the two lines.
    assert Order.objects.get(platform_order_id="113-4471002-9012345").total == Decimal("18.90")
    before = snapshot(world.store_a)
    again = run(world.store_a, data)
    assert (again.orders_created, again.orders_updated, again.lines_updated) == (0, 0, 0)
    assert snapshot(world.store_a) == before


def test_a_cancelled_line_may_have_no_quantity_and_no_price(world):
    result = run(
        world.store_a,
        amazon_report(
            amazon_row(
                **{
                    "order-status": "Cancelled",
                    "item-status": "Cancelled",
                    "quantity": "0",
                    "item-price": "",
                    "currency": "",
                }
            )
        ),
    )
    assert result.ok, result.errors
    line = OrderLine.objects.get(order__platform_order_id="113-4471002-9012345")
    assert (line.quantity, line.item_price, line.order.status) == (0, Decimal("0.00"), "Cancelled")


def test_report_in_windows_code_page_is_read(world):
    data = amazon_report(amazon_row(**{"product-name": "Café Press – 350 ml"})).decode().encode("cp1252")
    result = run(world.store_a, data)
    assert result.ok, result.errors
    assert (
        OrderLine.objects.get(order__platform_order_id="113-4471002-9012345").title == "Café Press – 350 ml"
    )
    assert OrderImport.objects.get().sha256 == hashlib.sha256(data).hexdigest()


# --- Refused reports ----------------------------------------------------------------------


def assert_nothing_written(world, orders_before: int) -> None:
    assert Order.objects.count() == orders_before
    assert OrderLine.objects.count() == 0
    assert OrderImport.objects.count() == 0


def test_missing_column_is_reported_once_for_the_whole_file(world):
    columns = [c for c in AMAZON_COLUMNS if c != "quantity"]
    result = run(world.store_a, amazon_report(amazon_row(), amazon_row(sku="X"), columns=columns))
    assert not result.ok
    assert [(e.line, e.message) for e in result.errors] == [(1, "Missing required column: quantity.")]
    assert_nothing_written(world, 1)


def test_bad_date_is_refused(world):
    result = run(world.store_a, amazon_report(amazon_row(**{"purchase-date": "05/01/2026 10:15"})))
    assert not result.ok
    assert lines_of(result) == [2]
    assert "purchase-date" in result.errors[0].message and "05/01/2026" in result.errors[0].message
    assert_nothing_written(world, 1)


@pytest.mark.parametrize(
    "quantity, words",
    [
        ("-1", "negative"),
        ("0", "is 0"),
        ("1.5", "whole number"),
        ("two", "not a number"),
    ],
)
def test_bad_quantity_is_refused(world, quantity, words):
    result = run(world.store_a, amazon_report(amazon_row(quantity=quantity)))
    assert not result.ok
    assert lines_of(result) == [2]
    assert words in result.errors[0].message
    assert_nothing_written(world, 1)


@pytest.mark.parametrize(
    "values, words",
    [
        ({"item-price": "-3.00"}, "not a price"),
        ({"item-price": "19,99"}, "not a price"),
        ({"currency": "USS"}, "not a known currency"),
        ({"order-status": "Lost"}, "order-status “Lost” is unknown"),
        ({"fulfillment-channel": "Drone"}, "fulfillment-channel “Drone” is unknown"),
        ({"amazon-order-id": ""}, "amazon-order-id is empty"),
    ],
)
def test_bad_values_are_refused(world, values, words):
    result = run(world.store_a, amazon_report(amazon_row(**values)))
    assert not result.ok
    assert [e.line for e in result.errors] == [2]
    assert words in result.errors[0].message


@pytest.mark.parametrize(
    "values, words",
    [
        # Each shape just beside one that is taken as it comes, without the full checks.
        ({"quantity": "0"}, "quantity is 0"),  # 0 is a quantity only on a cancelled line
        ({"item-status": "S" * 41}, "item-status is longer than 40 characters"),
        ({"ship-country": "U1"}, "is not a two-letter country code"),
        ({"ship-country": "ÜS"}, "is not a two-letter country code"),
        ({"order-status": "S" * 41}, "order-status is longer than 40 characters"),
        ({"sku": "W" * 65}, "sku is longer than 64 characters"),
        ({"item-tax": "0.001"}, "item-tax “0.001” is not a price"),
    ],
)
def test_values_next_to_the_common_shapes_are_still_refused(world, values, words):
    # The first row puts "0.00", "0", "US" and the like among the values already read.
    cancelled = amazon_row(
        **{
            "amazon-order-id": "113-0000000-0000001",
            "order-status": "Cancelled",
            "item-status": "Cancelled",
            "quantity": "0",
        }
    )
    result = run(world.store_a, amazon_report(cancelled, amazon_row(**values)))
    assert not result.ok
    assert set(lines_of(result)) == {3}
    assert any(words in error.message for error in result.errors), result.errors


def test_padded_and_lower_case_cells_are_stored_as_their_plain_values(world):
    def stored() -> list:
        fields = ["line_key", *importing.LINE_FIELDS, "order__total", "order__purchased_at"]
        return list(OrderLine.objects.filter(order__store=world.store_a).values_list(*fields))

    plain = run(world.store_a, amazon_report(amazon_row()))
    assert plain.ok, plain.errors
    from_plain = stored()
    OrderLine.objects.all().delete()
    Order.objects.filter(store=world.store_a, platform_order_id="113-4471002-9012345").delete()
    padded = {
        "quantity": " 2 ",
        "currency": " usd",
        "ship-country": "us ",
        "order-status": " Shipped",
        "item-price": "39.98 ",
        "item-promotion-discount": "-0.00",
        "sku": " WB-24-BLK ",
    }

    result = run(world.store_a, amazon_report(amazon_row(**padded)))

    assert result.ok, result.errors
    order = Order.objects.get(store=world.store_a, platform_order_id="113-4471002-9012345")
    assert (order.currency, order.ship_country, order.status) == ("USD", "US", "Shipped")
    assert stored() == from_plain


def test_order_of_a_marketplace_without_a_store_is_skipped_and_counted(world):
    result = run(
        world.store_a,
        amazon_report(
            amazon_row(),
            amazon_row(**{"amazon-order-id": "203-1111111-2222222", "sales-channel": "Amazon.co.uk"}),
        ),
    )
    assert result.ok, result.errors
    assert result.skipped == {"Amazon.co.uk": 1}
    assert result.skipped_notes == ["1 row of Amazon.co.uk skipped: no store."]
    assert Order.objects.filter(store=world.store_a, platform_order_id="113-4471002-9012345").exists()
    assert not Order.objects.filter(platform_order_id="203-1111111-2222222").exists()


def test_currency_other_than_the_stores_is_refused(world):
    result = run(world.store_a, amazon_report(amazon_row(currency="EUR")))
    assert not result.ok
    assert result.errors[0].message == "currency EUR is not the currency of store Alpha Amazon US (USD)."


def test_amazon_report_cannot_go_into_a_store_of_another_platform(world):
    result = run(world.store_b, amazon_report(amazon_row(currency="RUB", **{"sales-channel": ""})))
    assert not result.ok
    assert "not an Amazon store" in result.errors[0].message
    assert not Order.objects.filter(store=world.store_b).exists()


def test_the_same_line_twice_is_refused_in_the_desks_csv(world):
    # The desk's CSV keys a line by its SKU (Amazon's report numbers the repeats instead).
    row = "58213391-0007-2,2026-05-06,pending,platform,,KTL-1L,Kettle 1 l,1,2490,RUB,,,RU,,,,,"
    other = row.replace("KTL-1L", "OTHER")
    result = run(world.store_b, desk_csv(row, other, row))
    assert not result.ok
    assert [(e.line, e.message) for e in result.errors] == [
        (4, "order 58213391-0007-2 lists SKU KTL-1L again (first on line 2)."),
    ]


def test_lines_of_one_order_must_agree_on_the_order(world):
    result = run(
        world.store_a, amazon_report(amazon_row(), amazon_row(sku="LID", **{"order-status": "Pending"}))
    )
    assert not result.ok
    assert lines_of(result) == [3]
    assert "differ from line 2" in result.errors[0].message


def test_three_bad_rows_are_all_reported_and_nothing_is_written(world):
    orders_before = Order.objects.count()
    data = amazon_report(
        amazon_row(**{"amazon-order-id": "111-0000000-0000001"}),
        amazon_row(**{"amazon-order-id": "111-0000000-0000002", "purchase-date": "yesterday"}),
        amazon_row(**{"amazon-order-id": "111-0000000-0000003"}),
        amazon_row(**{"amazon-order-id": "111-0000000-0000004", "quantity": "-2"}),
        amazon_row(
            # (A row of another marketplace would be skipped, not refused: see below.)
            **{"amazon-order-id": "111-0000000-0000005", "currency": "EUR"}
        ),
    )
    result = run(world.store_a, data)

    assert not result.ok
    assert sorted(set(lines_of(result))) == [3, 5, 6]
    assert result.rows == 5
    assert Order.objects.count() == orders_before
    assert_nothing_written(world, orders_before)


def test_rows_written_before_the_first_error_are_rolled_back(world, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_ROWS", 1)
    data = amazon_report(amazon_row(), amazon_row(sku="B"), amazon_row(sku="C", quantity="0"))
    result = run(world.store_a, data)
    assert lines_of(result) == [4]
    assert_nothing_written(world, 1)


def test_the_error_list_is_capped(world):
    rows = [amazon_row(**{"amazon-order-id": f"111-0000000-{n:07d}", "quantity": "-1"}) for n in range(250)]
    result = run(world.store_a, amazon_report(*rows))
    assert len(result.errors) == importing.MAX_REPORTED_ERRORS
    assert result.errors_not_shown == 50
    assert result.errors[-1].line == importing.MAX_REPORTED_ERRORS + 1


def test_empty_and_unknown_files_are_refused(world):
    assert run(world.store_a, b"").errors == [importing.RowError(None, "The file is empty.")]
    unknown = run(world.store_a, b"id,date,amount\n1,2026-05-01,3\n")
    assert unknown.errors[0].line == 1 and "not one the desk knows" in unknown.errors[0].message
    binary = run(world.store_a, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    assert not binary.ok


# --- The desk's CSV -----------------------------------------------------------------------


def test_desk_csv_creates_orders_buyers_and_shipments_in_the_store_time_zone(world):
    result = run(world.store_b, good_desk_csv(), "ozon-may.csv")

    assert result.ok, result.errors
    assert result.file_format == importing.DESK_CSV_FORMAT
    assert (result.orders_created, result.lines_created, result.buyers_created, result.shipments_created) == (
        2,
        3,
        1,
        1,
    )
    order = Order.objects.get(store=world.store_b, platform_order_id="58213377-0012-1")
    # No offset: Moscow time (UTC+3). A bare "ship by" date lasts until the end of that day.
    assert order.purchased_at == datetime(2026, 5, 3, 6, 30, tzinfo=UTC)
    assert order.ship_by == datetime(2026, 5, 5, 20, 59, 59, tzinfo=UTC)
    assert order.latest_delivery == datetime(2026, 5, 12, 20, 59, 59, tzinfo=UTC)
    assert (order.status, order.fulfilment_channel, order.ship_country) == ("delivered", "seller", "RU")
    assert order.buyer == Buyer.objects.get(store=world.store_b, alias="ivan.p")
    # item_price in the CSV is per unit; the line keeps the line's amount.
    assert order.total == Decimal("1549.90")
    mug = order.lines.get(sku="MUG-350-W")
    assert (mug.title, mug.quantity, mug.item_price) == ("Mug, white, 350 ml", 3, Decimal("1350.00"))
    shipment = order.shipments.get()
    assert (shipment.carrier, shipment.tracking_number) == ("Почта России", "RA123456789RU")
    assert shipment.shipped_at == datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    assert shipment.delivered_at == datetime(2026, 5, 10, 8, 20, tzinfo=UTC)
    kettle = Order.objects.get(store=world.store_b, platform_order_id="58213391-0007-2")
    assert kettle.purchased_at == datetime(2026, 5, 5, 21, 0, tzinfo=UTC)
    assert (kettle.buyer, kettle.ship_by, kettle.fulfilment_channel) == (None, None, "platform")
    assert not kettle.shipments.exists()


def test_desk_csv_reimport_changes_nothing(world):
    run(world.store_b, good_desk_csv())
    before = snapshot(world.store_b)
    again = run(world.store_b, good_desk_csv())
    assert again.repeat_without_change
    assert not again.changed_anything
    assert snapshot(world.store_b) == before


def test_desk_csv_blank_cells_keep_what_the_desk_knows(world):
    run(world.store_b, good_desk_csv())
    result = run(
        world.store_b,
        desk_csv(
            "58213391-0007-2,2026-05-06,shipped,platform,,KTL-1L,,1,2490,RUB,,,,CDEK,1088299,2026-05-07,,",
        ),
    )
    assert (result.orders_updated, result.lines_updated, result.shipments_created) == (1, 0, 1)
    kettle = Order.objects.get(platform_order_id="58213391-0007-2")
    assert (kettle.status, kettle.ship_country, kettle.lines.get().title) == ("shipped", "RU", "Kettle 1 l")


def test_desk_csv_row_of_another_store_is_an_unknown_store(world):
    result = run(
        world.store_b,
        desk_csv(
            "58213391-0007-2,2026-05-06,pending,platform,,KTL-1L,Kettle,1,2490,RUB,,,RU,,,,,Alpha Amazon US",
        ),
    )
    assert not result.ok
    assert [(e.line, e.message) for e in result.errors] == [
        (2, "unknown store “Alpha Amazon US”: this file is being imported into Bravo Ozon RU."),
    ]
    assert not Order.objects.filter(store=world.store_b).exists()


def test_desk_csv_errors_name_their_lines_and_columns(world):
    result = run(
        world.store_b,
        desk_csv(
            "A-1,2026-05-06,pending,platform,,S1,T,1,10.00,RUB,,,RU,,,,,",
            "A-2,2026-13-40,pending,platform,,S1,T,1,10.00,RUB,,,RU,,,,,",
            "A-3,2026-05-06,lost,drone,,S1,T,1,10.00,XXX,,,RUS,,,,,",
            '"A-4","2026-05-06","pending","seller","","S1","T","1","10.00","RUB","","","RU","","","2026-05-09","2026-05-08",""',
        ),
    )
    assert not result.ok
    assert [(e.line, e.message.split(" ")[0]) for e in result.errors] == [
        (3, "purchase_date:"),
        (4, "status"),
        (4, "fulfilment"),
        (4, "currency"),
        (4, "ship_country"),
        (5, "delivered_at"),
    ]


def test_desk_csv_missing_columns_are_listed(world):
    result = run(world.store_b, desk_csv("A-1,2026-05-06,S1,1", header="order_id,purchase_date,sku,quantity"))
    assert [e.message for e in result.errors] == [
        "Missing required column: status.",
        "Missing required column: fulfilment.",
        "Missing required column: item_price.",
        "Missing required column: currency.",
    ]


def test_desk_csv_saved_in_a_chinese_code_page_is_refused(world):
    data = (
        desk_csv("A-1,2026-05-06,pending,seller,,S1,水杯,1,10.00,RUB,,,RU,,,,,", bom=False)
        .decode()
        .encode("gbk")
    )
    result = run(world.store_b, data)
    assert not result.ok
    assert "UTF-8" in result.errors[0].message


# --- Management command -------------------------------------------------------------------


def test_command_imports_a_report(world, tmp_path):
    path = tmp_path / "all-orders.txt"
    path.write_bytes(good_amazon_report())
    out = io.StringIO()
    call_command("import_orders", str(path), "--store", "Alpha Amazon US", stdout=out)
    assert "3 row(s); orders 2 created, 0 updated; lines 3 created, 0 updated." in out.getvalue()
    assert Order.objects.filter(store=world.store_a).count() == 3

    out = io.StringIO()
    call_command("import_orders", str(path), "--store", str(world.store_a.pk), stdout=out)
    assert "imported before" in out.getvalue()


def test_command_refuses_a_bad_report_and_lists_its_rows(world, tmp_path):
    path = tmp_path / "all-orders.txt"
    path.write_bytes(amazon_report(amazon_row(quantity="-1"), amazon_row(sku="B", **{"purchase-date": "x"})))
    err = io.StringIO()
    with pytest.raises(CommandError, match="refused: 2 problem"):
        call_command("import_orders", str(path), "--store", "Alpha Amazon US", stderr=err)
    assert "line 2: quantity -1 is negative." in err.getvalue()
    assert "line 3: purchase-date" in err.getvalue()
    assert_nothing_written(world, 1)


def test_command_names_an_unknown_store(world, tmp_path):
    path = tmp_path / "all-orders.txt"
    path.write_bytes(good_amazon_report())
    with pytest.raises(CommandError, match="Unknown store 'Alpha Amazon UK'"):
        call_command("import_orders", str(path), "--store", "Alpha Amazon UK")
    with pytest.raises(CommandError, match="Unknown store '999999'"):
        call_command("import_orders", str(path), "--store", "999999")


# --- Page ---------------------------------------------------------------------------------

URL = reverse("disputes:import_orders")


def upload(data: bytes, name: str = "All Orders.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/plain")


def test_page_offers_only_the_users_stores(world, agent_client):
    body = agent_client.get(URL).content.decode()
    assert "Alpha Amazon US" in body and "Bravo Ozon RU" not in body
    assert 'hx-encoding="multipart/form-data"' in body and "<progress" in body


def test_agent_imports_a_report_through_the_page(world, agent_client):
    response = post_import(agent_client, {"store": world.store_a.pk, "file": upload(good_amazon_report())})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Imported" in body and 'data-count="orders-created">2<' in body
    assert OrderImport.objects.get().imported_by == world.agent_a
    job = ImportJob.objects.get()
    assert (job.status, job.created_by, job.rows_read, job.rows_written) == ("done", world.agent_a, 3, 3)


def test_the_page_answers_before_importing_and_htmx_follows_to_the_job(world, agent_client):
    response = agent_client.post(
        URL, {"store": world.store_a.pk, "file": upload(good_amazon_report())}, headers={"HX-Request": "true"}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 200 and response.headers["HX-Redirect"] == f"/imports/{job.pk}/"
    # Queued, not imported: the file waits in private storage for the worker.
    assert job.status == "queued" and job.file_name == "All Orders.txt"
    assert import_jobs.upload_path(job).read_bytes() == good_amazon_report()
    assert_nothing_written(world, 1)
    body = agent_client.get(f"/imports/{job.pk}/").content.decode()
    assert "Waiting for the worker" in body and 'hx-trigger="every 1s"' in body


def test_refused_report_shows_each_row_and_writes_nothing(world, agent_client):
    data = amazon_report(amazon_row(quantity="-1"), amazon_row(sku="B"), amazon_row(sku="C", currency="EUR"))
    response = post_import(agent_client, {"store": world.store_a.pk, "file": upload(data)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was imported" in body
    assert "<td>2</td><td>quantity -1 is negative.</td>" in body
    assert "<td>4</td><td>currency EUR is not the currency of store Alpha Amazon US (USD).</td>" in body
    assert_nothing_written(world, 1)
    job = ImportJob.objects.get()
    assert (job.status, job.rows_read, job.rows_written, job.errors_found) == ("done", 3, 0, 2)


def test_outsider_cannot_import_into_another_teams_store(world, outsider_client):
    response = outsider_client.post(URL, {"store": world.store_a.pk, "file": upload(good_amazon_report())})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert_nothing_written(world, 1)


def test_too_large_a_file_is_refused_before_reading(world, agent_client, monkeypatch):
    monkeypatch.setattr(import_views, "MAX_UPLOAD_BYTES", 100)
    response = agent_client.post(URL, {"store": world.store_a.pk, "file": upload(good_amazon_report())})
    assert "the page accepts reports up to 100" in response.content.decode()
    assert_nothing_written(world, 1)


def test_post_without_a_file_goes_back_to_the_form(world, agent_client):
    response = agent_client.post(URL, {"store": world.store_a.pk})
    assert response.status_code == 302 and response["Location"] == URL
    assert_nothing_written(world, 1)


def test_recent_imports_show_only_the_users_stores(world, agent_client, outsider_client):
    post_import(
        agent_client, {"store": world.store_a.pk, "file": upload(good_amazon_report(), "alpha-may.txt")}
    )
    post_import(
        outsider_client, {"store": world.store_b.pk, "file": upload(good_desk_csv(), "bravo-may.csv")}
    )
    body = agent_client.get(URL).content.decode()
    assert "alpha-may.txt" in body and "bravo-may.csv" not in body
    body = outsider_client.get(URL).content.decode()
    assert "bravo-may.csv" in body and "alpha-may.txt" not in body


def test_page_queries_do_not_grow_with_past_imports(world, agent_client):
    def add_imports():
        ImportJob.objects.bulk_create(
            ImportJob(
                store=world.store_a,
                file_name=f"r{n}.txt",
                created_by=world.agent_a if n % 2 else world.manager_a,
                status=ImportStatus.DONE if n % 3 else ImportStatus.RUNNING,
                started_at=timezone.now(),
            )
            for n in range(30)
        )

    # session, user, the layout's unread-alert count, the user's stores, recent imports
    assert_queries_pinned(agent_client, URL, expected=5, add_rows=add_imports)


def test_amazon_lines_are_cut_into_the_cells_csv_would_give():
    # Amazon's report is read as each line's text, cut with str.split when its cells are read;
    # csv (no quoting, tabs) is the reference.
    characters = [
        "a",
        "é",
        '"',
        "'",
        " ",
        "\t",
        "\\",
        "\x00",
        ",",
        ";",
        "\x0b",
        "\x0c",
        "\x1c",
        "\x85",
        "\u2028",
    ]
    rng = random.Random(14)
    lines = ['"quoted\tcell"\tplain', 'a "b" c\t', "\t\t", "x", ""]
    lines += ["".join(rng.choice(characters) for _ in range(rng.randrange(30))) for _ in range(3000)]
    for text in lines:
        for ending in ("\r\n", "\n", "\r", ""):
            line = text + ending
            # (csv gives no cell for an empty line, split one empty cell: both are a blank row)
            expected = next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE), []) or [""]
            assert next(importing._UnquotedRows(iter([line]), "\t")).split("\t") == expected, repr(line)
