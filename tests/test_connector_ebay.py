"""eBay connected through its APIs, against a fake eBay on loopback: orders, returns, inquiries and
cases arrive as orders and claims with eBay's own respond-by times, a second sync changes nothing,
changes on eBay arrive, throttling and an expired token are survived, a run cut short resumes
without duplicates, and the seller's answers go to eBay before the desk records them."""

import json
import logging
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.urls import reverse
from django.utils import timezone

from connectors.models import ActionState, Connection, PlatformAction, SyncCursor
from connectors.outbox import platform_actions_send
from connectors.platforms import ebay_actions
from connectors.platforms.ebay_actions import ActionRefused, actions_for, ask, card
from connectors.sync import check_connection, sync_connection
from connectors.tasks import sync_store
from disputes import setaside
from disputes.models import (
    Claim,
    ClaimEvent,
    ClaimStatus,
    Membership,
    Order,
    Outcome,
    Platform,
    Reason,
    Role,
    SetAside,
    SetAsideKind,
    Shipment,
    Store,
)
from tests.conftest import client_for
from tests.fakes.ebay_api import EbayState, running_ebay
from tests.worker import celery_worker, wait_for

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def ebay(settings) -> Iterator[EbayState]:
    with running_ebay() as (base, state):
        settings.DESK_CONNECTOR_BASE_URLS = {"ebay": base}
        settings.DESK_CONNECTOR_MAX_WAIT = 0.01
        yield state


@pytest.fixture
def store(world) -> Store:
    store = Store.objects.create(
        name="Charlie eBay US",
        platform=Platform.EBAY,
        marketplace="US",
        time_zone="America/New_York",
        currency="USD",
    )
    Membership.objects.create(user=world.manager_a, store=store, role=Role.MANAGER)
    Membership.objects.create(user=world.agent_a, store=store, role=Role.AGENT)
    return store


def connect(store: Store, ebay: EbayState, refresh_token: str | None = None) -> Connection:
    connection = Connection(store=store, settings={"client_id": ebay.client_id})
    connection.keep_secrets(
        {
            "client_secret": ebay.client_secret,
            "refresh_token": refresh_token or next(iter(ebay.refresh_tokens)),
        }
    )
    connection.save()
    return connection


def seed(ebay: EbayState) -> None:
    """Four orders (one shipped); a damaged-item return, an INR inquiry and a case from a return."""
    for n in range(1, 5):
        ebay.add_order(f"12-0000{n}-11111", created=NOW - timedelta(days=6, hours=n))
    ebay.ship(
        "12-00001-11111", carrier="USPS", tracking="9400111899223197428490", shipped=NOW - timedelta(days=5)
    )
    ebay.touch("12-00001-11111", NOW - timedelta(days=5))
    ebay.add_return(
        "5000000001",
        order_id="12-00001-11111",
        created=NOW - timedelta(days=2),
        respond_by=NOW + timedelta(days=1),
    )
    ebay.add_inquiry(
        "5100000002",
        order_id="12-00002-11111",
        created=NOW - timedelta(days=1),
        respond_by=NOW + timedelta(days=2),
    )
    ebay.add_case(
        "5200000003",
        order_id="12-00003-11111",
        created=NOW - timedelta(days=1),
        respond_by=NOW + timedelta(days=3),
        case_type="RETURN",
    )


def snapshot(store: Store) -> tuple:
    return (
        list(
            Order.objects.filter(store=store).order_by("pk").values_list("pk", "platform_order_id", "status")
        ),
        list(
            Claim.objects.filter(store=store)
            .order_by("pk")
            .values_list("pk", "platform_claim_id", "status", "respond_by", "outcome", "version")
        ),
        ClaimEvent.objects.filter(claim__store=store).count(),
        Shipment.objects.filter(order__store=store).count(),
    )


def test_check_names_the_seller(store, ebay):
    seed(ebay)
    ok, words = check_connection(connect(store, ebay))
    assert ok, words
    assert "alpha_goods" in words


def test_first_sync_brings_orders_shipments_and_claims_with_ebays_respond_by(store, ebay):
    seed(ebay)
    result = sync_connection(connect(store, ebay))
    assert result.outcome == "synced", result.error
    assert set(Order.objects.filter(store=store).values_list("platform_order_id", flat=True)) == {
        f"12-0000{n}-11111" for n in range(1, 5)
    }
    shipped = Order.objects.get(store=store, platform_order_id="12-00001-11111")
    assert list(shipped.shipments.values_list("tracking_number", flat=True)) == ["9400111899223197428490"]
    claims = {c.platform_claim_id: c for c in Claim.objects.filter(store=store)}
    assert set(claims) == {"return-5000000001", "inr-5100000002", "case-5200000003"}
    returned = claims["return-5000000001"]
    assert returned.order == shipped
    assert returned.reason == Reason.DAMAGED
    assert returned.respond_by == NOW + timedelta(days=1)
    assert str(returned.amount) == "19.99"
    assert claims["inr-5100000002"].reason == Reason.NOT_RECEIVED
    assert claims["inr-5100000002"].respond_by == NOW + timedelta(days=2)
    assert claims["inr-5100000002"].order.platform_order_id == "12-00002-11111"
    assert claims["case-5200000003"].respond_by == NOW + timedelta(days=3)
    # Post-Order calls carry the token as IAF, Fulfillment calls as Bearer.
    assert all(c.authorization.startswith("IAF ") for c in ebay.api_calls("/post-order/"))
    assert all(c.authorization.startswith("Bearer ") for c in ebay.api_calls("/sell/"))


def test_a_second_sync_changes_nothing(store, ebay):
    seed(ebay)
    connection = connect(store, ebay)
    sync_connection(connection)
    before = snapshot(store)
    result = sync_connection(connection)
    assert result.outcome == "synced", result.error
    assert result.written.changed == 0
    assert snapshot(store) == before


def test_changes_on_ebay_arrive_on_the_next_sync(store, ebay):
    seed(ebay)
    connection = connect(store, ebay)
    sync_connection(connection)
    # A new order; the buyer asks eBay to step into the inquiry; eBay closes the case for the seller.
    ebay.add_order("12-00009-11111", created=datetime.now(UTC))
    ebay.escalate_inquiry("5100000002", respond_by=NOW + timedelta(days=4))
    ebay.close_case("5200000003", seller_won=True)
    result = sync_connection(connection)
    assert result.outcome == "synced", result.error
    assert Order.objects.filter(store=store, platform_order_id="12-00009-11111").exists()
    inr = Claim.objects.get(store=store, platform_claim_id="inr-5100000002")
    assert inr.respond_by == NOW + timedelta(days=4)
    assert Claim.objects.filter(store=store, platform_claim_id__startswith="inr-").count() == 1
    case = Claim.objects.get(store=store, platform_claim_id="case-5200000003")
    assert case.status == ClaimStatus.DECIDED
    assert case.outcome == Outcome.DENIED


def test_a_429_storm_and_an_expired_token_are_survived(store, ebay):
    seed(ebay)
    connection = connect(store, ebay)
    sync_connection(connection)
    ebay.add_order("12-00009-11111", created=datetime.now(UTC))
    ebay.expire_after(3)
    ebay.throttle(5, retry_after="1")
    ebay.blip(2)
    issued = ebay.tokens_issued
    result = sync_connection(connection)
    assert result.outcome == "synced", result.error
    assert ebay.throttled == 0 and ebay.blips == 0  # every 429 and 503 was met and retried
    assert any(c.status == 401 for c in ebay.calls)
    assert ebay.tokens_issued == issued + 2  # the run's token, then one renewal after the 401
    assert Order.objects.filter(store=store, platform_order_id="12-00009-11111").exists()


def test_a_refused_refresh_token_is_said_in_words_without_the_secret(store, ebay):
    seed(ebay)
    connection = connect(store, ebay, refresh_token="v^1.1#i^1#revoked-refresh-token")
    result = sync_connection(connection)
    connection.refresh_from_db()
    assert result.outcome == "failed"
    assert "invalid_grant" in connection.last_error
    assert "connect the store again" in connection.last_error
    assert "revoked-refresh-token" not in connection.last_error
    assert ebay.client_secret not in connection.last_error
    assert not Order.objects.filter(store=store).exists()


def test_a_run_cut_short_resumes_at_the_last_written_page_without_duplicates(store, ebay, settings):
    for n in range(450):
        ebay.add_order(f"13-{n:05d}-22222", created=NOW - timedelta(days=3, minutes=n))
    connection = connect(store, ebay)
    # eBay fails for good after two pages of orders: the run stops with the pages it wrote.
    real_answer = ebay.answer
    pages = {"orders": 0}

    def failing_after_two_pages(method, path, query, headers, body):
        if path == "/sell/fulfillment/v1/order" and "filter" in query:
            pages["orders"] += 1
            if pages["orders"] > 2:
                ebay.blip(100)
        return real_answer(method, path, query, headers, body)

    ebay.answer = failing_after_two_pages  # type: ignore[method-assign]
    result = sync_connection(connection)
    assert result.outcome == "failed"
    assert Order.objects.filter(store=store).count() == 400
    assert '"offset": 400' in SyncCursor.objects.get(connection=connection, stream="orders").value
    ebay.answer = real_answer  # type: ignore[method-assign]
    ebay.blip(0)
    ebay.calls.clear()
    result = sync_connection(connection)
    assert result.outcome == "synced", result.error
    first = next(c for c in ebay.calls if c.path == "/sell/fulfillment/v1/order" and "filter" in c.query)
    assert first.query["offset"] == "400"
    assert Order.objects.filter(store=store).count() == 450
    assert Order.objects.filter(store=store).values("platform_order_id").distinct().count() == 450


# --- the seller's answers from the claim page -------------------------------------------------


def synced(store, ebay) -> Connection:
    seed(ebay)
    connection = connect(store, ebay)
    assert sync_connection(connection).outcome == "synced"
    return connection


def send_due() -> int:
    """What the worker's task does: send the due platform actions."""
    return platform_actions_send()


def test_tracking_for_an_inquiry_is_queued_then_goes_to_ebay_then_onto_the_timeline(store, ebay, world):
    synced(store, ebay)
    claim = Claim.objects.get(store=store, platform_claim_id="inr-5100000002")
    assert [a.name for a in actions_for(claim)] == ["tracking", "refund"]
    row = ask(claim=claim, action_name="tracking", by=world.manager_a, carrier="USPS", tracking="9400 1118")
    # Queued: eBay not asked yet, the claim untouched.
    assert row.state == ActionState.PENDING
    assert not [c for c in ebay.calls if c.path.endswith("/shipment_info")]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NEW and not claim.events.filter(action="platform_answer").exists()

    assert send_due() == 1
    sent = [c for c in ebay.calls if c.path == "/post-order/v2/inquiry/5100000002/shipment_info"]
    assert [c.body["trackingNumber"] for c in sent] == ["9400 1118"]
    assert ebay.inquiries["5100000002"]["inquiryStatusEnum"] == "WAITING_BUYER_RESPONSE"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RESPONDED
    event = claim.events.filter(action="platform_answer").get()
    assert event.params["tracking"] == "9400 1118" and event.actor == world.manager_a
    row.refresh_from_db()
    assert row.state == ActionState.DONE and "eBay accepted it" in card(claim)["accepted"]
    assert send_due() == 0  # nothing is sent twice


def test_a_refund_on_a_return_is_issued_on_ebay_and_decides_the_claim(store, ebay, world):
    connection = synced(store, ebay)
    claim = Claim.objects.get(store=store, platform_claim_id="return-5000000001")
    ask(claim=claim, action_name="refund", by=world.manager_a)
    assert send_due() == 1
    refund = next(c for c in ebay.calls if c.path.endswith("/return/5000000001/issue_refund"))
    assert refund.body["refundDetail"]["totalAmount"] == {"value": "19.99", "currency": "USD"}
    claim.refresh_from_db()
    assert (claim.status, claim.outcome) == (ClaimStatus.DECIDED, Outcome.REFUNDED_BY_SELLER)
    assert actions_for(claim) == []
    # The next sync reads the closed return and agrees: nothing changes.
    before = snapshot(store)
    assert sync_connection(connection).outcome == "synced"
    assert snapshot(store) == before


def test_ebay_refusing_an_answer_changes_nothing_on_the_claim_and_is_set_aside_in_words(store, ebay, world):
    synced(store, ebay)
    claim = Claim.objects.get(store=store, platform_claim_id="case-5200000003")
    events = claim.events.count()
    lost = ebay.cases.pop("5200000003")  # eBay no longer knows the case
    row = ask(claim=claim, action_name="tracking", by=world.manager_a, carrier="UPS", tracking="1Z999")
    assert send_due() == 0
    assert [c.status for c in ebay.calls if c.path.endswith("/provide_shipment_info")] == [404]
    row.refresh_from_db()
    assert row.state == ActionState.REFUSED and row.due_at is None
    assert "eBay did not take the answer" in row.reason and "eBay refused the request" in row.reason
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NEW
    assert claim.events.count() == events
    entry = SetAside.objects.get(kind=SetAsideKind.PLATFORM_ACTION, subject_id=row.pk)
    assert entry.reason == row.reason and entry.store_id == store.pk
    assert send_due() == 0  # a refusal is not tried again on its own

    # A manager's retry from /set-aside/ makes it pending again; eBay knows the case once more.
    ebay.cases["5200000003"] = lost
    assert setaside.retry(entry, by=world.manager_a)
    assert send_due() == 1
    row.refresh_from_db()
    assert row.state == ActionState.DONE
    assert claim.events.filter(action="platform_answer").count() == 1


def test_tracking_needs_both_carrier_and_number_before_anything_is_queued(store, ebay, world):
    synced(store, ebay)
    claim = Claim.objects.get(store=store, platform_claim_id="inr-5100000002")
    calls = len(ebay.calls)
    with pytest.raises(ActionRefused):
        ask(claim=claim, action_name="tracking", by=world.manager_a, carrier="USPS", tracking=" ")
    assert not PlatformAction.objects.exists()
    assert send_due() == 0 and len(ebay.calls) == calls


def test_a_second_click_while_an_answer_is_on_its_way_is_refused_and_ebay_gets_it_once(store, ebay, world):
    synced(store, ebay)
    claim = Claim.objects.get(store=store, platform_claim_id="return-5000000001")
    ask(claim=claim, action_name="accept", by=world.manager_a)
    with pytest.raises(ActionRefused, match="already on its way"):
        ask(claim=claim, action_name="accept", by=world.agent_a)
    assert PlatformAction.objects.filter(claim=claim).count() == 1
    assert send_due() == 1
    assert len([c for c in ebay.calls if c.path.endswith("/return/5000000001/decide")]) == 1


def test_ebay_out_of_reach_puts_the_answer_off_and_a_later_run_sends_it(store, ebay, world):
    synced(store, ebay)
    claim = Claim.objects.get(store=store, platform_claim_id="return-5000000001")
    row = ask(claim=claim, action_name="accept", by=world.manager_a)
    ebay.blip(2)  # two 503s: the two tries a worker makes before putting it off
    assert send_due() == 0
    row.refresh_from_db()
    assert row.state == ActionState.PENDING and row.due_at > timezone.now()
    assert "server error (503)" in row.reason and row.attempts == 1
    assert not claim.events.filter(action="platform_answer").exists()
    assert send_due() == 0  # not due yet: it waits its backoff
    PlatformAction.objects.filter(pk=row.pk).update(due_at=timezone.now())
    assert send_due() == 1
    assert [c.status for c in ebay.calls if c.path.endswith("/return/5000000001/decide")] == [503, 503, 200]


def test_the_card_polls_while_an_answer_is_sent_slowly_while_it_waits_and_not_when_idle(store, ebay, world):
    synced(store, ebay)
    claim = Claim.objects.get(store=store, platform_claim_id="return-5000000001")
    client = client_for(world.manager_a)
    url = f"/claims/{claim.pk}/ebay/"
    idle = client.get(url).text
    assert 'id="ebay-do-accept"' in idle and "hx-trigger" not in idle  # nothing on its way
    row = ask(claim=claim, action_name="accept", by=world.manager_a)
    assert 'hx-trigger="every 2s"' in client.get(url).text  # due: the worker takes it soon
    ebay.blip(2)
    assert send_due() == 0
    waiting = client.get(f"{url}?polling=1", HTTP_HX_REQUEST="true").text
    assert "server error (503)" in waiting and 'hx-trigger="every 10s"' in waiting
    PlatformAction.objects.filter(pk=row.pk).update(due_at=timezone.now())  # its wait is over
    assert 'hx-trigger="every 2s"' in client.get(url).text
    assert send_due() == 1
    settled = client.get(url).text
    assert "eBay accepted it" in settled and "hx-trigger" not in settled


def test_a_worker_dying_mid_run_leaves_rows_that_are_each_sent_once(store, ebay, world, monkeypatch):
    """The run is cut while sending the first row (the platform's answer unknown): the rows behind
    it are given back at once and sent by the next run; the one in flight waits for its lease,
    then goes. Each reaches eBay once."""
    synced(store, ebay)
    accept = ask(
        claim=Claim.objects.get(store=store, platform_claim_id="return-5000000001"),
        action_name="accept",
        by=world.manager_a,
    )
    tracking = ask(
        claim=Claim.objects.get(store=store, platform_claim_id="inr-5100000002"),
        action_name="tracking",
        by=world.manager_a,
        carrier="USPS",
        tracking="9400",
    )
    real_send = ebay_actions.send

    def dies(row):
        raise SoftTimeLimitExceeded()  # the worker is stopped before eBay is asked

    monkeypatch.setattr(ebay_actions, "send", dies)
    with pytest.raises(SoftTimeLimitExceeded):
        send_due()
    monkeypatch.setattr(ebay_actions, "send", real_send)
    accept.refresh_from_db()
    tracking.refresh_from_db()
    # The first was in flight: leased (due after the lease), its try counted.
    assert accept.due_at > timezone.now() + timedelta(seconds=60) and accept.attempts == 1
    # The second was taken but not tried: given back, due now, its try uncounted.
    assert tracking.due_at <= timezone.now() and tracking.attempts == 0

    assert send_due() == 1  # the given-back row
    PlatformAction.objects.filter(pk=accept.pk).update(due_at=timezone.now())  # the lease ran out
    assert send_due() == 1
    assert send_due() == 0
    assert len([c for c in ebay.calls if c.path.endswith("/return/5000000001/decide")]) == 1
    assert len([c for c in ebay.calls if c.path.endswith("/inquiry/5100000002/shipment_info")]) == 1
    assert set(PlatformAction.objects.values_list("state", flat=True)) == {ActionState.DONE}


# --- a real worker killed in the middle of a sync ---------------------------------------------


def _worker_pid(queue: str) -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"--queues={queue}".encode() in command:
                return int(entry.name)
    raise AssertionError(f"no worker process for {queue}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sync_leaves_a_run_the_next_worker_finishes_without_duplicates(
    store, ebay, settings, tmp_path
):
    for n in range(1000):
        ebay.add_order(f"14-{n:05d}-33333", created=NOW - timedelta(days=2, minutes=n))
    ebay.slow_orders = 0.6
    connection = connect(store, ebay)
    env = {
        "DESK_CONNECTOR_BASE_URLS": f"ebay={settings.DESK_CONNECTOR_BASE_URLS['ebay']}",
        "DESK_CONNECTOR_MAX_WAIT": "0.01",
        # The killed worker's lease runs out soon, so the next worker may take the store.
        "DESK_CONNECTOR_LEASE_SECONDS": "3",
    }

    def orders_cursor() -> str:
        return (
            SyncCursor.objects.filter(connection=connection, stream="orders")
            .values_list("value", flat=True)
            .first()
            or ""
        )

    first_log = tmp_path / "first.log"
    with celery_worker(first_log, env=env) as queue:
        sync_store.apply_async(args=[connection.pk], queue=queue)
        wait_for(lambda: '"offset": 400' in orders_cursor(), log_path=first_log)
        os.kill(_worker_pid(queue), signal.SIGKILL)
    written = Order.objects.filter(store=store).count()
    cut_at = json.loads(orders_cursor())["offset"]
    assert 400 <= cut_at == written < 1000  # what was written is exactly what the cursor says
    calls_before = len(ebay.calls)
    second_log = tmp_path / "second.log"
    with celery_worker(second_log, env=env) as queue:
        time.sleep(3)  # the dead worker's lease runs out
        sync_store.apply_async(args=[connection.pk], queue=queue)
        wait_for(
            lambda: Connection.objects.get(pk=connection.pk).last_success_at is not None, log_path=second_log
        )
    resumed = next(
        c for c in ebay.calls[calls_before:] if c.path == "/sell/fulfillment/v1/order" and "filter" in c.query
    )
    assert int(resumed.query["offset"]) == cut_at
    assert Order.objects.filter(store=store).count() == 1000
    assert Order.objects.filter(store=store).values("platform_order_id").distinct().count() == 1000


# --- the card on the claim page -------------------------------------------------------------------


def test_the_claim_page_offers_ebays_answers_and_a_plain_post_queues_them(store, ebay, world):
    synced(store, ebay)
    claim = Claim.objects.get(store=store, platform_claim_id="return-5000000001")
    client = client_for(world.agent_a)
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert 'id="ebay-answers"' in page
    assert "Accept the return on eBay" in page
    # An Amazon claim has no eBay card.
    assert 'id="ebay-answers"' not in client.get(f"/claims/{world.claim_a.pk}/").content.decode()
    answer = client.post(f"/claims/{claim.pk}/ebay/answer/", {"action": "accept"})
    assert answer.status_code == 302
    assert not [c for c in ebay.calls if c.path.endswith("/return/5000000001/decide")]
    shown = client.get(f"/claims/{claim.pk}/").content.decode()
    assert 'id="ebay-pending-accept"' in shown and 'id="ebay-do-accept"' not in shown
    assert send_due() == 1
    assert [c.body for c in ebay.calls if c.path.endswith("/return/5000000001/decide")] == [
        {"decision": "ACCEPT"}
    ]
    assert claim.events.filter(action="platform_answer", params__answer="accept").exists()
    assert (
        "eBay accepted it: Accept the return on eBay." in client.get(f"/claims/{claim.pk}/").content.decode()
    )


def test_a_refusal_comes_back_in_the_polled_card_and_nothing_is_recorded(store, ebay, world):
    synced(store, ebay)
    claim = Claim.objects.get(store=store, platform_claim_id="inr-5100000002")
    ebay.inquiries["5100000002"]["inquiryStatusEnum"] = "CLOSED_WITH_ESCALATION"  # a case, which eBay lost
    client = client_for(world.manager_a)
    answer = client.post(
        f"/claims/{claim.pk}/ebay/answer/",
        {"action": "tracking", "carrier": "USPS", "tracking": "9400"},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    queued = answer.content.decode()
    assert "Sending to eBay" in queued and f"/claims/{claim.pk}/ebay/?polling=1" in queued
    # A second click while it is pending is refused in place.
    again = client.post(
        f"/claims/{claim.pk}/ebay/answer/",
        {"action": "tracking", "carrier": "USPS", "tracking": "9400"},
        HTTP_HX_REQUEST="true",
    )
    assert "already on its way to eBay" in again.content.decode()
    polled = client.get(f"/claims/{claim.pk}/ebay/?polling=1", HTTP_HX_REQUEST="true")
    assert polled.status_code == 200 and "Sending to eBay" in polled.content.decode()

    assert send_due() == 0
    # Settled: the poll reloads the page, whose card says why eBay did not take it.
    polled = client.get(f"/claims/{claim.pk}/ebay/?polling=1", HTTP_HX_REQUEST="true")
    assert polled.status_code == 204 and polled["HX-Refresh"] == "true"
    card_now = client.get(f"/claims/{claim.pk}/ebay/").content.decode()
    assert 'role="alert"' in card_now and "eBay refused the request" in card_now
    assert not claim.events.filter(action="platform_answer").exists()


def test_another_teams_claim_has_no_ebay_card_to_poll_or_post(store, ebay, world):
    synced(store, ebay)
    claim = Claim.objects.get(store=store, platform_claim_id="inr-5100000002")
    outsider = client_for(world.agent_b)
    assert client_for(world.agent_a).get(f"/claims/{claim.pk}/ebay/").status_code == 200
    assert outsider.get(f"/claims/{claim.pk}/ebay/").status_code == 404
    assert outsider.post(f"/claims/{claim.pk}/ebay/answer/", {"action": "refund"}).status_code == 404
    assert not PlatformAction.objects.exists()


def test_credentials_are_sealed_in_the_database_and_absent_from_the_logs(store, ebay, caplog):
    seed(ebay)
    caplog.set_level(logging.DEBUG)
    connection = connect(store, ebay)
    ebay.expire_after(2)
    assert sync_connection(connection).outcome == "synced"
    raw = Connection.objects.filter(pk=connection.pk).values_list("credentials", flat=True).get()
    secrets = [ebay.client_secret, next(iter(ebay.refresh_tokens)), *ebay.access_tokens]
    assert "refresh-of-alpha" in secrets[1]  # the secrets looked for are the real ones
    for secret in secrets:
        assert secret not in raw
        assert secret not in caplog.text
    assert "sync of store" in caplog.text  # the log was captured


def test_a_manager_connects_ebay_on_the_connection_page_and_tests_it(store, ebay, world):
    seed(ebay)
    client = client_for(world.manager_a)
    refresh = next(iter(ebay.refresh_tokens))
    saved = client.post(
        reverse("connectors:connection_save", args=[store.pk]),
        {
            "client_id": ebay.client_id,
            "client_secret": ebay.client_secret,
            "refresh_token": refresh,
            "interval": "15",
        },
    )
    assert saved.status_code == 302
    connection = Connection.objects.get(store=store)
    assert connection.settings == {"client_id": ebay.client_id}
    assert connection.secrets() == {"client_secret": ebay.client_secret, "refresh_token": refresh}
    page = client.get(reverse("connectors:connection", args=[store.pk])).content.decode()
    assert 'name="refresh_token"' in page and refresh not in page and ebay.client_secret not in page
    test_url = reverse("connectors:connection_test", args=[store.pk])
    good = client.post(test_url, headers={"HX-Request": "true"}).content.decode()
    assert "Connected as eBay seller alpha_goods" in good
    ebay.refresh_tokens.clear()  # the seller revoked the desk's access
    bad = client.post(test_url, headers={"HX-Request": "true"}).content.decode()
    assert "eBay refused the credentials (invalid_grant)" in bad
