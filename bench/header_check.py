"""Time of the order import's header check on absurdly wide headers.

    .venv/bin/python bench/header_check.py [--columns 100000] [--runs 5]

Uses DATABASE_URL when it is set (its tables are migrated first); otherwise a throw-away SQLite
database in a temporary folder. Nothing is written: every header here is refused.

Prints two figures for a tab-separated header of N distinct columns (default 100,000):
- the import refusing it as it comes (the length cap stops it after the first 20,000 characters);
- the column checks themselves (splitting, names, required and duplicate columns) with the caps
  lifted, at N/10, N and N×10 columns: the time must grow about tenfold per step (linear). The
  check it replaced compared every column with every other one, about N² steps: hours at
  1,000,000 columns.
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.desk_env import start_desk  # noqa: E402


def header(columns: int) -> bytes:
    # Every fourth name repeats, so the duplicate check has work to report.
    names = [f"column-{n - n % 4 if n % 4 == 3 else n}" for n in range(columns)]
    return ("\t".join(names) + "\r\n").encode()


def best_of(runs: int, store, data: bytes) -> tuple[float, str]:
    from disputes.importing import import_orders

    times, first_error = [], ""
    for _ in range(runs):
        started = time.perf_counter()
        result = import_orders(store=store, file=io.BytesIO(data), file_name="wide.txt")
        times.append(time.perf_counter() - started)
        assert not result.ok, "a header without the required columns must be refused"
        first_error = result.errors[0].message
    return min(times), first_error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--columns", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    workdir = start_desk("desk-bench-header-")
    from disputes import importing
    from disputes.models import Store

    store, _ = Store.objects.get_or_create(
        name="Bench header US",
        defaults={
            "platform": "amazon",
            "marketplace": "US",
            "time_zone": "America/New_York",
            "currency": "USD",
        },
    )
    try:
        data = header(options.columns)
        seconds, message = best_of(options.runs, store, data)
        print(
            f"refusing a {options.columns:,}-column header ({len(data) / 1e6:.1f} MB): "
            f"{seconds * 1000:.2f} ms (best of {options.runs})"
        )
        print(f"  message: {message}")

        importing.MAX_COLUMNS = importing.MAX_HEADER_CHARS = 10**12
        print("column checks with the caps lifted:")
        for columns in (options.columns // 10, options.columns, options.columns * 10):
            data = header(columns)
            times = [best_of(1, store, data)[0] for _ in range(max(1, options.runs // 2))]
            print(
                f"  {columns:>10,} columns: {statistics.median(times) * 1000:9.1f} ms"
                f"  ({statistics.median(times) / columns * 1e9:.0f} ns per column)"
            )
    finally:
        workdir.cleanup()


if __name__ == "__main__":
    main()
