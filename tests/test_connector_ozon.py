"""A store connected to Ozon: postings, returns and buyer chats arrive through the real client
talking HTTP to a local stand-in of the Seller API (tests/fakes/ozon_api.py)."""

import logging
import signal
from datetime import UTC, datetime, timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection as db

from connectors import sync
from connectors.models import Connection, ConnectionState, FailedRecord, SyncCursor
from disputes.models import Claim, ClaimStatus, Order, Reason, SetAside, SetAsideKind, Store
from messaging.models import Direction, Message, ReplyState
from tests.fakes import ozon_api
from tests.fakes.ozon_api import (
    API_KEY,
    CLIENT_ID,
    FakeOzon,
    a_return,
    chat_message,
    fbo_posting,
    posting,
    serving,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ozon(settings):
    with serving() as fake:
        settings.DESK_CONNECTOR_BASE_URLS = {"ozon": fake.base}
        settings.DESK_CONNECTOR_MAX_WAIT = 0.02
        yield fake


def connect(store: Store, api_key: str = API_KEY) -> Connection:
    connection = Connection(store=store, settings={"client_id": CLIENT_ID})
    connection.keep_secrets({"api_key": api_key})
    connection.save()
    return connection


def stocked(fake: FakeOzon) -> FakeOzon:
    fake.fbs = [posting("12345678-0001-1"), posting("12345679-0001-1", tracking_number="RU555")]
    fake.fbo = [fbo_posting("22345678-0001-1")]
    fake.returns = [a_return(9001, "12345678-0001-1")]
    fake.add_chat(
        "chat-a",
        [
            chat_message(30001, "Здравствуйте, где мой заказ?", order_number="12345679-0001"),
            chat_message(
                30002, "Добрый день, заказ уже в пути.", user_type="Seller", order_number="12345679-0001"
            ),
            chat_message(30003, "Спасибо, а когда приедет?", order_number="12345679-0001"),
        ],
    )
    return fake


def test_check_names_the_seller_account(world, ozon):
    ok, words = sync.check_connection(connect(world.store_b))
    assert ok and "ООО «Ромашка»" in words and CLIENT_ID in words


def test_first_sync_brings_orders_returns_and_chats_and_a_second_changes_nothing(world, ozon):
    stocked(ozon)
    connection = connect(world.store_b)
    first = sync.sync_connection(connection)
    assert first.outcome == "synced", first.error
    orders = Order.objects.filter(store=world.store_b)
    assert set(orders.values_list("platform_order_id", "fulfilment_channel", "status")) == {
        ("12345678-0001-1", "seller", "unshipped"),
        ("12345679-0001-1", "seller", "unshipped"),
        ("22345678-0001-1", "platform", "shipped"),
    }
    assert orders.get(platform_order_id="12345679-0001-1").shipments.get().tracking_number == "RU555"
    claim = Claim.objects.get(store=world.store_b, platform_claim_id="9001")
    assert claim.kind == "ozon_dispute" and claim.reason == Reason.DAMAGED
    # No deadline from Ozon: the store's rule (24 hours for an Ozon dispute) set it.
    assert claim.respond_by == claim.opened_at + timedelta(hours=24)
    messages = Message.objects.filter(store=world.store_b).order_by("at", "pk")
    assert [m.direction for m in messages] == [Direction.FROM_BUYER, Direction.TO_BUYER, Direction.FROM_BUYER]
    assert messages.last().reply_state == ReplyState.AWAITING
    connection.refresh_from_db()
    assert connection.state == ConnectionState.OK and connection.last_success_at and not connection.last_error
    assert connection.next_sync_at > connection.last_success_at

    second = sync.sync_connection(connection)
    assert second.outcome == "synced" and second.written.changed == 0, second.written.counts
    assert Order.objects.filter(store=world.store_b).count() == 3
    assert Message.objects.filter(store=world.store_b).count() == 3


def test_changes_on_ozon_arrive_on_the_next_sync(world, ozon):
    stocked(ozon)
    connection = connect(world.store_b)
    sync.sync_connection(connection)
    now = datetime.now(UTC)
    ozon.fbs[0].update(status="delivered", _changed=now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    ozon.returns[0] = a_return(9001, "12345678-0001-1", status="ReturnedToSeller", changed=now)
    ozon.chats["chat-a"]["messages"].append(
        chat_message(30004, "Заказ получил, спасибо!", order_number="12345679-0001", at=now)
    )
    result = sync.sync_connection(connection)
    assert result.outcome == "synced"
    assert Order.objects.get(platform_order_id="12345678-0001-1").status == "delivered"
    claim = Claim.objects.get(platform_claim_id="9001")
    assert claim.status == ClaimStatus.DECIDED and claim.outcome == "refunded"
    assert Message.objects.filter(store=world.store_b, body="Заказ получил, спасибо!").count() == 1
    assert result.written.counts["messages_received"] == 1 and result.written.counts["claims_decided"] == 1


def test_a_storm_of_429s_and_server_blips_are_waited_out(world, ozon):
    stocked(ozon)
    ozon.throttle(5, retry_after="1")
    connection = connect(world.store_b)
    result = sync.sync_connection(connection)
    assert result.outcome == "synced", result.error
    ozon.blip(2)
    ozon.throttle(
        3, retry_after=(datetime.now(UTC) + timedelta(seconds=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    )
    assert sync.sync_connection(connection).outcome == "synced"
    assert Order.objects.filter(store=world.store_b).count() == 3
    # Each refused request was asked again, not given up on: the first one five times more.
    assert ozon.paths()[:6] == ["/v3/posting/fbs/list"] * 6


def test_bad_credentials_fail_that_store_in_words_and_not_another(world, ozon):
    stocked(ozon)
    other = Store.objects.create(
        name="Charlie Ozon RU", platform="ozon", marketplace="RU", time_zone="Europe/Moscow", currency="RUB"
    )
    broken = connect(world.store_b, api_key="revoked-key")
    working = connect(other)
    assert sync.sync_connection(broken).outcome == "failed"
    assert sync.sync_connection(working).outcome == "synced"
    broken.refresh_from_db()
    assert broken.state == ConnectionState.FAILING
    assert (
        broken.last_error
        == "Ozon refused the credentials (403 Invalid Api-Key, please contact support): connect the store again."
    )
    assert not Order.objects.filter(store=world.store_b).exists()
    assert Order.objects.filter(store=other).count() == 3
    ok, words = sync.check_connection(broken)
    assert not ok and "refused the credentials" in words


def test_a_sync_cut_short_resumes_after_the_last_page_written(world, ozon, monkeypatch):
    ozon.fbs = [posting(f"{50000000 + i}-0001-1") for i in range(5)]
    monkeypatch.setattr("connectors.platforms.ozon.POSTINGS_PAGE", 2)
    connection = connect(world.store_b)
    original = FakeOzon._fbs_list

    def down_after_two_pages(fake, body):
        # Ozon goes down for good once two pages were given: the third request and its retries fail.
        if body["offset"] == 2 and not getattr(fake, "recovered", False):
            fake.blip(10)
        return original(fake, body)

    monkeypatch.setitem(ozon_api.ROUTES, "/v3/posting/fbs/list", down_after_two_pages)
    assert sync.sync_connection(connection).outcome == "failed"
    # The pages written stay written, and the cursor says so.
    assert Order.objects.filter(store=world.store_b).count() == 4
    assert '"at": 4' in SyncCursor.objects.get(connection=connection, stream="fbs_postings").value
    ozon.recovered = True
    ozon.blip(0)
    ozon.requests.clear()
    assert sync.sync_connection(connection).outcome == "synced"
    assert Order.objects.filter(store=world.store_b).count() == 5
    # The next sync asked for the rest only.
    assert [body["offset"] for path, body in ozon.requests if path == "/v3/posting/fbs/list"] == [4]


def test_a_return_of_an_unknown_posting_is_set_aside_and_written_on_retry(world, ozon):
    ozon.returns = [a_return(9100, "77777777-0001-1")]
    connection = connect(world.store_b)
    assert sync.sync_connection(connection).outcome == "synced"
    kept = FailedRecord.objects.get(connection=connection, platform_id="9100")
    entry = SetAside.objects.get(kind=SetAsideKind.CONNECTOR_RECORD, subject_id=kept.pk)
    assert entry.store == world.store_b and "77777777-0001-1" in entry.reason
    ozon.fbs = [posting("77777777-0001-1", changed=datetime.now(UTC))]
    sync.sync_connection(connection)
    assert sync.write_again(kept.pk) == "written"
    assert Claim.objects.filter(store=world.store_b, platform_claim_id="9100").exists()
    assert not FailedRecord.objects.filter(pk=kept.pk).exists()


def test_credentials_are_unreadable_in_the_database_and_absent_from_logs(world, ozon, caplog):
    stocked(ozon)
    caplog.set_level(logging.DEBUG)
    connection = connect(world.store_b)
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT credentials, settings FROM connectors_connection WHERE id = %s", [connection.pk]
        )
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert stored and API_KEY not in stored and API_KEY[:12] not in stored
    assert connection.secrets() == {"api_key": API_KEY}
    sync.sync_connection(connection)
    ozon.api_key = "a-new-key"  # the seller revoked it: the sync fails and says so
    sync.sync_connection(connection)
    connection.refresh_from_db()
    assert connection.last_error and API_KEY not in connection.last_error
    assert "sync of store" in caplog.text  # the log was written…
    assert API_KEY not in caplog.text  # …without the key


def test_a_sync_past_its_time_limit_keeps_whole_pages_and_is_due_again_at_once(world, ozon, monkeypatch):
    """Celery's soft limit raises SoftTimeLimitExceeded in the task from a signal handler; the same
    happens here while the sync waits for a page Ozon holds back."""
    ozon.fbs = [posting(f"{70000000 + i}-0001-1") for i in range(5)]
    monkeypatch.setattr("connectors.platforms.ozon.POSTINGS_PAGE", 2)
    released = ozon.hold("/v3/posting/fbs/list", after=2)
    connection = connect(world.store_b)

    def soft_limit(signum, frame):
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, soft_limit)
    signal.setitimer(signal.ITIMER_REAL, 1.5)
    try:
        result = sync.sync_connection(connection)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        released.set()
    assert result.outcome == "stopped" and result.pages == 2
    assert Order.objects.filter(store=world.store_b).count() == 4
    connection.refresh_from_db()
    assert (
        connection.lease_until is None and connection.last_success_at is None and connection.last_error == ""
    )
    assert connection.next_sync_at <= connection.last_attempt_at + timedelta(seconds=10)
    assert not FailedRecord.objects.exists()  # the time running out set no record aside
    ozon._holds.clear()
    assert sync.sync_connection(connection).outcome == "synced"
    assert Order.objects.filter(store=world.store_b).count() == 5
