"""The managers' dashboard in-process, query by query, on the seeded PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/dashboard_sql.py \\
        sql [--requests 15] | explain | html OUT [--at 2026-12-07T07:00:00+00:00] [--zones UTC,...]

Run from the tree whose code is to be measured (an export of another commit runs its own
code). As bench.manager, through django.test.Client:

- `sql`: two warm-ups, then --requests requests with `connection.execute_wrapper` timing each
  query, named by the innermost function of the desk's own code that ran it (medians per name,
  and of the page's SQL in all), then --requests more without the wrapper for the CPU time
  (`time.process_time`) and the wall time of a request.
- `explain`: the page's statements that read the claims or the stores' hour counts, each run
  9 times under EXPLAIN ANALYZE (min / median execution time).
- `html`: the page with the clock fixed (--at), in English and Chinese and each of --zones,
  nonces and CSRF tokens blanked, written to OUT.<language>.<zone>.html: compare two trees'
  files with `cmp` (the same figures and markup, byte for byte).
"""

import argparse
import os
import re
import statistics
import time
import traceback
from datetime import datetime
from pathlib import Path
from unittest import mock

from pages import ROOT, setup_django  # bench/pages.py: production-like settings, PostgreSQL only


def who_asked() -> str:
    """The innermost function of the desk's own code on the stack."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        path = frame.filename
        if path.startswith(str(ROOT)) and "/.venv/" not in path and "/bench/" not in path:
            return f"{os.path.relpath(path, ROOT)}:{frame.name}"
    return "?"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["sql", "explain", "html"])
    parser.add_argument("out", nargs="?", help="html: where to write (a prefix)")
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--at", default="2026-12-07T07:00:00.123456+00:00", help="html: the fixed clock")
    parser.add_argument("--zones", default="UTC,Asia/Kolkata,America/Los_Angeles")
    args = parser.parse_args()
    setup_django(debug=False)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench.manager"))

    def get():
        response = client.get("/dashboard/", secure=True)
        assert response.status_code == 200, response.status_code
        return response

    if args.mode == "sql":
        get(), get()
        per: dict[str, list[float]] = {}
        totals = []
        for _ in range(args.requests):
            times: dict[str, float] = {}

            def timed(execute, sql, params, many, context, times=times):
                start = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    name = who_asked()
                    times[name] = times.get(name, 0) + (time.perf_counter() - start) * 1000

            with connection.execute_wrapper(timed):
                get()
            for name, ms in times.items():
                per.setdefault(name, []).append(ms)
            totals.append(sum(times.values()))
        walls, cpus = [], []
        for _ in range(args.requests):
            wall, cpu = time.perf_counter(), time.process_time()
            get()
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        print(f"load {os.getloadavg()[0]:.1f}")
        for name, values in sorted(per.items(), key=lambda item: -statistics.median(item[1])):
            print(f"{statistics.median(values):7.2f}  {name}")
        print(
            f"SQL median {statistics.median(totals):.1f} ms; wall median {statistics.median(walls):.1f} ms; "
            f"CPU median {statistics.median(cpus):.1f} ms (without the wrapper)"
        )
    elif args.mode == "explain":
        get()
        with CaptureQueriesContext(connection) as captured:
            get()
        print(f"load {os.getloadavg()[0]:.1f}; {len(captured)} queries")
        for query in captured:
            sql = query["sql"]
            if "disputes_storehour" not in sql and "disputes_claim" not in sql:
                continue
            runs = []
            with connection.cursor() as cursor:
                for _ in range(9):
                    cursor.execute("EXPLAIN (ANALYZE) " + sql)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                    found = re.search(r"Execution Time: ([\d.]+)", plan)
                    assert found is not None
                    runs.append(float(found.group(1)))
            print(f"{min(runs):7.2f} / {statistics.median(runs):7.2f}  {re.sub(r'\s+', ' ', sql)[:110]}")
    else:
        from disputes.preferences import SESSION_LANGUAGE, SESSION_TIME_ZONE

        assert args.out, "html needs OUT"
        with mock.patch("django.utils.timezone.now", return_value=datetime.fromisoformat(args.at)):
            for language in ("en", "zh-hans"):
                for zone in args.zones.split(","):
                    session = client.session
                    session[SESSION_LANGUAGE], session[SESSION_TIME_ZONE] = language, zone
                    session.save()
                    html = get().content.decode()
                    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
                    html = re.sub(r'(csrfmiddlewaretoken" value=")[^"]*"', r'\1"', html)
                    html = re.sub(r'(csrf[-_]token" content=")[^"]*"', r'\1"', html)
                    html = re.sub(r'("X-CSRFToken": *")[^"]*"', r'\1"', html)
                    name = f"{args.out}.{language}.{zone.replace('/', '_')}.html"
                    Path(name).write_text(html)
                    print(name, len(html))


if __name__ == "__main__":
    main()
