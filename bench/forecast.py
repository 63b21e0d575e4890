"""The cost of a store's ODR forecast (disputes.selectors.odr_forecasts) on the seeded database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/forecast.py \\
        [--runs 30] [--store NAME]

Seed the database first with bench/seed_scale.py; for a store with 200,000 claims, seed
450,000 (Amazon US gets 45 % of them). The store with the most claims is measured (or --store),
with the win rates of all the seeded stores, as on the dashboard. It prints the store's orders
and claims, the forecast's queries with each one's time (on the client, and the server's from
EXPLAIN ANALYZE), then --runs timed forecasts (median, p95, max wall time, and this process's
CPU time). Nothing is cached: every forecast reads the counts the database keeps on write. The
bar (issue 19): 100 ms.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BAR_MS = 100.0


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DESK_CONNECTOR_KEYS", "YmVuY2gtb25seS1rZXktbm90LWZvci1wcm9kdWN0aW8=")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--store", help="the store's name (default: the one with the most claims)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to the seeded PostgreSQL database.")
    setup_django()

    from django.db import connection
    from django.db.models import Count

    from disputes.models import Claim, Order, Store
    from disputes.selectors import odr_forecasts

    team = list(Store.objects.order_by("pk"))
    if args.store:
        store = Store.objects.get(name=args.store)
    else:
        store = Store.objects.annotate(n=Count("claims")).order_by("-n").first()
        assert store is not None, "no store: seed the database first"
    claims = Claim.objects.filter(store=store).count()
    print(f"store {store.name}: {Order.objects.filter(store=store).count():,} orders, {claims:,} claims")

    timings: list[tuple[float, str, tuple]] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append(((time.perf_counter() - started) * 1000, sql, params))

    odr_forecasts([store], team=team)  # warm the connection
    with connection.execute_wrapper(timed):
        forecast = odr_forecasts([store], team=team)[store.pk]
    print(f"queries: {len(timings)} (wall on the client; server time from EXPLAIN ANALYZE)")
    for ms, sql, params in timings:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            server = cursor.fetchone()[0][0]["Execution Time"]
        print(f"  {ms:7.1f} ms  server {server:6.1f} ms  {' '.join(sql.split())[:100]}")
    print(f"forecast: {forecast.summary()}")
    print(f"today {forecast.today.percent:.2f} %, in 30 days {forecast.days[-1].percent:.2f} %")
    measure(args.runs, lambda: odr_forecasts([store], team=team))


def measure(count: int, forecast) -> None:
    runs, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        forecast()
        runs.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    runs.sort()
    p95 = runs[max(0, round(0.95 * len(runs)) - 1)]
    print(
        f"{count} forecasts: median {statistics.median(runs):.1f} ms, p95 {p95:.1f} ms, "
        f"max {runs[-1]:.1f} ms; this process's CPU median {statistics.median(cpu):.1f} ms "
        f"(bar {BAR_MS:.0f} ms: {'met' if p95 <= BAR_MS else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
