"""eBay's Orders report and Ozon's postings export, as the platforms deliver them: through the
import page and the import_orders command, values checked in the database."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from disputes.importing import import_orders
from disputes.models import (
    Buyer,
    FulfilmentChannel,
    Membership,
    Order,
    OrderImport,
    OrderLine,
    Platform,
    Role,
    Shipment,
    Store,
)

from .imports import post_import

URL = reverse("disputes:import_orders")

# The header of eBay Seller Hub's "Orders" report (Orders → Download report → All orders).
EBAY_COLUMNS = [
    "Sales Record Number", "Order Number", "Buyer Username", "Buyer Name", "Buyer Email", "Buyer Note",
    "Buyer Address 1", "Buyer Address 2", "Buyer City", "Buyer State", "Buyer Zip", "Buyer Country",
    "Ship To Name", "Ship To Phone", "Ship To Address 1", "Ship To Address 2", "Ship To City",
    "Ship To State", "Ship To Zip", "Ship To Country", "Item Number", "Item Title", "Custom Label",
    "Sold Via Promoted Listings", "Quantity", "Sold For", "Shipping And Handling", "Seller Collected Tax",
    "eBay Collected Tax", "Total Price", "Payment Method", "Sale Date", "Paid On Date", "Ship By Date",
    "Minimum Estimated Delivery Date", "Maximum Estimated Delivery Date", "Shipped On Date",
    "Feedback Left", "Feedback Received", "My Item Note", "Shipping Service", "Tracking Number",
    "Transaction ID", "Variation Details", "Global Shipping Program", "eBay Fulfillment Program",
    "eBay International Shipping",
]  # fmt: skip

SINGLE = {
    "Sales Record Number": "1001",
    "Order Number": "12-11111-22222",
    "Buyer Username": "jdoe_42",
    "Buyer Name": "John Doe",
    "Ship To Country": "United States",
    "Item Number": "285112233445",
    "Item Title": 'Brass Desk Lamp, "Vintage" 14in',
    "Custom Label": "LAMP-BR",
    "Quantity": "1",
    "Sold For": "$49.99",
    "Shipping And Handling": "$8.50",
    "Total Price": "$58.49",
    "Payment Method": "Managed payments",
    "Sale Date": "May-01-26",
    "Paid On Date": "May-01-26",
    "Ship By Date": "May-03-26",
    "Maximum Estimated Delivery Date": "May-08-26",
    "Shipped On Date": "May-02-26",
    "Shipping Service": "USPS Ground Advantage",
    "Tracking Number": "9400111899223344556677",
    "Transaction ID": "2890011223001",
    "eBay Fulfillment Program": "No",
}
# An order of two items: its summary row, then one row per item with the order's cells blank.
SUMMARY = {
    "Sales Record Number": "1002",
    "Order Number": "04-22222-33333",
    "Buyer Username": "mk.collects",
    "Buyer Name": "Mary K",
    "Ship To Country": "Canada",
    "Total Price": "$1,034.50",
    "Sale Date": "May-02-26",
    "Paid On Date": "May-02-26",
    "Ship By Date": "May-05-26",
    "eBay Fulfillment Program": "No",
}
ITEM_1 = {
    "Sales Record Number": "1003",
    "Order Number": "04-22222-33333",
    "Item Number": "285100000001",
    "Item Title": "Mirrorless Camera X1, body only",
    "Custom Label": "CAM-X1",
    "Quantity": "1",
    "Sold For": "$1,000.00",
    "Transaction ID": "2890011223002",
}
ITEM_2 = {
    "Sales Record Number": "1004",
    "Order Number": "04-22222-33333",
    "Item Number": "285100000002",
    "Item Title": "Camera strap",
    "Custom Label": "STRAP-1",
    "Quantity": "2",
    "Sold For": "$12.25",
    "Transaction ID": "2890011223003",
}


def ebay_report(
    *rows: dict, first_line: str = ",,,", newline: str = "\r\n", encoding: str = "utf-8-sig"
) -> bytes:
    out = io.StringIO()
    out.write(first_line + newline)
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(EBAY_COLUMNS)
    for row in rows:
        writer.writerow([row.get(column, "") for column in EBAY_COLUMNS])
    out.write(newline)
    out.write(f'"{len(rows)} record(s) downloaded,from May-01-26 to May-31-26"{newline}')
    out.write(f"Seller ID : acme_outlet{newline}")
    return out.getvalue().encode(encoding)


def good_ebay_report(**options) -> bytes:
    return ebay_report(SINGLE, SUMMARY, ITEM_1, ITEM_2, **options)


@pytest.fixture
def ebay_store(world) -> Store:
    store = Store.objects.create(
        name="Charlie eBay US",
        platform=Platform.EBAY,
        marketplace="US",
        time_zone="America/New_York",
        currency="USD",
    )
    Membership.objects.create(user=world.agent_a, store=store, role=Role.AGENT)
    return store


def upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("America/New_York"))


def assert_ebay_orders(store: Store) -> None:
    single = Order.objects.get(store=store, platform_order_id="12-11111-22222")
    assert single.purchased_at == ny(2026, 5, 1)
    assert single.status == "shipped"
    assert single.fulfilment_channel == FulfilmentChannel.SELLER
    assert single.currency == "USD" and single.total == Decimal("49.99")
    assert single.ship_country == "US"
    assert single.ship_by == ny(2026, 5, 3, 23, 59, 59)
    assert single.latest_delivery == ny(2026, 5, 8, 23, 59, 59)
    assert single.buyer.alias == "jdoe_42"
    (line,) = single.lines.all()
    assert (line.line_key, line.sku, line.quantity, line.item_price) == (
        "285112233445-2890011223001",
        "LAMP-BR",
        1,
        Decimal("49.99"),
    )
    assert line.title == 'Brass Desk Lamp, "Vintage" 14in'
    shipment = Shipment.objects.get(order=single)
    assert shipment.tracking_number == "9400111899223344556677"
    assert shipment.carrier == "USPS Ground Advantage" and shipment.shipped_at == ny(2026, 5, 2)

    multi = Order.objects.get(store=store, platform_order_id="04-22222-33333")
    assert multi.buyer.alias == "mk.collects" and multi.ship_country == "CA"
    assert multi.status == "unshipped" and multi.purchased_at == ny(2026, 5, 2)
    assert multi.total == Decimal("1024.50")  # 1,000.00 + 2 × 12.25; the summary's total is not a line
    lines = {line.sku: (line.line_key, line.quantity, line.item_price) for line in multi.lines.all()}
    assert lines == {
        "CAM-X1": ("285100000001-2890011223002", 1, Decimal("1000.00")),
        "STRAP-1": ("285100000002-2890011223003", 2, Decimal("24.50")),
    }
    assert not Shipment.objects.filter(order=multi).exists()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"first_line": "", "newline": "\n"},
        {"first_line": ",,,,,,,,,,", "encoding": "utf-8"},
        {"first_line": " ", "newline": "\r\n", "encoding": "utf-8"},
    ],
    ids=["crlf-commas-bom", "lf-blank", "commas-no-bom", "space-crlf"],
)
def test_ebay_report_imports_through_the_page(world, ebay_store, agent_client, options):
    data = good_ebay_report(**options)
    response = post_import(
        agent_client, {"store": ebay_store.pk, "file": upload(data, "eBay-OrdersReport.csv")}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Imported" in body and 'data-count="orders-created">2<' in body
    assert_ebay_orders(ebay_store)
    imported = OrderImport.objects.get(store=ebay_store)
    assert imported.file_format == "ebay_orders" and imported.rows == 3  # the summary row is not a line
    assert Buyer.objects.filter(store=ebay_store).count() == 2


def test_ebay_report_saved_again_by_excel_in_windows_1252_is_read(world, ebay_store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(ebay_report({**SINGLE, "Item Title": "Crème brûlée torch – butane"}, encoding="cp1252"))
    call_command("import_orders", str(path), "--store", "Charlie eBay US", stdout=io.StringIO())
    line = OrderLine.objects.get(order__store=ebay_store)
    assert line.title == "Crème brûlée torch – butane" and line.item_price == Decimal("49.99")


def test_ebay_report_through_the_command_and_again_changes_nothing(world, ebay_store, tmp_path):
    path = tmp_path / "eBay-all-orders-report-May-31-2026.csv"
    path.write_bytes(good_ebay_report())
    out = io.StringIO()
    call_command("import_orders", str(path), "--store", "Charlie eBay US", stdout=out)
    assert "orders 2 created" in out.getvalue() and "lines 3 created" in out.getvalue()
    assert_ebay_orders(ebay_store)
    stamps = list(Order.objects.filter(store=ebay_store).values_list("updated_at", flat=True))
    out = io.StringIO()
    call_command("import_orders", str(path), "--store", str(ebay_store.pk), stdout=out)
    assert "orders 0 created, 0 updated; lines 0 created, 0 updated" in out.getvalue()
    assert "nothing changed" in out.getvalue()
    assert list(Order.objects.filter(store=ebay_store).values_list("updated_at", flat=True)) == stamps


def test_ebay_errors_name_the_lines_of_the_file_and_nothing_is_written(world, ebay_store, agent_client):
    # Line 1 is the blank line, line 2 the header, the rows start on line 3.
    data = ebay_report(SINGLE, SUMMARY, {**ITEM_1, "Quantity": "one"}, {**ITEM_2, "Sold For": "£12.25"})
    response = post_import(agent_client, {"store": ebay_store.pk, "file": upload(data, "orders.csv")})
    body = response.content.decode()
    assert "Nothing was imported" in body
    assert "<td>5</td><td>quantity “one” is not a number.</td>" in body
    assert "<td>6</td><td>currency GBP is not the currency of store Charlie eBay US (USD).</td>" in body
    assert not Order.objects.filter(store=ebay_store).exists()


def test_ebay_report_cannot_go_into_an_amazon_store(world, ebay_store):
    result = import_orders(store=world.store_a, file=io.BytesIO(good_ebay_report()), file_name="orders.csv")
    assert not result.ok
    assert [e.message for e in result.errors] == [
        "Alpha Amazon US is not an eBay store: an eBay report cannot be imported into it."
    ]


def test_a_file_of_blank_lines_is_still_empty(world, ebay_store):
    result = import_orders(store=ebay_store, file=io.BytesIO(b",,,\r\n\r\n"), file_name="orders.csv")
    assert not result.ok and [e.message for e in result.errors] == ["The file is empty."]


# The header of Ozon's postings export (Заказы → FBS → Выгрузить в CSV).
OZON_FBS_COLUMNS = [
    "Номер заказа", "Номер отправления", "Принят в обработку", "Дата отгрузки", "Статус", "Дата доставки",
    "Фактическая дата передачи в доставку", "Сумма отправления", "Код валюты отправления",
    "Наименование товара", "OZON id", "Артикул", "Итоговая стоимость товара", "Код валюты товара",
    "Стоимость товара для покупателя", "Код валюты покупателя", "Количество", "Стоимость доставки",
    "Связанные отправления", "Выкуп товара", "Цена товара до скидок", "Скидка %", "Скидка руб", "Акции",
]  # fmt: skip
# FBO (Ozon ships from its warehouse): no hand-over date, and the price is "Ваша цена".
OZON_FBO_COLUMNS = [
    "Номер заказа", "Номер отправления", "Принят в обработку", "Дата отгрузки", "Статус", "Дата доставки",
    "Сумма отправления", "Код валюты отправления", "Наименование товара", "OZON id", "Артикул", "Ваша цена",
    "Код валюты товара", "Оплачено покупателем", "Код валюты покупателя", "Количество", "Кластер отгрузки",
]  # fmt: skip

OZON_ROWS = [
    {
        "Номер заказа": "0151413710-0001",
        "Номер отправления": "0151413710-0001-1",
        "Принят в обработку": "2026-05-03 09:30:12",
        "Дата отгрузки": "2026-05-05 14:00:00",
        "Статус": "Доставлен",
        "Дата доставки": "2026-05-10 11:20:00",
        "Фактическая дата передачи в доставку": "2026-05-04 15:00:00",
        "Сумма отправления": "900",
        "Наименование товара": "Кружка керамическая; белая, 350 мл",
        "OZON id": "1234567890",
        "Артикул": "MUG-350-W",
        "Итоговая стоимость товара": "450",
        "Ваша цена": "450",
        "Код валюты товара": "RUB",
        "Количество": "2",
    },
    {
        "Номер заказа": "0151413710-0001",
        "Номер отправления": "0151413710-0001-2",
        "Принят в обработку": "2026-05-03 09:30:12",
        "Дата отгрузки": "2026-05-05 14:00:00",
        "Статус": "Отменён",
        "Наименование товара": "Чайник электрический 1,7 л",
        "OZON id": "1234567891",
        "Артикул": "KETTLE-17",
        "Итоговая стоимость товара": "",
        "Ваша цена": "",
        "Код валюты товара": "RUB",
        "Количество": "0",
    },
    {
        "Номер заказа": "0151500001-0003",
        "Номер отправления": "0151500001-0003-1",
        "Принят в обработку": "03.05.2026 23:45:00",
        "Дата отгрузки": "06.05.2026 12:00:00",
        "Статус": "Ожидает отгрузки",
        "Наименование товара": "Плед флисовый 150х200",
        "OZON id": "1234567892",
        "Артикул": "PLAID-150",
        "Итоговая стоимость товара": "1 290,50",
        "Ваша цена": "1 290,50",
        "Код валюты товара": "RUB",
        "Количество": "1",
    },
    {
        "Номер заказа": "0151500001-0003",
        "Номер отправления": "0151500001-0003-1",
        "Принят в обработку": "03.05.2026 23:45:00",
        "Дата отгрузки": "06.05.2026 12:00:00",
        "Статус": "Ожидает отгрузки",
        "Наименование товара": "Подушка 50х70",
        "OZON id": "1234567893",
        "Артикул": "PILLOW-5070",
        "Итоговая стоимость товара": "699.00",
        "Ваша цена": "699.00",
        "Код валюты товара": "RUB",
        "Количество": "2",
    },
]


def ozon_export(
    rows=OZON_ROWS, columns=OZON_FBS_COLUMNS, encoding: str = "utf-8-sig", newline: str = "\r\n"
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator=newline)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue().encode(encoding)


def assert_ozon_postings(store: Store, fulfilment: str) -> None:
    delivered = Order.objects.get(store=store, platform_order_id="0151413710-0001-1")
    assert delivered.purchased_at == datetime(2026, 5, 3, 6, 30, 12, tzinfo=UTC)  # Moscow is UTC+3
    assert delivered.status == "delivered" and delivered.fulfilment_channel == fulfilment
    assert delivered.currency == "RUB" and delivered.total == Decimal("900.00")
    (line,) = delivered.lines.all()
    assert (line.sku, line.quantity, line.item_price) == ("MUG-350-W", 2, Decimal("900.00"))
    assert line.title == "Кружка керамическая; белая, 350 мл"

    cancelled = Order.objects.get(store=store, platform_order_id="0151413710-0001-2")
    assert cancelled.status == "cancelled" and cancelled.total == Decimal("0.00")
    assert cancelled.lines.get().quantity == 0

    waiting = Order.objects.get(store=store, platform_order_id="0151500001-0003-1")
    assert waiting.status == "unshipped"
    assert waiting.purchased_at == datetime(2026, 5, 3, 20, 45, tzinfo=UTC)
    assert waiting.total == Decimal("2688.50")  # 1 290,50 + 2 × 699.00
    assert sorted(waiting.lines.values_list("sku", flat=True)) == ["PILLOW-5070", "PLAID-150"]
    if fulfilment == FulfilmentChannel.SELLER:
        assert waiting.ship_by == datetime(2026, 5, 6, 9, 0, tzinfo=UTC)
    else:
        assert waiting.ship_by is None


@pytest.mark.parametrize(
    "encoding,newline",
    [("utf-8-sig", "\r\n"), ("utf-8", "\n"), ("cp1251", "\r\n"), ("cp1251", "\n")],
)
def test_ozon_fbs_export_imports_through_the_page(world, outsider_client, encoding, newline):
    data = ozon_export(encoding=encoding, newline=newline)
    response = post_import(outsider_client, {"store": world.store_b.pk, "file": upload(data, "postings.csv")})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Imported" in body and 'data-count="orders-created">3<' in body
    assert_ozon_postings(world.store_b, FulfilmentChannel.SELLER)
    assert OrderImport.objects.get(store=world.store_b).file_format == "ozon_postings"


def test_ozon_fbo_export_through_the_command_and_again_changes_nothing(world, tmp_path):
    path = tmp_path / "orders-fbo.csv"
    path.write_bytes(ozon_export(columns=OZON_FBO_COLUMNS, encoding="cp1251"))
    out = io.StringIO()
    call_command("import_orders", str(path), "--store", "Bravo Ozon RU", stdout=out)
    assert "4 row(s); orders 3 created" in out.getvalue()
    assert_ozon_postings(world.store_b, FulfilmentChannel.PLATFORM)
    lines = list(OrderLine.objects.filter(order__store=world.store_b).values_list("pk", "item_price"))
    out = io.StringIO()
    call_command("import_orders", str(path), "--store", "Bravo Ozon RU", stdout=out)
    assert "orders 0 created, 0 updated; lines 0 created, 0 updated" in out.getvalue()
    assert list(OrderLine.objects.filter(order__store=world.store_b).values_list("pk", "item_price")) == lines


def test_ozon_bad_rows_are_listed_and_nothing_is_written(world, tmp_path):
    rows = [
        {**OZON_ROWS[0], "Номер заказа": "0151413710-0002"},
        OZON_ROWS[1],
        {**OZON_ROWS[2], "Принят в обработку": "вчера"},
        {**OZON_ROWS[3], "Код валюты товара": "KZT"},
    ]
    path = tmp_path / "postings.csv"
    path.write_bytes(ozon_export(rows))
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 problem"):
        call_command("import_orders", str(path), "--store", "Bravo Ozon RU", stderr=err)
    assert [line for line in err.getvalue().splitlines() if not line.startswith("progress: ")] == [
        "line 2: 0151413710-0001-1 is not a posting of order 0151413710-0002: are the two columns swapped?",
        "line 4: принят в обработку: “вчера” is not a date the desk can read.",
        "line 5: currency KZT is not the currency of store Bravo Ozon RU (RUB).",
    ]
    assert not Order.objects.filter(store=world.store_b).exists()


def test_ozon_export_cannot_go_into_an_ebay_store(world, ebay_store):
    result = import_orders(store=ebay_store, file=io.BytesIO(ozon_export()), file_name="postings.csv")
    assert not result.ok
    assert [e.message for e in result.errors] == [
        "Charlie eBay US is not an Ozon store: an Ozon export cannot be imported into it."
    ]


def test_a_blank_line_above_the_desks_csv_header_is_skipped_and_counted(world):
    data = (
        b"\r\norder_id,purchase_date,status,fulfilment,sku,quantity,item_price,currency\r\n"
        b"A-1,2026-05-03 09:30,shipped,seller,MUG-1,2,10.00,USD\r\n"
        b"A-2,2026-05-03 09:30,shipped,seller,MUG-1,-1,10.00,USD\r\n"
    )
    result = import_orders(store=world.store_a, file=io.BytesIO(data), file_name="orders.csv")
    assert [(e.line, e.message) for e in result.errors] == [(4, "quantity -1 is negative.")]
    ok = import_orders(
        store=world.store_a, file=io.BytesIO(data.rsplit(b"A-2", 1)[0]), file_name="orders.csv"
    )
    assert ok.ok and Order.objects.get(platform_order_id="A-1").total == Decimal("20.00")
