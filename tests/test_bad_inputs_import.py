"""Hostile order reports (tests/bad_inputs/reports/) through the import page and the
`import_orders` command: each is refused with a message naming its line, or imported safely;
a refused file writes nothing, and nothing gives a 500."""

import email.message
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from appeals import services as appeal_services
from appeals.services import AppealDraft
from disputes import services
from disputes.importing import import_orders
from disputes.models import Buyer, ClaimKind, Order, OrderImport, OrderLine, Reason, Shipment

from .imports import post_import
from .test_import import AMAZON_COLUMNS, amazon_report, amazon_row, desk_csv

REPORTS = Path(__file__).parent / "bad_inputs" / "reports"
URL = reverse("disputes:import_orders")

# File → (line of the first problem, None for the whole file; words of its message).
REFUSED = {
    "desk-order-id-crlf.csv": (3, "order_id: It contains a control or invisible character (U+000D)"),
    "desk-sku-bell.csv": (3, "sku: It contains a control or invisible character (U+0007)"),
    "desk-buyer-alias-bidi-override.csv": (
        3,
        "buyer_alias: It contains a control or invisible character (U+202E)",
    ),
    "desk-tracking-zero-width-space.csv": (
        3,
        "tracking_number: It contains a control or invisible character (U+200B)",
    ),
    "desk-carrier-escape.csv": (3, "carrier: It contains a control or invisible character (U+001B)"),
    "desk-title-nul.csv": (3, "title holds a NUL character."),
    "desk-purchase-date-year-1.csv": (3, "purchase_date: 1 is not a plausible year"),
    "desk-ship-by-year-9999.csv": (3, "ship_by: 9999 is not a plausible year"),
    "desk-delivered-at-year-9999-offset.csv": (3, "delivered_at: 9999 is not a plausible year"),
    "desk-quantity-5000-digits.csv": (3, "quantity is too large."),
    "desk-order-id-100k-long.csv": (3, "order_id is longer than 64 characters."),
    "desk-row-wider-than-header.csv": (3, "The row has 1018 fields but the header has 18."),
    "desk-unterminated-quote.csv": (3, "quantity is empty."),
    "desk-duplicate-columns.csv": (1, "Column order_id appears more than once."),
    "desk-header-only-commas.csv": (1, "The header is not one the desk knows"),
    "desk-utf16-without-bom.csv": (1, "The header holds NUL characters"),
    "desk-utf16-with-bom.csv": (None, "The file is not text in a known encoding."),
    "amazon-order-id-escape.txt": (
        3,
        "amazon-order-id: It contains a control or invisible character (U+001B)",
    ),
    "amazon-sku-bidi-override.txt": (3, "sku: It contains a control or invisible character (U+202E)"),
    "amazon-purchase-date-year-1.txt": (3, "purchase-date: 1 is not a plausible year"),
    "amazon-product-name-nul.txt": (3, "product-name holds a NUL character."),
    "amazon-400-columns.txt": (1, "The header has 400 columns"),
    "amazon-header-30000-characters.txt": (1, "The header line is longer than 20,000 characters"),
}
ACCEPTED = {"desk-order-id-quote-filename-star.csv"}


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Order, OrderLine, Shipment, Buyer, OrderImport))


def test_every_report_in_the_corpus_has_an_expected_outcome():
    reports = sorted(path.name for path in REPORTS.iterdir() if not path.name.startswith("."))
    assert reports == sorted([*REFUSED, *ACCEPTED])


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_hostile_report_is_refused_by_the_page_with_its_line_and_nothing_written(world, agent_client, name):
    line, words = REFUSED[name]
    before = counts()
    upload = SimpleUploadedFile(name, (REPORTS / name).read_bytes(), content_type="text/plain")
    response = post_import(agent_client, {"store": world.store_a.pk, "file": upload})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was imported" in body
    assert f"<td>{line or 'file'}</td><td>{escape(words)}" in body
    assert counts() == before


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_hostile_report_is_refused_by_the_command_with_its_line_and_nothing_written(world, name):
    line, words = REFUSED[name]
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_orders", str(REPORTS / name), "--store", world.store_a.name, stderr=err)
    where = f"line {line}: " if line else "file: "
    assert any(row.startswith(where) and words in row for row in err.getvalue().splitlines()), err.getvalue()
    assert counts() == before


def test_an_upload_named_with_control_characters_is_recorded_under_a_clean_name(world, agent_client):
    upload = SimpleUploadedFile(
        "All\x00Orders\u202e\x1b.csv",
        desk_csv("A-1,2026-05-03,delivered,seller,,S-1,,1,10.00,USD,,,,,,,,"),
        content_type="text/csv",
    )
    response = post_import(agent_client, {"store": world.store_a.pk, "file": upload})
    assert response.status_code == 200 and "Imported" in response.content.decode()
    name = OrderImport.objects.get().file_name
    assert name.startswith("All") and name.endswith(".csv") and not set(name) & set("\x00\u202e\x1b")


def test_a_refused_row_keeps_the_good_rows_before_it_out_too(world):
    # Each corpus file starts with a good row: all or nothing holds for hostile rows as well.
    result = import_orders(
        store=world.store_a, file=(REPORTS / "desk-sku-bell.csv").open("rb"), file_name="desk-sku-bell.csv"
    )
    assert not result.ok and result.rows == 2
    assert not Order.objects.filter(platform_order_id="A-1001").exists()


def test_a_message_quotes_a_long_or_hidden_value_short_and_visible(world):
    data = desk_csv("A-1,2026-05-03,delivered,seller,,S-1,,1,10.00," + "U\x1bS" + "D" * 500 + ",,,,,,,,")
    result = import_orders(store=world.store_a, file=io.BytesIO(data), file_name="x.csv")
    [error] = result.errors
    assert "U<U+001B>SDDD" in error.message and "\x1b" not in error.message
    assert len(error.message) < 200


def test_a_quote_in_an_order_id_imports_and_its_appeal_downloads_under_one_safe_name(world, agent_client):
    name = "desk-order-id-quote-filename-star.csv"
    result = import_orders(store=world.store_a, file=(REPORTS / name).open("rb"), file_name=name)
    assert result.ok and result.orders_created == 2
    order = Order.objects.get(platform_order_id__startswith='x"')
    claim = services.claim_open(
        order=order, kind=ClaimKind.A_TO_Z, reason=Reason.NOT_RECEIVED, by=world.agent_a
    )
    appeal = appeal_services.appeal_create(claim=claim, kind="claim_response", by=world.agent_a)
    appeal_services.appeal_save(
        appeal=appeal,
        by=world.agent_a,
        based_on=0,
        draft=AppealDraft(
            facts=["The parcel was delivered."], evidence=[], conclusion="We ask that the claim be denied."
        ),
    )
    for view, ext in (("appeals:pdf", "pdf"), ("appeals:text", "txt")):
        response = agent_client.get(reverse(view, args=[appeal.pk]))
        assert response.status_code == 200
        header = email.message.Message()
        header["Content-Disposition"] = response["Content-Disposition"]
        params = header.get_params(header="content-disposition")
        # One disposition and one file name: the order id's own filename*= stays inside it.
        assert [key for key, _value in params] == ["attachment", "filename"]
        assert header.get_filename() == f"appeal-x_;filename*=UTF-8''evil.html;x=_-v1.{ext}"


# --- The header check is linear and has a cap ----------------------------------------------


def test_a_header_longer_than_the_cap_is_refused_before_its_columns_are_read(world):
    # Before the cap, the duplicate check compared every column with every other one: a header
    # of a million columns held a worker for hours.
    header = "\t".join(f"column-{n}" for n in range(3000))
    result = import_orders(
        store=world.store_a, file=io.BytesIO((header + "\r\n").encode()), file_name="wide.txt"
    )
    assert not result.ok
    assert [(e.line, e.message.split(":")[0]) for e in result.errors] == [
        (1, "The header line is longer than 20,000 characters")
    ]
    assert OrderImport.objects.count() == 0


def test_a_header_of_many_short_columns_under_the_length_cap_is_refused_by_its_width(world):
    header = ",".join(["order_id"] + ["a"] * 5000)
    result = import_orders(
        store=world.store_a, file=io.BytesIO((header + "\n").encode()), file_name="wide.csv"
    )
    assert [e.message for e in result.errors] == [
        "The header has 5,001 columns; the desk's formats have fewer than 300: this is not an order report the desk knows."
    ]


def test_a_row_line_of_millions_of_fields_is_refused_without_splitting_it(world):
    good = "A-1,2026-05-03,delivered,seller,,S-1,,1,10.00,USD,,,,,,,,"
    data = desk_csv(good, "," * 3_000_000, good.replace("S-1", "S-2"), good.replace("A-1", "A-2") + ",x")
    result = import_orders(store=world.store_a, file=io.BytesIO(data), file_name="long.csv")
    assert [(e.line, e.message) for e in result.errors] == [
        (3, "The line is longer than 1,000,000 characters: no order row is."),
        (5, "The row has 19 fields but the header has 18."),
    ]
    assert counts() == (1, 0, 0, 1, 0)


def test_an_amazon_cell_longer_than_csv_reads_is_refused_and_the_rows_after_it_keep_their_lines(world):
    # Amazon's rows are cut by str.split, not csv; a cell past csv's cap is refused as csv would.
    title = "Bottle " * 30_000  # 210,000 characters, in a line well under the 1,000,000 cap
    data = amazon_report(
        amazon_row(),
        amazon_row(**{"amazon-order-id": "113-0000000-0000002", "product-name": title}),
        amazon_row(**{"amazon-order-id": "113-0000000-0000003", "quantity": "two"}),
        amazon_row(**{"amazon-order-id": "113-0000000-0000004", "product-name": 'Cup 12 oz "Blue"\t'}),
    )
    result = import_orders(store=world.store_a, file=io.BytesIO(data), file_name="All Orders.txt")
    assert [(e.line, e.message) for e in result.errors] == [
        (3, "The row cannot be read: field larger than field limit (131072)."),
        (4, "quantity “two” is not a number."),
        (5, f"The row has {len(AMAZON_COLUMNS) + 1} fields but the header has {len(AMAZON_COLUMNS)}."),
    ]
    assert result.rows == 3  # the unreadable row is not counted, as before


def test_duplicate_columns_are_each_named_once(world):
    columns = AMAZON_COLUMNS + ["sku", "sku", "currency"]
    result = import_orders(
        store=world.store_a,
        file=io.BytesIO(amazon_report(amazon_row(), columns=columns)),
        file_name="dup.txt",
    )
    assert [e.message for e in result.errors] == [
        "Column currency appears more than once.",
        "Column sku appears more than once.",
    ]
