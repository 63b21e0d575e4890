"""Orders per second of an Amazon store's first sync, and of the sync after it (nothing changed),
against the fake Selling Partner API on loopback (tests/fakes/amazon_api.py): the real client,
the real HTTP layer, the real sync writing through the importer's writer.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_connectors \\
        .venv/bin/python bench/connector_sync_amazon.py [--orders 100000] [--profile]

Each order costs two calls as Amazon serves them: its page of getOrders (100 a page) and its
getOrderItems. The fake answers as fast as it can (no rate limits: Amazon's own, 0.5 calls a
second for getOrderItems, would make a first sync of 100,000 orders take days there, whatever
the desk does; the figure measures the desk's side). The All Orders report stream is left out
(it is the importer's benchmark, bench/import_orders.py)."""

import argparse
import cProfile
import multiprocessing
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def serve(orders: int, pipe) -> None:
    """The fake SP-API in a process of its own (as Amazon is not in the desk's process)."""
    from tests.fakes.amazon_api import amazon_api

    with amazon_api() as api:
        api.polls_until_done = 10**9  # the report stream stays out: see above
        for n in range(orders):
            api.add_order(lines=[(f"SKU-{n % 500:03d}", 1 + n % 3, "19.99")])
        pipe.send((api.base, api.client_id, api.client_secret, api.refresh_token))
        while pipe.recv() == "count":
            pipe.send((api.count("getOrders"), api.count("getOrderItems")))


def run(orders: int, profile: bool = False) -> dict[str, float]:
    from cryptography.fernet import Fernet

    from bench.desk_env import start_desk

    started = time.monotonic()
    here, there = multiprocessing.get_context("spawn").Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(orders, there), daemon=True)
    server.start()
    base, client_id, client_secret, refresh_token = here.recv()
    print(f"fake SP-API holds {orders:,} orders ({time.monotonic() - started:.1f} s to start it)")

    # Production settings refuse to start without the key that seals credentials.
    os.environ.setdefault("DESK_CONNECTOR_KEYS", Fernet.generate_key().decode())
    os.environ["DESK_CONNECTOR_BASE_URLS"] = f"amazon={base},amazon_auth={base}"
    workdir = start_desk("bench-amazon-")

    from connectors import sync
    from connectors.models import Connection
    from disputes.models import Order, Platform, Store

    store = Store.objects.create(
        name=f"Bench Amazon {time.time():.0f}", platform=Platform.AMAZON, marketplace="US", currency="USD"
    )
    connection = Connection(store=store, settings={"client_id": client_id})
    connection.keep_secrets({"client_secret": client_secret, "refresh_token": refresh_token})
    connection.save()

    figures: dict[str, float] = {}
    for label in ("first sync", "second sync (nothing changed)"):
        profiler = cProfile.Profile() if profile else None
        started = time.monotonic()
        if profiler:
            profiler.enable()
        result = sync.sync_connection(connection)
        if profiler:
            profiler.disable()
        seconds = time.monotonic() - started
        assert result.outcome == "synced", result.error
        here.send("count")
        get_orders, get_items = here.recv()
        count = Order.objects.filter(store=store).count()
        rate = f"{orders / seconds:,.0f} orders/s" if label == "first sync" else "nothing new to read"
        print(
            f"{label}: {seconds:.1f} s, {rate}; {get_orders:,} getOrders and "
            f"{get_items:,} getOrderItems calls so far; {count:,} orders in the desk; "
            f"written: {dict(result.written.counts)}"
        )
        figures[label] = seconds
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    here.send("stop")
    server.join(timeout=10)
    Order.objects.filter(store=store).delete()
    store.delete()
    workdir.cleanup()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    run(options.orders, options.profile)


if __name__ == "__main__":
    main()
