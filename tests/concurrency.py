"""Helpers for tests that race two requests for real: threads with their own database
connections, and a way to see on PostgreSQL that they are both waiting on a row lock."""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection

needs_row_locks = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL's row locks; SQLite takes one lock for the whole database at BEGIN "
    "IMMEDIATE, so two writers there never interleave (CI's PostgreSQL run covers this)",
)

# How long a step may take on a loaded machine before the test reports that it never happened.
PATIENCE_SECONDS = 30


class Racer(threading.Thread):
    """Runs `work` in its own thread (and so its own database connection), keeping its
    result or its exception for the test to look at."""

    def __init__(self, work: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self.work = work
        self.result: object = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as error:  # reported by the test
            self.error = error
        finally:
            connection.close()

    def outcome(self) -> object:
        self.join(PATIENCE_SECONDS)
        assert not self.is_alive(), "the racing thread never finished"
        if self.error is not None:
            raise self.error
        return self.result


def lock_waiters() -> int:
    """Other sessions of this database now waiting for a lock (PostgreSQL)."""
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps showing the activity it first read; look afresh.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting until {what}"
        time.sleep(0.02)
