"""Changes a manager makes to a store's connection: credentials, pause, sync now."""

import logging

from django.db import transaction
from django.utils import timezone

from disputes.models import Store

from .models import Connection, ConnectionState

log = logging.getLogger(__name__)


def connection_for(store: Store) -> Connection | None:
    return Connection.objects.filter(store=store).first()


@transaction.atomic
def connection_save(
    *, store: Store, settings: dict[str, str], secrets: dict[str, str], interval: int, by
) -> Connection:
    """Connect the store, or change how it is connected. A blank secret keeps the saved one;
    the store syncs within a minute (unless paused), and an old error is forgotten, since it
    was about the credentials replaced."""
    connection = Connection.objects.select_for_update().filter(store=store).first() or Connection(store=store)
    connection.settings = {**connection.settings, **settings}
    connection.keep_secrets(secrets)
    connection.interval = interval
    connection.last_error = ""
    if connection.is_paused:
        connection.state = ConnectionState.PAUSED
    else:
        connection.state = ConnectionState.OK if connection.last_success_at else ConnectionState.NEW
        connection.next_sync_at = timezone.now()
    connection.save()
    # Which fields changed, never their values.
    log.info(
        "connection of store %s saved by %s (secrets given: %s)",
        store.pk,
        getattr(by, "pk", None),
        sorted(name for name, value in secrets.items() if value),
    )
    return connection


@transaction.atomic
def connection_pause(*, connection: Connection, paused: bool, by) -> Connection:
    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    if paused:
        connection.pause()
    else:
        connection.resume()
    connection.save(update_fields=["is_paused", "state", "next_sync_at"])
    log.info(
        "connection of store %s %s by %s",
        connection.store_id,
        "paused" if paused else "resumed",
        getattr(by, "pk", None),
    )
    return connection


@transaction.atomic
def connection_sync_now(*, connection: Connection, by) -> bool:
    """Queue a sync at once. False when paused (nothing is queued)."""
    from . import tasks

    if connection.is_paused:
        return False
    Connection.objects.filter(pk=connection.pk).update(next_sync_at=timezone.now())
    transaction.on_commit(lambda: tasks.sync_store.delay(connection.pk))
    return True
