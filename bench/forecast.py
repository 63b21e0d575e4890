"""The cost of a store's ODR forecast (disputes.selectors.odr_forecasts) on the seeded database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/forecast.py \\
        [--runs 30] [--store NAME]

Seed the database first with bench/seed_scale.py; for a store with 200,000 claims, seed
450,000 (Amazon US gets 45 % of them). The store with the most claims is measured (or --store),
with the win rates of all the seeded stores, as on the dashboard. It prints the store's orders
and claims, the forecast's queries with each one's time, then --runs timed forecasts (median,
p95, max) twice: cold (nothing cached: DESK_WIN_RATES_CACHE_SECONDS and
DESK_ODR_FORECAST_CACHE_SECONDS at 0) and warm (the window's counts and the win rates read from
the cache, as pages read them within the cache's minutes; the local-memory cache unless
REDIS_URL is set). The bar (issue 19): 100 ms.
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

    timings: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append(((time.perf_counter() - started) * 1000, sql))

    from django.conf import settings
    from django.core.cache import cache

    cached = (settings.DESK_WIN_RATES_CACHE_SECONDS, settings.DESK_ODR_FORECAST_CACHE_SECONDS)
    settings.DESK_WIN_RATES_CACHE_SECONDS = settings.DESK_ODR_FORECAST_CACHE_SECONDS = 0
    odr_forecasts([store], team=team)  # warm the connection
    with connection.execute_wrapper(timed):
        forecast = odr_forecasts([store], team=team)[store.pk]
    print(f"queries (cold): {len(timings)}")
    for ms, sql in timings:
        print(f"  {ms:7.1f} ms  {' '.join(sql.split())[:110]}")
    print(f"forecast: {forecast.summary()}")
    print(f"today {forecast.today.percent:.2f} %, in 30 days {forecast.days[-1].percent:.2f} %")
    measure("cold", args.runs, lambda: odr_forecasts([store], team=team))
    settings.DESK_WIN_RATES_CACHE_SECONDS, settings.DESK_ODR_FORECAST_CACHE_SECONDS = cached
    cache.clear()
    odr_forecasts([store], team=team)  # fills the cache
    timings.clear()
    with connection.execute_wrapper(timed):
        odr_forecasts([store], team=team)
    print(f"queries (warm): {len(timings)}")
    measure("warm", args.runs, lambda: odr_forecasts([store], team=team))
    cache.clear()


def measure(label: str, count: int, forecast) -> None:
    runs = []
    for _ in range(count):
        started = time.perf_counter()
        forecast()
        runs.append((time.perf_counter() - started) * 1000)
    runs.sort()
    p95 = runs[max(0, round(0.95 * len(runs)) - 1)]
    print(
        f"{count} forecasts, {label}: median {statistics.median(runs):.1f} ms, p95 {p95:.1f} ms, "
        f"max {runs[-1]:.1f} ms (bar {BAR_MS:.0f} ms: {'met' if p95 <= BAR_MS else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
