"""The Amazon connector against a fake Selling Partner API on loopback (tests/fakes/amazon_api.py):
the real client talks HTTP to it, through the real sync."""

import json
import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from django.db import connection as db_connection

from connectors import sync
from connectors.models import Connection, ConnectionState, SyncCursor
from connectors.platforms.amazon import Amazon
from disputes.models import ImportJob, ImportSource, Order, OrderLine

from .fakes.amazon_api import amazon_api, stamp

pytestmark = pytest.mark.django_db

KEY = Fernet.generate_key().decode()


@pytest.fixture
def api(settings):
    with amazon_api() as fake:
        settings.DESK_CONNECTOR_BASE_URLS = {"amazon": fake.base, "amazon_auth": fake.base}
        settings.DESK_CONNECTOR_MAX_WAIT = 0.01
        settings.DESK_CONNECTOR_KEYS = [KEY]
        yield fake


def connect(store, api, **secrets) -> Connection:
    connection = Connection(store=store, settings={"client_id": api.client_id})
    connection.keep_secrets(
        {"client_secret": api.client_secret, "refresh_token": api.refresh_token, **secrets}
    )
    connection.save()
    return connection


def orders_of(store) -> dict[str, Order]:
    return {order.platform_order_id: order for order in Order.objects.filter(store=store)}


def test_check_says_which_seller_and_marketplaces_the_credentials_reach(world, api):
    connection = connect(world.store_a, api)
    ok, words = sync.check_connection(connection)
    assert ok, words
    assert words == "Connected as seller Trailhead Goods (Amazon.com)"
    assert api.count("getMarketplaceParticipations") == 1


def test_a_revoked_refresh_token_is_told_in_words_and_leaks_nothing(world, api, caplog):
    connection = connect(world.store_a, api)
    api.revoked = True
    with caplog.at_level(logging.DEBUG):
        ok, words = sync.check_connection(connection)
        result = sync.sync_connection(connection)
    assert not ok
    assert words == "Amazon refused the credentials (invalid_grant): connect the store again."
    connection.refresh_from_db()
    assert result.outcome == "failed" and connection.state == ConnectionState.FAILING
    assert connection.last_error == words
    # The secrets are sealed in the database and never logged.
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM connectors_connection WHERE id = %s", [connection.pk])
        (stored,) = cursor.fetchone()
    assert stored and api.refresh_token not in stored and api.client_secret not in stored
    assert connection.secrets()["refresh_token"] == api.refresh_token
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "invalid_grant" in logged  # the failure itself was logged…
    assert api.refresh_token not in logged and api.client_secret not in logged  # …without a secret


def test_first_sync_writes_orders_with_items_a_second_changes_nothing_a_change_arrives(world, api):
    ids = [api.add_order(lines=[("MUG-1", 2, "12.50"), ("CUP-2", 1, "7.49")]) for _ in range(3)]
    ids += [api.add_order() for _ in range(240)]
    pending = api.add_order(status="Pending", lines=[("BTL-750", 1, "24.99")])
    connection = connect(world.store_a, api)

    first = sync.sync_connection(connection)
    assert first.outcome == "synced", first.error
    orders = orders_of(world.store_a)
    assert set(ids + [pending]) <= set(orders)
    mug = orders[ids[0]]
    assert sorted(mug.lines.values_list("sku", "quantity", "item_price", "item_status")) == [
        ("CUP-2", 1, Decimal("7.49"), "Shipped"),
        ("MUG-1", 2, Decimal("25.00"), "Shipped"),
    ]
    assert mug.status == "Shipped" and mug.currency == "USD" and mug.ship_by is not None
    assert orders[pending].status == "Pending" and orders[pending].currency == "USD"
    # Not paid yet: Amazon gives no prices, and the line costs nothing until it does.
    assert list(orders[pending].lines.values_list("sku", "item_price")) == [("BTL-750", Decimal("0.00"))]
    # 244 orders: three pages of getOrders (100 a page), one getOrderItems each.
    assert api.count("getOrders") == 3 and api.count("getOrderItems") == 244
    window = json.loads(SyncCursor.objects.get(connection=connection, stream="orders").value)
    assert set(window) == {"after"}

    lines_before = OrderLine.objects.filter(order__store=world.store_a).count()
    second = sync.sync_connection(connection)
    assert second.outcome == "synced" and second.written.changed == 0
    assert OrderLine.objects.filter(order__store=world.store_a).count() == lines_before

    api.change(pending, status="Unshipped")
    api.change(ids[1], status="Canceled")
    api.advance(minutes=3)  # past Amazon's two-minute settling time
    third = sync.sync_connection(connection)
    assert third.outcome == "synced", third.error
    orders = orders_of(world.store_a)
    assert orders[pending].status == "Unshipped"
    assert list(orders[pending].lines.values_list("item_price", flat=True)) == [Decimal("24.99")]
    assert orders[ids[1]].status == "Cancelled"
    assert set(orders[ids[1]].lines.values_list("item_status", flat=True)) == {"Cancelled"}
    assert third.written.counts["orders_updated"] == 2 and not third.written.counts["orders_created"]


def test_a_429_storm_a_503_blip_and_an_expired_token_are_survived(world, api):
    ids = [api.add_order() for _ in range(150)]
    connection = connect(world.store_a, api)
    api.storm("getOrders", 5, retry_after="0")
    api.storm("getOrderItems", 3)
    api.blip("getOrders", 2)
    first = sync.sync_connection(connection)
    assert first.outcome == "synced", first.error
    assert set(ids) <= set(orders_of(world.store_a))
    assert api.count("getOrders") == 2 + 5 + 2  # two pages, each refused call asked again

    api.expire_tokens()
    tokens_before = len(api.tokens)
    api.change(ids[0], status="Canceled")
    api.advance(minutes=3)
    second = sync.sync_connection(connection)
    assert second.outcome == "synced", second.error
    assert len(api.tokens) == tokens_before + 1  # one new token, bought once
    assert orders_of(world.store_a)[ids[0]].status == "Cancelled"


def test_a_storm_longer_than_the_retries_fails_the_sync_in_words_and_the_next_one_goes_on(world, api):
    ids = [api.add_order() for _ in range(150)]
    connection = connect(world.store_a, api)
    api.storm("getOrders", 1)
    sync.sync_connection(connection)  # reads both pages
    api.add_order()
    api.advance(minutes=3)
    api.storm("getOrders", 50)
    failed = sync.sync_connection(connection)
    connection.refresh_from_db()
    assert failed.outcome == "failed"
    assert connection.last_error.startswith("Amazon kept refusing requests as too many (429)")
    api.storms.clear()
    again = sync.sync_connection(connection)
    assert (
        again.outcome == "synced"
        and len(set(orders_of(world.store_a)) - {world.order_a.platform_order_id}) == len(ids) + 1
    )


def test_a_sync_cut_short_resumes_at_its_last_page_with_nothing_twice(world, api):
    ids = [api.add_order() for _ in range(250)]
    connection = connect(world.store_a, api)
    api.polls_until_done = 99  # the All Orders report stays out of this
    # The third page's call keeps failing: the first two pages are written, their cursor kept.
    api.blip_after("getOrders", calls=2, times=10)
    cut = sync.sync_connection(connection)
    assert cut.outcome == "failed"
    assert len(set(orders_of(world.store_a)) & set(ids)) == 200
    window = json.loads(SyncCursor.objects.get(connection=connection, stream="orders").value)
    assert window["token"]

    api.blips.clear()
    resumed = sync.sync_connection(connection)
    assert resumed.outcome == "synced", resumed.error
    assert set(ids) <= set(orders_of(world.store_a))
    assert resumed.written.counts["orders_created"] == 50
    assert Order.objects.filter(store=world.store_a, platform_order_id__in=ids).count() == 250


def test_the_all_orders_report_goes_through_the_importer(world, api):
    ids = [api.add_order(lines=[("MUG-1", 1, "12.50")]) for _ in range(5)]
    connection = connect(world.store_a, api)
    api.polls_until_done = 2

    first = sync.sync_connection(connection)
    assert first.outcome == "synced", first.error
    assert api.count("createReport") == 1 and api.count("getReport") == 1
    assert not ImportJob.objects.filter(store=world.store_a).exists()  # Amazon is building it

    second = sync.sync_connection(connection)
    assert second.outcome == "synced", second.error
    assert api.count("createReport") == 1 and api.count("getReport") == 2
    job = ImportJob.objects.get(store=world.store_a)
    assert job.source == ImportSource.API and job.rows_read == 5
    assert job.result["ok"] is True
    # The Orders API had written them already: the report changed nothing.
    assert job.result["orders_created"] == 0
    assert set(ids) <= set(orders_of(world.store_a))

    # The next report is asked for a day later, not at every sync.
    sync.sync_connection(connection)
    assert api.count("createReport") == 1
    state = json.loads(SyncCursor.objects.get(connection=connection, stream="all_orders_report").value)
    assert "report" not in state and state["next_at"]


def test_an_order_only_in_the_report_is_imported_from_it(world, api):
    connection = connect(world.store_a, api)
    api.polls_until_done = 1
    sync.sync_connection(connection)
    # An order the Orders API window has passed, which the report still lists.
    late = api.add_order(lines=[("LAMP-3", 2, "30.00")], updated=api.now() - timedelta(days=2))
    # The next report is due, and reads three days back.
    SyncCursor.objects.filter(connection=connection, stream="all_orders_report").update(
        value=json.dumps({"since": stamp(api.now() - timedelta(days=3))})
    )
    sync.sync_connection(connection)
    order = orders_of(world.store_a)[late]
    assert list(order.lines.values_list("sku", "quantity", "item_price")) == [("LAMP-3", 2, Decimal("60.00"))]


def test_amazon_is_registered_for_amazon_stores(world, api):
    connection = connect(world.store_a, api)
    assert isinstance(sync.platform_for(connection), Amazon)


def test_a_manager_connects_an_amazon_store_from_its_page_and_tests_it(world, api, manager_client):
    from django.urls import reverse

    save = reverse("connectors:connection_save", args=[world.store_a.pk])
    answer = manager_client.post(
        save,
        {
            "client_id": api.client_id,
            "client_secret": api.client_secret,
            "refresh_token": api.refresh_token,
            "interval": "15",
        },
    )
    assert answer.status_code == 302
    connection = Connection.objects.get(store=world.store_a)
    assert connection.settings["client_id"] == api.client_id
    assert connection.secrets() == {"client_secret": api.client_secret, "refresh_token": api.refresh_token}
    page = manager_client.get(reverse("connectors:connection", args=[world.store_a.pk])).text
    assert 'name="refresh_token"' in page and api.refresh_token not in page and api.client_secret not in page

    tested = manager_client.post(
        reverse("connectors:connection_test", args=[world.store_a.pk]), headers={"HX-Request": "true"}
    )
    assert "Connected as seller Trailhead Goods (Amazon.com)" in tested.text
