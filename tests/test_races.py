"""Two people (or two processes) doing the same thing at the same moment, for real: each
request runs in its own thread with its own database connection. Where the order of events
matters, the test holds a row lock so that both requests are provably in flight at once, then
lets them go (PostgreSQL only: SQLite has no row locks)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, transaction
from django.urls import reverse

from disputes.models import Claim, ClaimEvent, ImportJob, Order, Shipment

from .concurrency import Racer, lock_waiters, needs_row_locks, wait_until
from .conftest import client_for
from .imports import post_import
from .page_forms import form_data
from .test_import import amazon_report, amazon_row, desk_csv, good_desk_csv, run

pytestmark = pytest.mark.django_db(transaction=True)


@needs_row_locks
def test_two_people_assigning_one_claim_at_once_the_second_is_told_not_overwritten(world):
    claim = world.claim_a
    url = reverse("disputes:claim_assign", args=[claim.pk])
    posts = []
    for user in (world.agent_a, world.manager_a):
        client = client_for(user)
        page = client.get(reverse("disputes:claim", args=[claim.pk])).content.decode()
        posts.append((client, {**form_data(page, "assign-form"), "assignee": str(user.pk)}))

    with transaction.atomic():
        # Both pages were loaded with nobody assigned; both saves now queue on the claim's row.
        Claim.objects.select_for_update().get(pk=claim.pk)
        racers = [Racer(lambda client=client, data=data: client.post(url, data)) for client, data in posts]
        for racer in racers:
            racer.start()
        wait_until(lambda: lock_waiters() == 2, "both saves wait for the claim's row")

    responses = [racer.outcome() for racer in racers]
    assert sorted(response.status_code for response in responses) == [302, 409]
    winner = next(
        user
        for user, response in zip((world.agent_a, world.manager_a), responses, strict=False)
        if response.status_code == 302
    )
    refused = next(response for response in responses if response.status_code == 409)
    assert (
        f"{winner.get_username()} changed the assignee to {winner.get_username()}" in refused.content.decode()
    )
    claim.refresh_from_db()
    assert claim.assignee == winner
    assert ClaimEvent.objects.filter(claim=claim, action="assigned").count() == 1


# --- Imports --------------------------------------------------------------------------------


def shipped_kettle_and_a_new_order() -> bytes:
    """Changes the kettle order of good_desk_csv() and adds an order, both with tracking."""
    return desk_csv(
        "58213391-0007-2,2026-05-06,shipped,platform,,KTL-1L,Kettle 1 l,1,2490,RUB,,,RU,CDEK,CD000111222RU,"
        "2026-05-07,,",
        "58213400-0001-1,2026-05-08,shipped,seller,anna.k,CUP-200,Cup 200 ml,2,150.00,RUB,,,RU,Pochta,"
        "RA999000111RU,2026-05-09,,",
    )


def test_the_same_report_imported_twice_at_once_is_saved_once(world):
    # Whichever way the two runs interleave (on SQLite one waits for the other), each either
    # imports or is told that the other one is running; nothing fails and nothing doubles.
    assert run(world.store_b, good_desk_csv()).ok
    racers = [Racer(lambda: run(world.store_b, shipped_kettle_and_a_new_order())) for _ in range(2)]
    for racer in racers:
        racer.start()
    results = [racer.outcome() for racer in racers]
    assert all(result.ok or result.busy for result in results), [result.errors for result in results]
    assert any(result.ok for result in results)
    assert Shipment.objects.filter(order__store=world.store_b).count() == 3
    assert Order.objects.filter(store=world.store_b).count() == 3


def import_held_mid_way(world, second: Racer) -> Racer:
    """Start an import of shipped_kettle_and_a_new_order() and keep it mid-way (its write of
    the kettle order waits on a row lock the test holds) while `second` runs."""
    kettle = Order.objects.get(store=world.store_b, platform_order_id="58213391-0007-2")
    with transaction.atomic():
        Order.objects.select_for_update().get(pk=kettle.pk)
        first = Racer(lambda: run(world.store_b, shipped_kettle_and_a_new_order()))
        first.start()
        wait_until(lambda: lock_waiters() == 1, "the first import waits on the kettle order")
        second.start()
        wait_until(
            lambda: not second.is_alive() or lock_waiters() > 1,
            "the second import either answers or waits too",
        )
    return first


def assert_the_first_import_alone_was_saved(world, first: Racer) -> None:
    result = first.outcome()
    assert result.ok, result.errors
    shipments = Shipment.objects.filter(order__store=world.store_b)
    assert sorted(shipments.values_list("tracking_number", flat=True)) == [
        "CD000111222RU",
        "RA123456789RU",
        "RA999000111RU",
    ]


@needs_row_locks
def test_an_import_into_a_store_while_another_runs_is_refused_on_the_page(world):
    assert run(world.store_b, good_desk_csv()).ok
    client = client_for(world.agent_b)
    upload = SimpleUploadedFile("again.csv", shipped_kettle_and_a_new_order(), content_type="text/csv")
    # The page queues the upload; its job, run as the worker runs it, finds the store busy.
    second = Racer(lambda: post_import(client, {"store": world.store_b.pk, "file": upload}))
    first = import_held_mid_way(world, second)

    response = second.outcome()
    assert response.status_code == 200
    body = response.content.decode()
    assert "An import is running for this store; try again when it has finished." in body
    assert ImportJob.objects.get(file_name="again.csv").result["busy"] is True
    assert_the_first_import_alone_was_saved(world, first)


@needs_row_locks
def test_an_import_into_a_store_while_another_runs_is_refused_by_the_command(world, tmp_path):
    assert run(world.store_b, good_desk_csv()).ok
    path = tmp_path / "again.csv"
    path.write_bytes(shipped_kettle_and_a_new_order())
    second = Racer(
        lambda: call_command("import_orders", str(path), "--store", world.store_b.name, stdout=io.StringIO())
    )
    first = import_held_mid_way(world, second)

    with pytest.raises(CommandError, match="An import is running for store Bravo Ozon RU; try again"):
        second.outcome()
    assert_the_first_import_alone_was_saved(world, first)


@needs_row_locks
def test_an_import_into_another_store_runs_alongside(world):
    assert run(world.store_b, good_desk_csv()).ok
    report = amazon_report(amazon_row(**{"amazon-order-id": "113-0000009-0000009"}))
    other = Racer(lambda: run(world.store_a, report))
    first = import_held_mid_way(world, other)
    assert other.outcome().ok
    assert_the_first_import_alone_was_saved(world, first)


@needs_row_locks
def test_an_import_whose_process_dies_leaves_no_lock_behind(world):
    assert run(world.store_b, good_desk_csv()).ok
    kettle = Order.objects.get(store=world.store_b, platform_order_id="58213391-0007-2")
    with transaction.atomic():
        Order.objects.select_for_update().get(pk=kettle.pk)
        dying = Racer(lambda: run(world.store_b, shipped_kettle_and_a_new_order()))
        dying.start()
        wait_until(lambda: lock_waiters() == 1, "the import waits on the kettle order")
        with connection.cursor() as cursor:
            # As if its worker were killed mid-import.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
    with pytest.raises(OperationalError):
        dying.outcome()

    result = run(world.store_b, shipped_kettle_and_a_new_order())
    assert result.ok and not result.busy, result.errors
    assert Shipment.objects.filter(order__store=world.store_b, tracking_number="RA999000111RU").count() == 1
