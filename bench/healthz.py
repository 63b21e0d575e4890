"""What a load balancer's probe of /healthz costs: time per request (database round trip and a
broker connection included) and queries, over many requests in one process.

    .venv/bin/python bench/healthz.py [--requests 500]
    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/healthz.py
"""

import argparse
import statistics
import time

from desk_env import start_desk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    count = parser.parse_args().requests
    workdir = start_desk("desk-bench-healthz-")
    try:
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        client = Client()
        client.get("/healthz")  # warm: the first connection and imports
        times = []
        with CaptureQueriesContext(connection) as queries:
            for _ in range(count):
                started = time.perf_counter()
                response = client.get("/healthz")
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.content
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(
            f"/healthz × {count} ({connection.vendor}): p50 {statistics.median(times):.2f} ms, "
            f"p95 {p95:.2f} ms, {len(queries) / count:.0f} quer(ies) a request, "
            f"Set-Cookie: {'yes' if response.cookies else 'no'}"
        )
    finally:
        workdir.cleanup()


if __name__ == "__main__":
    main()
