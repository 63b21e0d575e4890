"""The connectors' worker tasks: beat's minute queues one sync per due store; each store's sync
is a task of its own, so one store's failure or slowness never holds up another's."""

import logging

from celery import shared_task
from django.conf import settings

from . import outbox, sync
from .models import Connection

log = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=30, time_limit=60)
def sync_due() -> int:
    """Beat, every minute: a sync task for each connection whose time has come."""
    due = sync.due_connections()
    for pk in due:
        sync_store.delay(pk)
    return len(due)


# The limits come from DESK_CONNECTOR_SYNC_SECONDS (config/settings.py says how they fit under
# Redis' visibility timeout and the lease). A sync stopped by the soft limit keeps what it wrote
# and is due again at once: a 100,000-order first sync takes a run or two.
@shared_task(
    acks_late=True,
    soft_time_limit=settings.DESK_CONNECTOR_SYNC_SECONDS,
    time_limit=settings.DESK_CONNECTOR_SYNC_SECONDS + 30,
)
def sync_store(connection_id: int) -> dict:
    connection = Connection.objects.select_related("store").filter(pk=connection_id).first()
    if connection is None:
        return {"outcome": "gone"}
    result = sync.sync_connection(connection)
    return {"outcome": result.outcome, "pages": result.pages, **result.written.counts}


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def write_again(failed_id: int) -> str:
    """A manager's retry of a record set aside (from /set-aside/)."""
    return sync.write_again(failed_id)


# On the default queue, not the sync queue: a person watches the card for the answer, and the
# sync worker (one process) may be minutes into a store's sync. A run is short: its budget is
# half the limit, each send at most SEND_SECONDS.
@shared_task(
    acks_late=True, soft_time_limit=settings.DESK_OUTBOX_SECONDS - 5, time_limit=settings.DESK_OUTBOX_SECONDS
)
def send_platform_actions() -> int:
    """After each action asked for, and from beat every half minute: send what is due."""
    return outbox.platform_actions_send(budget=settings.DESK_OUTBOX_SECONDS / 2)
