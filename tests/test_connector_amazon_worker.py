"""A real Celery worker syncing an Amazon store is killed in the middle of a sync; a new worker
takes the store once the dead one's lease runs out and goes on from the last written page of
Amazon's window (its NextToken), writing nothing twice."""

import uuid

import pytest
from django.db.models import Count

from connectors.models import SyncCursor
from connectors.tasks import sync_store
from disputes.models import Order
from tests.fakes.amazon_api import amazon_api

from .test_connector_amazon import KEY, connect
from .worker import start_worker, stop, wait_for, worker_env

ORDERS = 250  # three pages of getOrders (100 a page)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sync_leaves_whole_pages_and_the_next_one_goes_on_from_them(
    world, tmp_path, settings
):
    settings.DESK_CONNECTOR_KEYS = [KEY]
    with amazon_api() as api:
        api.polls_until_done = 10**9  # the All Orders report stays out of this
        ids = [api.add_order() for _ in range(ORDERS)]
        released = api.hold("getOrders", after=2)  # the third page never comes
        connection = connect(world.store_a, api)
        queue = f"desk-test-{uuid.uuid4().hex[:10]}"
        env = worker_env(
            {
                "DESK_CONNECTOR_BASE_URLS": f"amazon={api.base},amazon_auth={api.base}",
                "DESK_CONNECTOR_KEYS": KEY,
                "DESK_CONNECTOR_LEASE_SECONDS": "4",
                "DESK_CONNECTOR_MAX_WAIT": "0.05",
            }
        )
        log = tmp_path / "worker.log"
        mine = Order.objects.filter(store=world.store_a, platform_order_id__in=ids)
        with open(log, "w") as out:
            first = start_worker(out, [queue], env=env, name="first")
            try:
                sync_store.apply_async((connection.pk,), queue=queue)
                wait_for(lambda: api.count("getOrders") >= 3, log_path=log)
                wait_for(lambda: mine.count() == 200, log_path=log)
            finally:
                first.kill()  # no goodbye: the worker dies holding the lease
                first.wait()
            released.set()
            assert mine.count() == 200
            assert '"token"' in SyncCursor.objects.get(connection=connection, stream="orders").value
            connection.refresh_from_db()
            assert connection.lease_until is not None and connection.last_success_at is None
            asked_before = len(api.order_queries)

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
        assert mine.count() == ORDERS
        duplicated = mine.values("platform_order_id").annotate(n=Count("id")).filter(n__gt=1)
        assert not duplicated.exists()
        # The second worker asked for the third page by its NextToken, not for the window again.
        resumed = api.order_queries[asked_before]
        assert "NextToken" in resumed and "LastUpdatedAfter" not in resumed
        assert api.count("getOrderItems") == ORDERS  # no order read twice
