"""Which stores beat syncs: those whose time has come, not paused, not held by a live sync."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors import sync
from connectors.models import Connection
from disputes.models import Store

pytestmark = pytest.mark.django_db


def _connection(name: str, **values) -> Connection:
    store = Store.objects.create(
        name=name, platform="ozon", marketplace="RU", time_zone="Europe/Moscow", currency="RUB"
    )
    return Connection.objects.create(store=store, **values)


def test_due_connections_are_those_whose_time_came_and_no_worker_holds():
    now = timezone.now()
    due = _connection("due", next_sync_at=now - timedelta(minutes=1))
    lease_ran_out = _connection(
        "dead worker", next_sync_at=now - timedelta(minutes=9), lease_until=now - timedelta(seconds=1)
    )
    _connection("later", next_sync_at=now + timedelta(minutes=5))
    _connection("held", next_sync_at=now - timedelta(minutes=1), lease_until=now + timedelta(minutes=3))
    _connection("paused", next_sync_at=now - timedelta(minutes=1), is_paused=True)
    _connection("never scheduled")
    assert sync.due_connections(now) == [lease_ran_out.pk, due.pk]


def test_a_lease_is_taken_once():
    now = timezone.now()
    connection = _connection("one", next_sync_at=now)
    assert sync.take_lease(connection.pk, now)
    assert not sync.take_lease(connection.pk, now + timedelta(seconds=5))
    connection.refresh_from_db()
    assert connection.last_attempt_at == now and connection.lease_until > now


def test_a_paused_store_is_not_synced():
    connection = _connection("paused", is_paused=True)
    assert sync.sync_connection(connection).outcome == "paused"
    connection.refresh_from_db()
    assert connection.last_attempt_at is None
