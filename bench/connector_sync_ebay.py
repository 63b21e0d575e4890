"""Orders per second of an eBay sync against the local fake eBay (tests/fakes/ebay_api.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_sync \\
        .venv/bin/python bench/connector_sync_ebay.py [--orders 100000]

The fake runs in a child process (so its JSON work does not share this process's interpreter)
and makes its orders up on demand, 200 a page as the Fulfillment API pages them, each with one
line, a buyer among ~10,000 and a SKU among 500. This process migrates the database (a
throw-away SQLite one without DATABASE_URL), connects a new eBay store and runs the real sync:
HTTP, mapping to records, writing through the importer's writer. It prints the first sync's
orders per second, then a second sync's (the same window read again from the start, which must
write nothing). Settings are production-like (DEBUG off).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    arguments = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-ebay-"))
    os.environ.setdefault("DESK_VAR_DIR", str(scratch))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    os.environ["DEBUG"] = "1"  # dev conveniences: a generated connector key in the scratch folder
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.ebay_api", "--orders", str(arguments.orders)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base = server.stdout.readline().strip()
        os.environ["DESK_CONNECTOR_BASE_URLS"] = f"ebay={base}"
        run(arguments.orders)
    finally:
        server.terminate()
        server.wait()


def run(count: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False  # no query log
    call_command("migrate", verbosity=0)
    from connectors.models import Connection, SyncCursor
    from connectors.sync import sync_connection
    from disputes.models import Order, Platform, Store
    from tests.fakes.ebay_api import EbayState

    fake = EbayState()
    store = Store.objects.create(
        name=f"Bench eBay {time.time_ns()}", platform=Platform.EBAY, marketplace="US", currency="USD"
    )
    connection = Connection(store=store, settings={"client_id": fake.client_id})
    connection.keep_secrets(
        {"client_secret": fake.client_secret, "refresh_token": next(iter(fake.refresh_tokens))}
    )
    connection.save()
    for label in ("first sync", "second sync (no change)"):
        SyncCursor.objects.filter(connection=connection).delete()  # read the whole window again
        Connection.objects.filter(pk=connection.pk).update(lease_until=None)
        started = time.perf_counter()
        result = sync_connection(Connection.objects.get(pk=connection.pk))
        seconds = time.perf_counter() - started
        assert result.outcome == "synced", result.error
        print(
            f"{label}: {count} orders in {seconds:.1f} s = {count / seconds:,.0f} orders/s "
            f"({result.pages} pages; {dict(result.written.counts)})",
            flush=True,
        )
    assert Order.objects.filter(store=store).count() == count


if __name__ == "__main__":
    main()
