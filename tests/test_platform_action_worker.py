"""A real Celery worker sending a queued Amazon action is killed while it waits on Amazon; the
row it held stays leased, nothing reached the buyer, and once the lease ends the next worker
sends it, once."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from connectors import outbox
from connectors.models import ActionState, PlatformAction
from connectors.platforms.amazon_actions import send_message
from connectors.tasks import send_platform_actions
from tests.fakes.amazon_api import amazon_api

from .test_connector_amazon import KEY, connect
from .worker import start_worker, stop, wait_for, worker_env


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_the_row_leased_and_the_next_worker_sends_it_once(
    world, tmp_path, settings, monkeypatch
):
    settings.DESK_CONNECTOR_KEYS = [KEY]
    # The test queues the sender on its workers' own queue (not the default one).
    monkeypatch.setattr(outbox, "_queue_send", lambda: None)
    with amazon_api() as api:
        order = world.order_a
        api.add_order(order.platform_order_id)
        api.message_actions[order.platform_order_id] = ["negativeFeedbackRemoval"]
        connect(world.store_a, api)
        # The worker asks Amazon whether it still lists the kind, and that answer never comes.
        released = api.hold("getMessagingActionsForOrder", after=0)
        row = send_message(order=order, kind="negativeFeedbackRemoval", text="", by=world.agent_a)
        queue = f"desk-test-{uuid.uuid4().hex[:10]}"
        env = worker_env(
            {
                "DESK_CONNECTOR_BASE_URLS": f"amazon={api.base},amazon_auth={api.base}",
                "DESK_CONNECTOR_KEYS": KEY,
                "DESK_CONNECTOR_MAX_WAIT": "0.05",
            }
        )
        log = tmp_path / "worker.log"
        with open(log, "w") as out:
            first = start_worker(out, [queue], env=env, name="first")
            try:
                send_platform_actions.apply_async(queue=queue)
                wait_for(lambda: api.count("getMessagingActionsForOrder") >= 1, log_path=log)
            finally:
                first.kill()  # no goodbye: the worker dies holding the row
                first.wait()
            released.set()
            row.refresh_from_db()
            # Taken (the try counted) and leased: nobody else takes it before the lease ends.
            assert row.state == ActionState.PENDING and row.attempts == 1
            assert row.due_at > timezone.now() + timedelta(seconds=60)
            assert api.messages_sent == []
            assert outbox.platform_actions_send() == 0  # still leased

            PlatformAction.objects.filter(pk=row.pk).update(due_at=timezone.now())  # the lease ran out
            second = start_worker(out, [queue], env=env, name="second")
            try:
                send_platform_actions.apply_async(queue=queue)
                wait_for(
                    lambda: PlatformAction.objects.get(pk=row.pk).state == ActionState.DONE, log_path=log
                )
            finally:
                stop(second)
        assert api.messages_sent == [(order.platform_order_id, "negativeFeedbackRemoval", {})]
        assert order.amazon_actions.filter(kind="negativeFeedbackRemoval").count() == 1
        row.refresh_from_db()
        assert row.attempts == 2
