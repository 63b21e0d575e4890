"""Pin a page's query count and prove it does not grow with the number of rows."""

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(captured)


def assert_queries_pinned(client: Client, url: str, *, expected: int, add_rows: Callable[[], None]) -> None:
    """The page costs exactly `expected` queries, before and after `add_rows()` adds more."""
    before = count_queries(client, url)
    add_rows()
    after = count_queries(client, url)
    assert (before, after) == (expected, expected), f"queries before/after adding rows: {before}/{after}"
