"""Re-importing Amazon's All Orders report: rows written before and unchanged are passed over
unread (by the fingerprints kept on their lines), and everything else is read and checked as
on a first import."""

import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes import importing
from disputes.importing import import_orders
from disputes.models import FulfilmentChannel, Order, OrderImport, OrderLine, Platform, Store

REPORT = Path(__file__).parent / "reports" / "amazon-us-split-cancelled-mcf.txt"
# Line 3 of the report: the cup of order 113-8812093-1167431 (line 5 is its cancelled grinder).
CUP_ROW = REPORT.read_text().splitlines()[2]


@pytest.fixture
def rows_read(monkeypatch) -> list[str]:
    """The order ids of the rows the Amazon format reads, in order (each still read for real)."""
    read: list[str] = []
    parse = importing.AmazonAllOrders.parse

    def reading(self, cells):
        read.append(cells.text("amazon-order-id"))
        return parse(self, cells)

    monkeypatch.setattr(importing.AmazonAllOrders, "parse", reading)
    return read


def run(store, data: bytes) -> importing.ImportResult:
    return import_orders(store=store, file=io.BytesIO(data), file_name="All Orders.txt", others=[store])


def snapshot(store) -> dict:
    return {
        "orders": list(Order.objects.filter(store=store).order_by("pk").values_list()),
        "lines": list(OrderLine.objects.filter(order__store=store).order_by("pk").values_list()),
    }


def changes(result: importing.ImportResult) -> tuple[int, int, int, int]:
    return (result.orders_created, result.orders_updated, result.lines_created, result.lines_updated)


def amazon_us_store(name: str) -> Store:
    return Store.objects.create(
        name=name,
        platform=Platform.AMAZON,
        marketplace="US",
        time_zone="America/Los_Angeles",
        currency="USD",
    )


def stored(store: Store, *line_fields: str) -> tuple[list, list]:
    """The store's orders (id, total, status) and their lines' `line_fields`, by order id."""
    orders = Order.objects.filter(store=store).order_by("platform_order_id")
    lines = OrderLine.objects.filter(order__store=store).order_by("order__platform_order_id", "line_key")
    return (
        list(orders.values_list("platform_order_id", "total", "status")),
        list(lines.values_list("order__platform_order_id", "line_key", *line_fields)),
    )


def test_a_second_import_of_an_unchanged_report_reads_no_row_again(world, rows_read):
    data = REPORT.read_bytes()
    first = run(world.store_a, data)
    assert first.ok and changes(first) == (4, 0, 6, 0)
    assert len(rows_read) == 6
    assert OrderLine.objects.filter(order__store=world.store_a, row_digest__isnull=False).count() == 6
    before = snapshot(world.store_a)
    rows_read.clear()

    again = run(world.store_a, data)

    assert again.ok and again.rows == 6 and changes(again) == (0, 0, 0, 0)
    assert rows_read == []
    assert snapshot(world.store_a) == before
    assert again.repeat_without_change
    assert list(OrderImport.objects.filter(store=world.store_a).values_list("rows", flat=True)) == [6, 6]


def test_a_changed_row_is_read_and_written_and_the_others_are_passed_over(world, rows_read):
    data = REPORT.read_bytes()
    run(world.store_a, data)
    rows_read.clear()
    assert data.count(b"\t7.49\t") == 1  # the cup's price
    changed = data.replace(b"\t7.49\t", b"\t8.49\t")

    result = run(world.store_a, changed)

    assert result.ok and changes(result) == (0, 1, 0, 1)
    assert rows_read == ["113-8812093-1167431"]
    order = Order.objects.get(platform_order_id="113-8812093-1167431")
    assert order.lines.get(sku="CUP-12-BLU").item_price == Decimal("8.49")
    assert order.total == Decimal("9.61")  # one more than 8.61; the cancelled grinder still counts 0
    rows_read.clear()
    assert changes(run(world.store_a, changed)) == (0, 0, 0, 0) and rows_read == []


def test_an_order_changed_by_another_file_since_is_read_again_and_set_back(world, rows_read):
    data = REPORT.read_bytes()
    run(world.store_a, data)
    header, rows = data.split(b"\n", 1)
    grinder = next(row for row in rows.split(b"\n") if b"GRN-MILL-CER" in row)
    delivered = grinder.replace(b"\tShipped\tMerchant\t", b"\tShipped - Delivered to Buyer\tMerchant\t")
    assert delivered != grinder
    assert run(world.store_a, header + b"\n" + delivered + b"\n").orders_updated == 1
    assert Order.objects.get(platform_order_id="113-8812093-1167431").status == "Shipped - Delivered to Buyer"
    rows_read.clear()

    # The cup's row is as it was, but its order is not as the cup's line left it: read again.
    result = run(world.store_a, data)

    assert result.ok and changes(result) == (0, 1, 0, 0)
    assert sorted(rows_read) == ["113-8812093-1167431", "113-8812093-1167431"]
    assert Order.objects.get(platform_order_id="113-8812093-1167431").status == "Shipped"


def test_rows_passed_over_still_take_part_in_the_checks_across_rows(world, rows_read):
    data = REPORT.read_bytes()
    run(world.store_a, data)
    before = snapshot(world.store_a)
    rows_read.clear()
    # A further line of the cup's order that says the order was cancelled: the cup's row (line
    # 3, passed over) says it shipped.
    kettle = (
        CUP_ROW.replace("\tShipped\tMerchant\t", "\tCancelled\tMerchant\t")
        .replace("CUP-12-BLU", "KTL-1L-SS")
        .replace("\tShipped\t1\tUSD\t", "\tCancelled\t0\t\t")
    )

    result = run(world.store_a, data + kettle.encode() + b"\n")

    assert not result.ok
    assert [(error.line, "differ from line 3" in error.message) for error in result.errors] == [(8, True)]
    assert "113-8812093-1167431" not in rows_read[:-1]  # only the new row of that order was read
    assert snapshot(world.store_a) == before


def test_a_refused_re_import_writes_nothing(world, rows_read):
    data = REPORT.read_bytes()
    run(world.store_a, data)
    before = snapshot(world.store_a)
    bad = CUP_ROW.replace("113-8812093-1167431", "113-0000000-0000009").replace("\t1\tUSD\t", "\tone\tUSD\t")

    result = run(world.store_a, data.replace(b"\t7.49\t", b"\t8.49\t") + bad.encode() + b"\n")

    assert not result.ok
    assert [error.line for error in result.errors] == [8]
    assert snapshot(world.store_a) == before


def test_lines_without_fingerprints_are_read_and_given_them_without_counting_as_changes(world, rows_read):
    data = REPORT.read_bytes()
    run(world.store_a, data)
    stored = snapshot(world.store_a)
    # As lines imported before the desk kept fingerprints.
    OrderLine.objects.filter(order__store=world.store_a).update(
        row_digest=None, facts_digest=None, order_digest=None
    )
    rows_read.clear()

    result = run(world.store_a, data)

    assert result.ok and changes(result) == (0, 0, 0, 0)
    assert len(rows_read) == 6
    assert snapshot(world.store_a) == stored  # fingerprints included
    rows_read.clear()
    run(world.store_a, data)
    assert rows_read == []


def test_a_store_whose_time_zone_changed_has_its_rows_read_again(world, rows_read):
    data = REPORT.read_bytes()
    run(world.store_a, data)
    rows_read.clear()
    world.store_a.time_zone = "America/New_York"
    world.store_a.save()

    result = run(world.store_a, data)

    # Dates without an offset would be read in the new zone: every row is read.
    assert result.ok and len(rows_read) == 6 and changes(result) == (0, 0, 0, 0)


def test_a_store_without_orders_is_not_looked_up_until_it_has_some(world, monkeypatch, rows_read):
    """A first import into a store that holds no order asks for no fingerprints (no row can be
    passed over); once the store holds the file's orders, a re-import looks them up and passes
    every row over."""
    store = Store.objects.create(
        name="Charlie Amazon US",
        platform=Platform.AMAZON,
        marketplace="US",
        time_zone="America/Los_Angeles",
        currency="USD",
    )
    looked_up: list[list[int]] = []
    known = importing._Unchanged._known

    def asking(wanted, keys):
        looked_up.append(sorted(wanted))
        return known(wanted, keys)

    monkeypatch.setattr(importing._Unchanged, "_known", staticmethod(asking))
    data = REPORT.read_bytes()

    first = run(store, data)

    assert first.ok and changes(first) == (4, 0, 6, 0) and len(rows_read) == 6
    assert looked_up == []
    rows_read.clear()

    again = run(store, data)

    assert again.ok and changes(again) == (0, 0, 0, 0)
    assert looked_up == [[store.pk]]
    assert rows_read == []


def test_a_first_import_into_an_empty_store_finds_its_own_orders_in_later_batches(world, monkeypatch):
    """In a store that held no order, the orders an import writes are found again by the ids
    it gave them: an order whose rows fall into two batches gets both lines and one total, as
    when the whole file is one batch."""
    data = REPORT.read_bytes()
    whole, in_pairs = amazon_us_store("Delta Amazon US"), amazon_us_store("Echo Amazon US")
    monkeypatch.setattr(importing, "BATCH_ROWS", 1000)
    assert changes(run(whole, data)) == (4, 0, 6, 0)
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)  # the cup (line 3) and the grinder (line 5) apart

    result = run(in_pairs, data)

    assert result.ok and changes(result) == (4, 0, 6, 0)
    fields = ("quantity", "item_price", "item_status")
    assert stored(in_pairs, *fields) == stored(whole, *fields)
    split = [line for line in stored(in_pairs, *fields)[1] if line[0] == "113-8812093-1167431"]
    assert len(split) == 2


def test_a_re_import_costs_the_same_queries_however_many_rows_a_batch_holds(world, monkeypatch):
    data = REPORT.read_bytes()
    run(world.store_a, data)
    monkeypatch.setattr(importing, "BATCH_ROWS", 1000)
    with CaptureQueriesContext(connection) as one_batch:
        run(world.store_a, data)
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)
    with CaptureQueriesContext(connection) as three_batches:
        run(world.store_a, data)
    # Per batch: its orders and their lines' fingerprints (on PostgreSQL, one query compares
    # both); nothing is written but the record.
    per_batch = 1 if connection.vendor == "postgresql" else 2
    assert len(three_batches) - len(one_batch) == 2 * per_batch
    written = [
        q["sql"] for q in one_batch.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "COPY"))
    ]
    assert len(written) == 1 and "orderimport" in written[0]


def test_new_lines_are_stored_exactly_as_written_whatever_their_characters(world):
    # On PostgreSQL new rows go in by COPY, whose text format escapes backslashes and quotes.
    title = 'Tasse émaillée 12 oz "Bleu" \\ 350 ml, 100 % {recyclé}'
    row = CUP_ROW.replace("Enamel Camping Cup 12 oz, Blue", title)
    assert row != CUP_ROW

    result = run(world.store_a, REPORT.read_text().splitlines()[0].encode() + b"\n" + row.encode() + b"\n")

    assert result.ok and changes(result) == (1, 0, 1, 0)
    line = OrderLine.objects.get(order__platform_order_id="113-8812093-1167431")
    assert line.title == title
    assert (line.item_price, line.shipping_price, line.ship_promotion_discount) == (
        Decimal("7.49"),
        Decimal("5.99"),
        Decimal("5.99"),
    )
    assert line.order.purchased_at.isoformat() == "2026-05-05T09:47:03+00:00"


def test_the_order_fingerprints_stay_those_stored_by_earlier_imports():
    """Lines written by earlier versions keep these values: were they to change, every stored
    row would be read again once (READING_VERSION exists for a change meant as such). The
    order fingerprint changed once, when PostgreSQL began to take it (see the next test): the
    lines written before were each read again once, on their next import."""
    facts = importing.OrderFacts(
        "111-0000001-1234567",
        datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles")),
        "Shipped - Delivered to Buyer",
        FulfilmentChannel.PLATFORM,
        "USD",
        "US",
        None,
        datetime(2026, 3, 9, 23, 59, 59, tzinfo=timezone(timedelta(hours=1))),
        "buyer@example.com",
    )
    assert importing._facts_digest(facts) == -1051890905208565471
    # The same moment in another zone, a choice as its enum member: the same fingerprint.
    same = [facts.purchased_at.astimezone(UTC), "Shipped", "seller", "CAD", "", None, None, 42]
    assert importing._order_digest(*same) == 5241988922730971250
    stored = [facts.purchased_at, "Shipped", FulfilmentChannel.SELLER, "CAD", "", None, None, 42]
    assert importing._order_digest(*stored) == 5241988922730971250
    # Each detail counts, and an empty one differs from a missing one.
    assert importing._order_digest(*same[:6], facts.purchased_at, 42) != 5241988922730971250
    assert importing._order_digest(*same[:7], None) != 5241988922730971250


def test_postgresql_takes_each_orders_fingerprint_as_the_import_does(world):
    """A re-import's look-up compares a line's order fingerprint with its order's in the
    database (_order_digest_sql): for each order below both must agree to the bit, or every
    unchanged row would be read again, or (worse) a changed order passed over."""
    if connection.vendor != "postgresql":
        pytest.skip("the fingerprint is taken by PostgreSQL only")
    store = world.store_a
    tokyo = ZoneInfo("Asia/Tokyo")
    details = [
        (
            datetime(2026, 3, 1, 18, 0, tzinfo=UTC),
            "Shipped",
            FulfilmentChannel.PLATFORM,
            "USD",
            "US",
            None,
            None,
        ),
        # Microseconds, a zone ahead of UTC, every moment set, text beyond ASCII.
        (
            datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=tokyo),
            "Shipped – «partiel» 已发货",
            FulfilmentChannel.SELLER,
            "JPY",
            "JP",
            datetime(2026, 12, 2, 0, 0, 0, 1, tzinfo=tokyo),
            datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),  # before 1970: negative
        ),
        (datetime(2026, 6, 7, 8, 9, 10, tzinfo=UTC), "", FulfilmentChannel.SELLER, "EUR", "", None, None),
    ]
    buyer = world.order_a.buyer
    assert buyer is not None
    orders = []
    for number, (purchased, status, channel, currency, country, ship_by, latest) in enumerate(details):
        orders.append(
            Order.objects.create(
                store=store,
                platform_order_id=f"FP-{number}",
                purchased_at=purchased,
                status=status,
                fulfilment_channel=channel,
                currency=currency,
                ship_country=country,
                ship_by=ship_by,
                latest_delivery=latest,
                buyer=buyer if number == 1 else None,
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.id, {importing._order_digest_sql('o')} FROM disputes_order AS o WHERE o.id = ANY(%s)",
            [[order.pk for order in orders]],
        )
        taken_there = dict(cursor.fetchall())
    stored = Order.objects.filter(pk__in=taken_there).values_list("pk", *importing.ORDER_FIELDS)
    taken_here = {pk: importing._order_digest(*values) for pk, *values in stored}
    assert len(taken_here) == 3
    assert taken_there == taken_here
    assert len(set(taken_here.values())) == 3


def test_each_line_keeps_the_fingerprint_of_its_rows_cells_as_csv_cuts_them(world):
    # The rows are fingerprinted from their line's text; the fingerprint is that of the cells
    # csv reads from the line (as when rows were cut first), joined by U+001F.
    import csv

    assert run(world.store_a, REPORT.read_bytes()).ok
    reader = csv.reader(io.StringIO(REPORT.read_text(), newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    columns = next(reader)
    fmt = importing.AmazonAllOrders(world.store_a)
    unchanged = importing._Unchanged(
        importing._Import(
            store=world.store_a, file=io.BytesIO(), file_name="", user=None, encoding="utf-8", others=[]
        ),
        fmt,
        columns,
    )
    expected = {}
    for cells in reader:
        order_id, sku = cells[columns.index("amazon-order-id")], cells[columns.index("sku")]
        key = sku if (order_id, sku) not in expected else f"{sku} #2"
        expected[(order_id, key)] = unchanged.digest(world.store_a, "\x1f".join(cells), world.store_a.pk)
    stored = {
        (order_id, key): digest
        for order_id, key, digest in OrderLine.objects.filter(order__store=world.store_a).values_list(
            "order__platform_order_id", "line_key", "row_digest"
        )
    }
    assert len(stored) == 6 and all(stored.values())
    assert stored == expected


def test_an_order_whose_rows_fall_into_batches_one_after_another_ends_as_if_read_in_one(world, monkeypatch):
    """Each batch is looked up before the batch just before it is written (PostgreSQL: while
    the query thread writes that one): an order both share is taken as the earlier batch
    leaves it. With one row a batch, in stores that already hold orders, a first import and a
    re-import that changes the order's status and one line's price end exactly as the same
    files read in one batch, with the same counts."""
    stores = []
    for name in ("Delta Amazon US", "Echo Amazon US"):
        store = amazon_us_store(name)
        # An order of its own, so that the store is looked up by order id, not as empty.
        Order.objects.create(
            store=store,
            platform_order_id="111-0000000-0000001",
            purchased_at=datetime(2026, 4, 1, tzinfo=UTC),
        )
        stores.append(store)
    in_one, row_by_row = stores

    def both(data: bytes) -> tuple:
        monkeypatch.setattr(importing, "BATCH_ROWS", 1000)
        whole = run(in_one, data)
        monkeypatch.setattr(importing, "BATCH_ROWS", 1)
        split = run(row_by_row, data)
        assert whole.ok and split.ok
        fields = ("item_price", "facts_digest", "order_digest")
        assert stored(row_by_row, *fields) == stored(in_one, *fields)
        return changes(whole), changes(split)

    # The report with order 113-8812093-1167431's two rows (lines 3 and 5) next to each other.
    lines = REPORT.read_bytes().split(b"\n")
    lines.insert(3, lines.pop(4))
    assert [line[:19] for line in lines[2:4]] == [b"113-8812093-1167431"] * 2
    first = b"\n".join(lines)
    assert both(first) == ((4, 0, 6, 0), (4, 0, 6, 0))
    total_before = Order.objects.get(store=row_by_row, platform_order_id="113-8812093-1167431").total
    # Order 113-8812093-1167431 (lines 3 and 5 of the file): delivered now, the cup dearer.
    text = first.decode()
    changed = "\n".join(
        line.replace("\tShipped\tMerchant\t", "\tShipped - Delivered to Buyer\tMerchant\t").replace(
            "\t7.49\t", "\t8.49\t"
        )
        if line.startswith("113-8812093-1167431")
        else line
        for line in text.split("\n")
    )
    assert changed.count("Shipped - Delivered to Buyer\tMerchant") == 3  # the two rows, and order 114's

    assert both(changed.encode()) == ((0, 1, 0, 1), (0, 1, 0, 1))
    order = Order.objects.get(store=row_by_row, platform_order_id="113-8812093-1167431")
    assert (order.status, order.total) == ("Shipped - Delivered to Buyer", total_before + 1)
