"""Throughput and peak memory of importing a 100,000-line Amazon "All Orders" report.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import \\
        .venv/bin/python bench/import_orders.py [--rows 100000] [--runs 1] [--profile]

Uses DATABASE_URL when it is set (its tables are migrated first); otherwise a throw-away
SQLite database in a temporary folder. The report is a North America regional report as
Amazon serves it: Amazon.com rows for the US store, Amazon.ca rows for the Canadian store,
Amazon.com.mx rows with no store here (skipped and counted), multi-channel (Non-Amazon) rows
without price or currency, the same SKU on two rows of an order (split shipments), cancelled
lines inside shipped orders, pending orders without prices, tax, shipping and promotions.

Each run makes two new, empty stores (US and CA), then a child process imports the file into
them twice: first import (everything created) and re-import (which must change nothing;
`--reimports N` times it N times). The
child prints rows per second for both and its peak resident memory (VmHWM of the child:
Django loaded, before importing, and after each import), so the figure is the import's and not
this script's, which wrote the file and ran the migrations. With a PostgreSQL server on this
machine it also prints the CPU time its backend spent on each import (from /proc): on a busy
machine the CPU times are steadier than the wall time. `--profile` runs the first import
and the re-import under cProfile in the child and prints the top functions. The runs' stores
and orders are deleted at the end (`--keep` leaves them), and on PostgreSQL the two tables are
vacuumed, so that each run starts from the same tables. Settings are production-like (DEBUG
off). Goals (issue 14, PostgreSQL): first import ≥ 20,000 rows/s, re-import ≥ 50,000 rows/s,
memory bounded.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.all_orders import COLUMNS  # noqa: E402

# (SKU, ASIN, title by marketplace, price in USD)
PRODUCTS = [
    ("BTL-750-SS", "B0CX4T2M8R", "Insulated Bottle 750 ml, Brushed Steel", 24.99),
    ("CUP-12-BLU", "B07ZP3K9LQ", "Enamel Camping Cup 12 oz, Blue", 7.49),
    ("GRN-MILL-CER", "B08L7HQ2VW", "Ceramic Burr Coffee Grinder, Manual", 89.95),
    ("LNCH-BOX-2", "B09R1YV6NC", 'Bento Lunch Box, 2 Tiers "Sage"', 18.50),
    ("KTL-1L-SS", "B07ZPKB8H6", "Electric Kettle 1 l, Brushed Steel", 34.90),
    ("CBL-USBC-2M", "B0B1F9N6QX", "USB-C Cable, Braided, 2 m", 9.99),
    ("MUG-350-W", "B08L4TQW1C", "Ceramic Mug 350 ml, White", 12.50),
    ("LID-750-BLK", "B0C7QJ9M4T", "Silicone Bottle Lid, Black", 6.49),
]
# sales channel, currency, rate from USD, order id prefixes, addresses (city, state, postcode)
MARKETPLACES = {
    "Amazon.com": (
        "USD",
        1.0,
        ("111", "112", "113", "114"),
        "US",
        [("SEATTLE", "WA", "98109"), ("AUSTIN", "TX", "78704-2210"), ("PORTLAND", "OR", "97214")],
    ),
    "Amazon.ca": ("CAD", 1.37, ("702",), "CA", [("MONTRÉAL", "QC", "H2X 1Y4"), ("TORONTO", "ON", "M5V 2T6")]),
    "Amazon.com.mx": ("MXN", 18.2, ("701",), "MX", [("GUADALAJARA", "JAL", "44100")]),
    "Non-Amazon": ("", 1.0, ("S01",), "US", [("BOISE", "ID", "83702"), ("DENVER", "CO", "80205")]),
}
CHANNEL_WEIGHTS = {"Amazon.com": 82, "Amazon.ca": 9, "Amazon.com.mx": 5, "Non-Amazon": 4}


def write_report(path: Path, rows: int, seed: int = 2026) -> dict[str, int]:
    """Exactly `rows` lines below the header; returns the lines per sales channel."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    per_channel: dict[str, int] = dict.fromkeys(MARKETPLACES, 0)
    written = number = 0
    channels, weights = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\t".join(COLUMNS) + "\n")
        while written < rows:
            number += 1
            channel = rng.choices(channels, weights)[0]
            currency, rate, prefixes, country, places = MARKETPLACES[channel]
            order_id = f"{rng.choice(prefixes)}-{number:07d}-{rng.randrange(10**7):07d}"
            purchased = start + timedelta(seconds=number * 23 + rng.randrange(20))
            status = rng.choices(
                ["Shipped", "Shipped - Delivered to Buyer", "Pending", "Cancelled", "Unshipped"],
                weights=[70, 14, 6, 4, 6],
            )[0]
            fulfilment = "Amazon" if channel == "Non-Amazon" or rng.random() < 0.55 else "Merchant"
            city, state, postcode = rng.choice(places)
            products = rng.sample(PRODUCTS, k=rng.choice([1, 1, 1, 2, 2, 3]))
            if rng.random() < 0.08:  # split shipment: the first SKU again on a row of its own
                products.append(products[0])
            for sku, asin, title, usd in products[: rows - written]:
                item_status = "Cancelled" if status == "Cancelled" else "Shipped"
                if status.startswith("Shipped") and len(products) > 1 and rng.random() < 0.05:
                    item_status = "Cancelled"  # a line cancelled in an order that shipped
                unpriced = status in ("Pending", "Cancelled") or channel == "Non-Amazon"
                quantity = 0 if status == "Cancelled" else rng.choice([1, 1, 1, 2, 3])
                price = round(usd * rate * max(quantity, 1), 2)
                tax = round(price * 0.0825, 2)
                shipping = rng.choice([0.0, 0.0, 5.99])
                promotion = rng.random() < 0.1
                values = {
                    "amazon-order-id": order_id,
                    "merchant-order-id": f"SHOP-{number}" if channel == "Non-Amazon" else "",
                    "purchase-date": purchased.isoformat(),
                    "last-updated-date": (
                        purchased + timedelta(days=2, seconds=rng.randrange(9000))
                    ).isoformat(),
                    "order-status": status,
                    "fulfillment-channel": fulfilment,
                    "sales-channel": channel,
                    "ship-service-level": rng.choice(["Standard", "Standard", "Expedited"]),
                    "product-name": title,
                    "sku": sku,
                    "asin": asin,
                    "item-status": item_status,
                    "quantity": str(quantity),
                    "ship-city": city,
                    "ship-state": state,
                    "ship-postal-code": postcode,
                    "ship-country": country,
                    "is-business-order": "false",
                }
                if not unpriced:
                    values |= {
                        "currency": currency,
                        "item-price": f"{price:.2f}",
                        "item-tax": f"{tax:.2f}",
                        "shipping-price": f"{shipping:.2f}",
                        "shipping-tax": f"{shipping * 0.0825:.2f}",
                    }
                    if promotion:
                        values["item-promotion-discount"] = f"-{min(5.0, price / 4):.2f}"
                        values["promotion-ids"] = f"Save on bottles {rng.randrange(10**10)}"
                out.write("\t".join(values.get(column, "") for column in COLUMNS) + "\n")
                written += 1
                per_channel[channel] += 1
    return per_channel


def peak_rss_mb() -> float:
    """The process's peak resident memory (Linux's VmHWM). Not ru_maxrss: Linux carries the
    parent's peak into a child across exec, which would count this script's own memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kilobytes
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(report: Path, store_ids: list[int], profile: bool, batch: int | None, reimports: int = 1) -> None:
    """Runs in its own process: imports the report twice, prints one JSON line per import."""
    import django

    django.setup()
    from django.db import connection

    from disputes import importing
    from disputes.importing import import_orders
    from disputes.models import Store

    if batch:
        importing.BATCH_ROWS = batch

    stores = list(Store.objects.filter(pk__in=store_ids).order_by("pk"))
    sql = {"seconds": 0.0, "queries": 0}

    def timed(execute, query, params, many, context):
        # Time spent waiting for the database (COPY's rows are sent when its block ends).
        started = time.perf_counter()
        try:
            return execute(query, params, many, context)
        finally:
            sql["seconds"] += time.perf_counter() - started
            sql["queries"] += 1

    store, others = stores[0], stores
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 0")
        backend = Path(f"/proc/{cursor.fetchone()[0]}/stat")

    def server_cpu() -> float:
        """CPU time of this connection's PostgreSQL backend, when the server runs on this machine
        (user + system, from /proc); 0 otherwise."""
        if not backend.exists() or connection.vendor != "postgresql":
            return 0.0
        fields = backend.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    print(json.dumps({"before": peak_rss_mb()}), flush=True)
    for attempt in ("first import", *["re-import"] * reimports):
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile(time.process_time)  # CPU time: the machine may be busy
            profiler.enable()
        sql.update(seconds=0.0, queries=0)
        started, cpu_started, server_started = time.perf_counter(), time.process_time(), server_cpu()
        with report.open("rb") as handle, connection.execute_wrapper(timed):
            result = import_orders(store=store, file=handle, file_name=report.name, others=others)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        server = server_cpu() - server_started
        if profiler:
            import pstats

            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
        if not result.ok:
            sys.exit(f"refused: {[(e.line, e.message) for e in result.errors[:5]]}")
        print(
            json.dumps(
                {
                    "attempt": attempt,
                    "seconds": seconds,
                    "cpu": cpu,
                    "server": server,
                    "sql": sql["seconds"],
                    "queries": sql["queries"],
                    "rows": result.rows,
                    "orders": [result.orders_created, result.orders_updated],
                    "lines": [result.lines_created, result.lines_updated],
                    "skipped": result.skipped,
                    "other_stores": result.other_stores,
                    "rss": peak_rss_mb(),
                }
            ),
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1, help="fresh stores and two imports per run")
    parser.add_argument("--profile", action="store_true", help="cProfile the imports (slower)")
    parser.add_argument("--keep", action="store_true", help="leave the stores and orders in the database")
    parser.add_argument("--batch", type=int, help="rows per batch (default: the importer's BATCH_ROWS)")
    parser.add_argument(
        "--reimports", type=int, default=1, help="re-imports after the first import, each timed"
    )
    parser.add_argument("--child", nargs=2, metavar=("REPORT", "STORE_IDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        child(
            Path(args.child[0]),
            [int(pk) for pk in args.child[1].split(",")],
            args.profile,
            args.batch,
            args.reimports,
        )
        return

    from bench.desk_env import start_desk

    workdir = start_desk("desk-bench-import-")
    from django.conf import settings
    from django.db import connection

    from disputes.models import Order, OrderImport, OrderLine, Platform, Store

    report = Path(workdir.name) / "all-orders-na.txt"
    per_channel = write_report(report, args.rows)
    print(
        f"database: {connection.vendor}   DEBUG: {settings.DEBUG}   file: {report.stat().st_size / 2**20:.1f} MB, "
        f"{args.rows:,} lines ({', '.join(f'{c} {n:,}' for c, n in per_channel.items())})"
    )
    env = dict(os.environ)  # start_desk's settings (database, DEBUG off) reach the child
    for run in range(1, args.runs + 1):
        stamp = f"{datetime.now(UTC):%Y%m%d-%H%M%S-%f}"
        stores = [
            Store.objects.create(
                name=f"Bench Amazon US {stamp}",
                platform=Platform.AMAZON,
                marketplace="US",
                time_zone="America/Los_Angeles",
                currency="USD",
            ),
            Store.objects.create(
                name=f"Bench Amazon CA {stamp}",
                platform=Platform.AMAZON,
                marketplace="CA",
                time_zone="America/Toronto",
                currency="CAD",
            ),
        ]
        ids = ",".join(str(store.pk) for store in stores)
        command = [sys.executable, __file__, "--child", str(report), ids]
        if args.profile:
            command.append("--profile")
        if args.batch:
            command += ["--batch", str(args.batch)]
        command += ["--reimports", str(args.reimports)]
        connection.close()  # the child opens its own
        process = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
        if process.returncode:
            sys.exit(f"the import failed (exit {process.returncode})")
        figures = [json.loads(line) for line in process.stdout.splitlines() if line.startswith("{")]
        before = figures[0]["before"]
        print(f"run {run}: child's peak RSS before importing (Django loaded): {before:.0f} MB")
        for entry in figures[1:]:
            print(
                f"  {entry['attempt']:>12}: {entry['rows']:,} rows in {entry['seconds']:.2f} s = "
                f"{entry['rows'] / entry['seconds']:,.0f} rows/s (CPU of the importing process {entry['cpu']:.2f} s, of its PostgreSQL backend {entry['server']:.2f} s; {entry['queries']} queries, {entry['sql']:.2f} s)   orders +{entry['orders'][0]:,} "
                f"~{entry['orders'][1]:,}  lines +{entry['lines'][0]:,} ~{entry['lines'][1]:,}   "
                f"peak RSS {entry['rss']:.0f} MB (+{entry['rss'] - before:.0f} MB)"
            )
        last = figures[-1]
        print(f"  skipped: {last['skipped']}   also written to: {', '.join(figures[1]['other_stores'])}")
        stored = Order.objects.filter(store__in=stores).count()
        lines = OrderLine.objects.filter(order__store__in=stores).count()
        print(f"  stored: {stored:,} orders, {lines:,} lines")
        if not args.keep:
            OrderLine.objects.filter(order__store__in=stores).delete()
            Order.objects.filter(store__in=stores)._raw_delete(Order.objects.db)
            OrderImport.objects.filter(store__in=stores).delete()
            Store.objects.filter(pk__in=[store.pk for store in stores]).delete()
            if connection.vendor == "postgresql":
                # The next run starts from tables without the dead rows of this one (the local
                # server may run without autovacuum).
                with connection.cursor() as cursor:
                    cursor.execute(f"VACUUM ANALYZE {Order._meta.db_table}, {OrderLine._meta.db_table}")
    workdir.cleanup()


if __name__ == "__main__":
    main()
