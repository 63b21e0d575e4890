"""The store page's ODR with its kinds (`order_defect_rate`), in-process, on the seeded database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/store_odr.py \\
        [--store "Amazon US"] [--runs 200] [--explain]

Run from the tree whose code is to be measured (copied into an export of another commit, it
runs that commit's code). Ten warm-up reads, then --runs reads, each statement timed through
`connection.execute_wrapper` and the whole call with `time.perf_counter`: the statements per
read, and the median and 95th percentile of the read's SQL and of the whole call. With
--explain, EXPLAIN (ANALYZE, BUFFERS) of each statement of the last read.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import setup_django  # bench/pages.py: production-like settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", default="Amazon US")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    setup_django(debug=False)

    from django.db import connection

    from disputes.models import Store
    from disputes.selectors.odr import order_defect_rate

    store = Store.objects.get(name=args.store)
    statements: list[tuple[str, object]] = []
    spent: list[float] = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append((time.perf_counter() - start) * 1000)
            statements.append((sql, params))

    sql_ms, call_ms = [], []
    for n in range(10 + args.runs):
        statements.clear()
        spent.clear()
        with connection.execute_wrapper(timed):
            start = time.perf_counter()
            odr = order_defect_rate(store)
            whole = (time.perf_counter() - start) * 1000
        if n >= 10:
            sql_ms.append(sum(spent))
            call_ms.append(whole)
    print(odr)

    def p95(values: list[float]) -> float:
        return sorted(values)[max(0, round(0.95 * len(values)) - 1)]

    print(
        f"{len(statements)} statement(s) per read; SQL median {statistics.median(sql_ms):.2f} ms, "
        f"p95 {p95(sql_ms):.2f}; whole call median {statistics.median(call_ms):.2f} ms, p95 {p95(call_ms):.2f}"
    )
    if args.explain:
        for sql, params in statements:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                print("\n".join(row[0] for row in cursor.fetchall()), end="\n\n")


if __name__ == "__main__":
    main()
