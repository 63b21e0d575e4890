"""A real Celery worker syncing an Ozon store is killed in the middle of a sync; a new worker
picks the store up once the dead one's lease runs out and writes the rest, nothing twice."""

import uuid

import pytest
from django.db.models import Count

from connectors.models import Connection, SyncCursor
from connectors.tasks import sync_store
from disputes.models import Order
from tests.fakes.ozon_api import API_KEY, CLIENT_ID, posting, serving

from .worker import start_worker, stop, wait_for, worker_env

POSTINGS = 2500  # three pages of Ozon's 1000


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sync_leaves_whole_pages_and_the_next_one_finishes_without_duplicates(
    world, tmp_path
):
    with serving() as ozon:
        ozon.fbs = [posting(f"{60000000 + i}-0001-1") for i in range(POSTINGS)]
        released = ozon.hold("/v3/posting/fbs/list", after=2)  # the third page never comes
        connection = Connection(store=world.store_b, settings={"client_id": CLIENT_ID})
        connection.keep_secrets({"api_key": API_KEY})
        connection.save()
        queue = f"desk-test-{uuid.uuid4().hex[:10]}"
        env = worker_env(
            {
                "DESK_CONNECTOR_BASE_URLS": f"ozon={ozon.base}",
                "DESK_CONNECTOR_LEASE_SECONDS": "4",
                "DESK_CONNECTOR_MAX_WAIT": "0.05",
            }
        )
        log = tmp_path / "worker.log"
        with open(log, "w") as out:
            first = start_worker(out, [queue], env=env, name="first")
            try:
                sync_store.apply_async((connection.pk,), queue=queue)
                wait_for(lambda: ozon.paths().count("/v3/posting/fbs/list") >= 3, log_path=log)
                wait_for(lambda: Order.objects.filter(store=world.store_b).count() == 2000, log_path=log)
            finally:
                first.kill()  # no goodbye: the worker dies holding the lease
                first.wait()
            released.set()
            assert Order.objects.filter(store=world.store_b).count() == 2000
            assert '"at": 2000' in SyncCursor.objects.get(connection=connection, stream="fbs_postings").value
            connection.refresh_from_db()
            assert connection.lease_until is not None and connection.last_success_at is None

            second = start_worker(out, [queue], env=env, name="second")
            try:

                def synced() -> bool:
                    connection.refresh_from_db()
                    if connection.last_success_at is None:
                        sync_store.apply_async((connection.pk,), queue=queue)  # busy until the lease ends
                    return connection.last_success_at is not None

                wait_for(synced, timeout=90, log_path=log)
            finally:
                stop(second)
        orders = Order.objects.filter(store=world.store_b)
        assert orders.count() == POSTINGS
        assert not orders.values("platform_order_id").annotate(n=Count("id")).filter(n__gt=1).exists()
        # The second worker went on from the third page, not from the start (later syncs, queued
        # while the lease was held, read a new window from its beginning).
        offsets = [body["offset"] for path, body in ozon.requests if path == "/v3/posting/fbs/list"]
        assert offsets[:4] == [0, 1000, 2000, 2000]
