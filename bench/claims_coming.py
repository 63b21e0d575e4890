"""Cost of the "May become a claim" page on the seeded PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/claims_coming.py \\
        [--requests 20]

Seed first with bench/seed_scale.py (with --messages). The seed writes its buyer texts without
judging them, so this script first marks the seeded buyer messages whose text reads as a
complaint (`messaging.policy.reads_as_complaint`, one UPDATE per distinct text), as filing them
would have. Then, as bench.agent (Amazon US) and bench.manager (all four stores): the selector
alone, and the whole page through django.test.Client (DEBUG off), one untimed request first;
it prints p50 / p95 and how many orders were listed, and for the page the time its queries
took (on the client, and on the server by EXPLAIN ANALYZE of each SELECT once) and this
process's CPU time (the page's query count is pinned in tests/test_claims_coming.py).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["DEBUG"] = "0"
    # Production settings refuse to start without these; neither is used here.
    os.environ.setdefault("DESK_CONNECTOR_KEYS", "YmVuY2gtb25seS1rZXktbm90LWZvci1wcm9kdWN0aW8=")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)
    import django

    django.setup()
    from django.conf import settings

    # The manifest storage needs collectstatic; the plain one costs the same per {% static %}.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from messaging.foresight import claims_seen_coming
    from messaging.models import Direction, Message
    from messaging.policy import reads_as_complaint

    if connection.vendor != "postgresql":
        raise SystemExit("claims_coming: run it on the seeded PostgreSQL database")
    texts = Message.objects.filter(direction=Direction.FROM_BUYER).values_list("body", flat=True).distinct()
    complaints = [text for text in texts if reads_as_complaint(text)]
    marked = Message.objects.filter(direction=Direction.FROM_BUYER, body__in=complaints).update(
        reads_as_complaint=True
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE messaging_message")
    print(f"buyer messages reading as a complaint: {marked:,} ({len(complaints)} of the seeded texts)")

    sql: list[tuple[float, str, object]] = []

    def timed(execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            sql.append(((time.perf_counter() - started) * 1000, statement, params))

    users = get_user_model().objects
    for name in ("bench.agent", "bench.manager"):
        user = users.get(username=name)
        times = []
        found = claims_seen_coming(user)
        for _ in range(args.requests):
            started = time.perf_counter()
            claims_seen_coming(user)
            times.append((time.perf_counter() - started) * 1000)
        client = Client()
        client.force_login(user)
        url = reverse("messaging:coming")
        client.get(url, secure=True)
        status = client.get(url, secure=True).status_code
        assert status == 200, status
        page_times, page_cpu, page_sql = [], [], []
        for _ in range(args.requests):
            sql.clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(timed):
                client.get(url, secure=True)
            page_times.append((time.perf_counter() - started) * 1000)
            page_cpu.append((time.process_time() - started_cpu) * 1000)
            page_sql.append(sum(ms for ms, _sql, _params in sql))
        # The page's queries once more, each with the server's own time for it.
        server = 0.0
        with connection.cursor() as cursor:
            for _ms, statement, params in sql:
                if statement.lstrip().upper().startswith("SELECT"):
                    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params)
                    server += cursor.fetchone()[0][0]["Execution Time"]

        def p(values: list[float], q: float) -> float:
            return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]

        print(
            f"{name}: {len(found)} orders listed; selector p50 {statistics.median(times):.1f} ms, "
            f"p95 {p(times, 95):.1f} ms; page p50 {statistics.median(page_times):.1f} ms, "
            f"p95 {p(page_times, 95):.1f} ms; the page's SQL p50 {statistics.median(page_sql):.1f} ms "
            f"({len(sql)} queries; {server:.1f} ms on the server by EXPLAIN ANALYZE), "
            f"this process's CPU p50 {statistics.median(page_cpu):.1f} ms"
        )


if __name__ == "__main__":
    main()
