"""Peak memory and time of importing a large Amazon "All Orders" report.

    .venv/bin/python bench/import_memory.py [--rows 100000] [--debug]

Uses DATABASE_URL when it is set (its tables are migrated first); otherwise a throw-away
SQLite database in a temporary folder. Generates the report into a temporary file, imports it
into a new Amazon US store, imports it a second time (which must change nothing), and prints
rows, seconds and the process's peak resident memory. The bar (docs DESIGN.md): a worker stays
under 300 MB while importing 100,000 rows.

Settings are production-like (DEBUG off) unless --debug is given: with DEBUG on, Django keeps
the text of recent queries in memory, which a worker does not do.
"""

import argparse
import os
import random
import resource
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.all_orders import COLUMNS  # noqa: E402

PRODUCTS = [
    ("WB-24-BLK", "B0C7QH2Z1K", "Stainless Steel Water Bottle, 24 oz, Matte Black", "19.99"),
    ("WB-LID-BLK", "B0C7QJ9M4T", "Silicone Bottle Lid, Black", "7.49"),
    ("RUL-12-FLX", "B09XK1LLQ2", "Kids' Ruler 12\" Flexible", "3.99"),
    ("MUG-350-W", "B08L4TQW1C", "Ceramic Mug 350 ml, White", "12.50"),
    ("KTL-1L-SS", "B07ZPKB8H6", "Electric Kettle 1 l, Brushed Steel", "34.90"),
    ("CBL-USBC-2M", "B0B1F9N6QX", "USB-C Cable, Braided, 2 m", "9.99"),
]
CITIES = [
    ("PORTLAND", "OR", "97205"),
    ("AUSTIN", "TX", "78701"),
    ("BROOKLYN", "NY", "11201"),
    ("DENVER", "CO", "80202"),
    ("SEATTLE", "WA", "98101"),
]


def write_report(path: Path, rows: int) -> None:
    """About 1.6 lines per order; a few pending (unpriced) and cancelled orders, as in life."""
    rng = random.Random(2026)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    written = 0
    number = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\t".join(COLUMNS) + "\n")
        while written < rows:
            number += 1
            order_id = f"11{number % 4}-{number:07d}-{rng.randrange(10**7):07d}"
            purchased = start + timedelta(seconds=number * 37 + rng.randrange(30))
            status = rng.choices(
                ["Shipped", "Pending", "Cancelled", "Shipped - Delivered to Buyer"], weights=[80, 6, 4, 10]
            )[0]
            channel = "Amazon" if rng.random() < 0.4 else "Merchant"
            city, state, postcode = rng.choice(CITIES)
            for sku, asin, title, price in rng.sample(
                PRODUCTS, k=min(rng.choice([1, 1, 1, 2, 2, 3]), rows - written)
            ):
                quantity = rng.choice([1, 1, 1, 2, 3])
                unpriced = status in ("Pending", "Cancelled")
                values = {
                    "amazon-order-id": order_id,
                    "purchase-date": purchased.isoformat(),
                    "last-updated-date": (purchased + timedelta(days=1)).isoformat(),
                    "order-status": status,
                    "fulfillment-channel": channel,
                    "sales-channel": "Amazon.com",
                    "ship-service-level": "Standard",
                    "product-name": title,
                    "sku": sku,
                    "asin": asin,
                    "item-status": "Cancelled" if status == "Cancelled" else "Shipped",
                    "quantity": "0" if status == "Cancelled" else str(quantity),
                    "currency": "" if unpriced else "USD",
                    "item-price": "" if unpriced else f"{float(price) * quantity:.2f}",
                    "ship-city": city,
                    "ship-state": state,
                    "ship-postal-code": postcode,
                    "ship-country": "US",
                    "is-business-order": "false",
                }
                out.write("\t".join(values.get(column, "") for column in COLUMNS) + "\n")
                written += 1


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--debug", action="store_true", help="run with DEBUG on (query log kept)")
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory(prefix="desk-bench-import-")
    tmp = Path(workdir.name)
    os.environ.setdefault("DESK_VAR_DIR", str(tmp))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    if not args.debug:
        os.environ["DEBUG"] = "0"
        # Production refuses to start without the key that seals marketplace credentials.
        os.environ.setdefault("DESK_CONNECTOR_KEYS", "YmVuY2gtb25seS1rZXktbm90LWZvci1wcm9kdWN0aW8=")
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from disputes.importing import import_orders
    from disputes.models import Order, OrderLine, Platform, Store

    call_command("migrate", verbosity=0)
    report = tmp / "all-orders.txt"
    write_report(report, args.rows)
    store = Store.objects.create(
        name=f"Bench Amazon US {datetime.now(UTC):%Y%m%d-%H%M%S-%f}",
        platform=Platform.AMAZON,
        marketplace="US",
        time_zone="America/Los_Angeles",
        currency="USD",
    )
    before_import = peak_rss_mb()

    print(
        f"database: {connection.vendor}   DEBUG: {settings.DEBUG}   "
        f"file: {report.stat().st_size / 2**20:.1f} MB"
    )
    for attempt in ("first import", "re-import"):
        started = time.perf_counter()
        with report.open("rb") as handle:
            result = import_orders(store=store, file=handle, file_name=report.name)
        seconds = time.perf_counter() - started
        if not result.ok:
            sys.exit(f"refused: {result.errors[:5]}")
        print(
            f"{attempt:>12}: rows {result.rows:,}  orders +{result.orders_created:,} "
            f"~{result.orders_updated:,}  lines +{result.lines_created:,} ~{result.lines_updated:,}  "
            f"{seconds:.1f} s  peak RSS so far {peak_rss_mb():.0f} MB"
        )
    print(
        f"stored: {Order.objects.filter(store=store).count():,} orders, "
        f"{OrderLine.objects.filter(order__store=store).count():,} lines"
    )
    print(f"peak RSS before importing (Django, migrate, file written): {before_import:.0f} MB")
    print(f"peak RSS overall: {peak_rss_mb():.0f} MB (bar: 300 MB)")
    workdir.cleanup()


if __name__ == "__main__":
    main()
