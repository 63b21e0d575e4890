"""Where an order import's queries run: on PostgreSQL, in a thread of their own that borrows the
import's connection (so the next batch is parsed while the server writes one), still in the
import's one transaction; and the look-ups by key behind them."""

import io
import sys
import threading
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from disputes import importing
from disputes.importing import _keyed_values, import_orders
from disputes.models import Order, OrderImport, OrderLine

REPORT = Path(__file__).parent / "reports" / "amazon-us-split-cancelled-mcf.txt"

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the queries run beside the parsing on PostgreSQL only"
)


def dangling_line(order_id: int) -> OrderLine:
    """A line naming an order that does not exist (yet)."""
    return OrderLine.objects.create(
        order_id=order_id, line_key="GHOST", sku="GHOST", quantity=1, item_price=1
    )


def run(store) -> importing.ImportResult:
    return import_orders(
        store=store, file=io.BytesIO(REPORT.read_bytes()), file_name="All Orders.txt", others=[store]
    )


# How fast the interpreter passed between threads while each batch was written (`writes`).
switch_intervals: list[float] = []
# PostgreSQL's `jit` setting while each batch was written (`writes`).
jit_settings: list[str] = []


@pytest.fixture
def writes(monkeypatch) -> list[str]:
    """The name of the thread each batch's writes ran in (each still written for real)."""
    threads: list[str] = []
    switch_intervals.clear()
    jit_settings.clear()
    apply = importing._Writer._apply

    def writing(self, plan):
        threads.append(threading.current_thread().name)
        switch_intervals.append(sys.getswitchinterval())
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('jit')")
            jit_settings.append(cursor.fetchone()[0])
        return apply(self, plan)

    monkeypatch.setattr(importing._Writer, "_apply", writing)
    return threads


@on_postgresql
def test_the_batches_are_written_by_the_query_thread_inside_the_imports_transaction(
    world, writes, monkeypatch
):
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)  # the report's 6 rows: three batches
    switch_interval = sys.getswitchinterval()
    assert switch_interval > importing.HAND_OFF_SECONDS

    first = run(world.store_a)

    assert first.ok and (first.orders_created, first.lines_created) == (4, 6)
    assert writes == ["order-import-queries"] * 3
    assert threading.current_thread().name not in writes
    # The threads handed over quickly while the import ran, and as before once it ended.
    assert switch_intervals == [importing.HAND_OFF_SECONDS] * 3
    assert sys.getswitchinterval() == switch_interval
    # Written in the transaction the test's own connection sees, and found again by the
    # look-ups of the next import (asked for a batch ahead): no row is read again, so no
    # batch is handed to a writer.
    assert OrderLine.objects.filter(order__store=world.store_a, row_digest__isnull=False).count() == 6
    again = run(world.store_a)
    assert again.ok and again.rows == 6 and len(writes) == 3
    assert (again.orders_created, again.orders_updated, again.lines_created, again.lines_updated) == (
        0,
        0,
        0,
        0,
    )
    # The thread is gone and the connection is this thread's alone again.
    assert not any(thread.name == "order-import-queries" for thread in threading.enumerate())
    assert not connection.allow_thread_sharing


@on_postgresql
def test_the_imports_queries_are_not_compiled_and_the_callers_setting_comes_back(world, writes, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")

    assert run(world.store_a).ok

    assert jit_settings == ["off"] * 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')")
        assert cursor.fetchone()[0] == "on"


@on_postgresql
def test_a_batch_that_fails_in_the_query_thread_fails_the_import_and_leaves_nothing(world, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)
    apply = importing._Writer._apply
    calls = []

    def failing(self, plan):
        calls.append(len(plan.rows))
        if len(calls) == 2:
            raise RuntimeError("the server went away")
        return apply(self, plan)

    monkeypatch.setattr(importing._Writer, "_apply", failing)
    before = list(Order.objects.filter(store=world.store_a).values_list("pk", flat=True))
    assert before  # the world's own order

    switch_interval = sys.getswitchinterval()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')")
        jit = cursor.fetchone()[0]

    with pytest.raises(RuntimeError, match="the server went away"):
        run(world.store_a)

    assert sys.getswitchinterval() == switch_interval
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')")
        assert cursor.fetchone()[0] == jit

    # The first batch was written, then rolled back with the rest; the third never ran.
    assert calls == [2, 2]
    assert list(Order.objects.filter(store=world.store_a).values_list("pk", flat=True)) == before
    assert not OrderLine.objects.filter(order__store=world.store_a, row_digest__isnull=False).exists()
    assert not OrderImport.objects.filter(store=world.store_a).exists()
    assert not connection.allow_thread_sharing


def test_lines_looked_up_by_their_orders_come_once_each_even_for_an_order_asked_twice(world):
    assert run(world.store_a).ok
    orders = dict(Order.objects.filter(store=world.store_a).values_list("platform_order_id", "pk"))
    split = orders["113-8812093-1167431"]  # the cup and the cancelled grinder
    assert OrderLine.objects.filter(order_id=split).count() == 2

    found = _keyed_values(OrderLine, ["order_id", "line_key"], "order_id", [split, split, *orders.values()])

    assert len(found) == len(set(found)) == OrderLine.objects.filter(order__store=world.store_a).count() == 6
    by_key = _keyed_values(
        Order, ["platform_order_id"], "platform_order_id", [*orders, *orders], store_id=world.store_a.pk
    )
    assert sorted(by_key) == sorted((key,) for key in orders)


@on_postgresql
def test_an_import_checks_its_foreign_keys_as_it_writes_and_leaves_them_deferred_for_the_caller(world):
    missing = (Order.objects.aggregate(top=Max("pk"))["top"] or 0) + 1000
    # Checked as written, a line naming a missing order is refused by its own statement...
    importing._check_keys_as_written(immediate=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        dangling_line(missing)
    importing._check_keys_as_written(immediate=False)
    # ...deferred (Django's default), only at commit.
    dangling_line(missing).delete()

    assert run(world.store_a).ok

    # After the import the caller's transaction checks its keys at commit again: a line may
    # still be written before its order (removed here before the test's transaction ends).
    dangling_line(missing).delete()
