"""Sync throughput of a marketplace connector: orders per second for 100,000 orders served by the
platform's local stand-in (tests/fakes/), through the real client, HTTP and writer.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_sync \\
        .venv/bin/python bench/connector_sync.py --platform ozon [--orders 100000]

The stand-in runs in a process of its own (so its JSON work is not counted against the desk's),
on loopback. A new store is connected and synced from nothing (every order created), then its
cursors are forgotten and it is synced again (every page read again, nothing changed: the cost
of re-reading). Each prints orders/s and the seconds taken. Uses DATABASE_URL when set, else a
throw-away SQLite database; settings are production-like (DEBUG off). Each platform adds its
own entry to PLATFORMS: how to start its stand-in and how to connect a store to it.
"""

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


@dataclass
class Bench:
    # The stand-in's command line for `orders` orders; it prints its base URL on its first line.
    server: Callable[[int], list[str]]
    # The DESK_CONNECTOR_BASE_URLS entries, given that URL.
    base_urls: Callable[[str], str]
    # Makes a connected store (Django is set up by then); returns the Connection.
    connect: Callable[[str], object]


def _ozon_connect(name: str):
    from connectors.models import Connection
    from disputes.models import Store
    from tests.fakes.ozon_api import API_KEY, CLIENT_ID

    store = Store.objects.create(
        name=name, platform="ozon", marketplace="RU", time_zone="Europe/Moscow", currency="RUB"
    )
    connection = Connection(store=store, settings={"client_id": CLIENT_ID})
    connection.keep_secrets({"api_key": API_KEY})
    connection.save()
    return connection


def _amazon_connect(name: str):
    from connectors.models import Connection
    from disputes.models import Store
    from tests.fakes.amazon_api import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN

    store = Store.objects.create(
        name=name, platform="amazon", marketplace="US", time_zone="America/Los_Angeles", currency="USD"
    )
    connection = Connection(store=store, settings={"client_id": CLIENT_ID})
    connection.keep_secrets({"client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN})
    connection.save()
    return connection


def _ebay_connect(name: str):
    from connectors.models import Connection
    from disputes.models import Store
    from tests.fakes.ebay_api import EbayState

    fake = EbayState()
    store = Store.objects.create(
        name=name, platform="ebay", marketplace="US", time_zone="America/New_York", currency="USD"
    )
    connection = Connection(store=store, settings={"client_id": fake.client_id})
    connection.keep_secrets(
        {"client_secret": fake.client_secret, "refresh_token": next(iter(fake.refresh_tokens))}
    )
    connection.save()
    return connection


PLATFORMS: dict[str, Bench] = {
    "ozon": Bench(
        server=lambda n: [sys.executable, "-m", "tests.fakes.ozon_api", "--postings", str(n)],
        base_urls=lambda url: f"ozon={url}",
        connect=_ozon_connect,
    ),
    # Two calls an order, as Amazon serves them: its page of getOrders (100 a page) and its
    # getOrderItems. The stand-in answers at once (Amazon's own limit on getOrderItems, 0.5 calls
    # a second, would make this days there, whatever the desk does) and never finishes the All
    # Orders report (the importer's own figures are bench/import_orders.py).
    "amazon": Bench(
        server=lambda n: [sys.executable, "-m", "tests.fakes.amazon_api", "--orders", str(n)],
        base_urls=lambda url: f"amazon={url},amazon_auth={url}",
        connect=_amazon_connect,
    ),
    # Orders made up on demand, 200 a page as the Fulfillment API pages them.
    "ebay": Bench(
        server=lambda n: [sys.executable, "-m", "tests.fakes.ebay_api", "--orders", str(n)],
        base_urls=lambda url: f"ebay={url}",
        connect=_ebay_connect,
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--platform", choices=sorted(PLATFORMS), required=True)
    parser.add_argument("--orders", type=int, default=100_000)
    arguments = parser.parse_args()
    bench = PLATFORMS[arguments.platform]

    server = subprocess.Popen(bench.server(arguments.orders), cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        os.environ["DESK_CONNECTOR_BASE_URLS"] = bench.base_urls(url)
        # The bench measures the desk, not the platforms' published rate limits: no waiting on an
        # operation's bucket (nor on a Retry-After, which the stand-ins do not send here).
        os.environ.setdefault("DESK_CONNECTOR_MAX_WAIT", "0")
        if not os.environ.get("DESK_CONNECTOR_KEYS"):
            from cryptography.fernet import Fernet

            os.environ["DESK_CONNECTOR_KEYS"] = Fernet.generate_key().decode()
        from desk_env import start_desk

        workdir = start_desk("connector-sync-")
        try:
            run(bench, arguments)
        finally:
            workdir.cleanup()
    finally:
        server.terminate()
        server.wait()


def run(bench: Bench, arguments) -> None:
    from django.db import connection as db

    from connectors import sync
    from connectors.models import SyncCursor
    from disputes.models import Order

    connection = bench.connect(f"Bench {arguments.platform} {time.time_ns()}")
    print(
        f"{arguments.platform}: {arguments.orders:,} orders from {os.environ['DESK_CONNECTOR_BASE_URLS']} on {db.vendor}"
    )
    for label in ("first sync (all new)", "re-read (nothing changed)"):
        started = time.perf_counter()
        result = sync.sync_connection(connection)
        seconds = time.perf_counter() - started
        if result.outcome != "synced":
            raise SystemExit(f"{label}: {result.outcome}: {result.error}")
        count = Order.objects.filter(store=connection.store).count()
        print(
            f"  {label:28} {arguments.orders / seconds:>9,.0f} orders/s  {seconds:7.1f} s  "
            f"{result.pages} pages  changed {result.written.changed:,}  orders in the store {count:,}"
        )
        SyncCursor.objects.filter(connection=connection).delete()
        type(connection).objects.filter(pk=connection.pk).update(lease_until=None)


if __name__ == "__main__":
    main()
