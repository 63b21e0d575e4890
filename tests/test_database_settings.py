"""What every desk connection to PostgreSQL asks of the server."""

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's session settings")


def setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_desks_connections_compile_no_statement_and_start_no_parallel_worker():
    assert (setting("jit"), setting("max_parallel_workers_per_gather")) == ("off", "0")
