"""What the open claim counts' triggers (disputes/open_counts.py) add to a bulk update of claims.

    DATABASE_URL=postgres://…/db .venv/bin/python bench/open_counts_update.py [--claims 30000] [--runs 5]

Seeds a store with `--claims` open claims once (due over 30 days, ten agents), installs the tree's
triggers, then times one UPDATE of 2,000 claims' assignee, and one of their priority (no counted
column), with the UPDATE trigger and with it dropped, in turn, each in a transaction rolled back.
Prints the statement's wall time (min / median ms). Run it on the code before a change of the
trigger and after it, on the same database. SQLite in a temporary folder unless DATABASE_URL is
set.
"""

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from desk_env import start_desk, store_agent_order  # noqa: E402

BATCH = 2_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    workdir = start_desk("bench-open-counts-")

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from disputes import open_counts
    from disputes.models import Claim, ClaimStatus, Membership, Order, Role

    _, first = store_agent_order("Bench open counts store", "bench-open-counts-0")
    store = first.store
    agents = []
    for n in range(10):
        agent, _ = get_user_model().objects.get_or_create(username=f"bench-open-counts-{n}")
        Membership.objects.get_or_create(user=agent, store=store, defaults={"role": Role.AGENT})
        agents.append(agent)
    missing = args.claims - Claim.objects.filter(store=store).exclude(status=ClaimStatus.CLOSED).count()
    now = timezone.now()
    for start in range(0, max(missing, 0), 5_000):
        orders = Order.objects.bulk_create(
            Order(
                store=store,
                platform_order_id=f"BENCH-OC-{time.time_ns()}-{n}",
                purchased_at=now,
                currency="USD",
            )
            for n in range(min(5_000, missing - start))
        )
        Claim.objects.bulk_create(
            Claim(
                store=store,
                order=order,
                kind="a_to_z",
                reason="not_received",
                opened_at=now,
                respond_by=now + timedelta(minutes=(start + n) * 43_200 // args.claims),
                assignee=agents[n % 10],
            )
            for n, order in enumerate(orders)
        )
    open_counts.install()  # the tree's triggers, and the counts taken again
    kind = "row"  # SQLite's
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE disputes_claim")
            cursor.execute("VACUUM ANALYZE disputes_openclaimcount")
            cursor.execute(
                "SELECT CASE WHEN tgtype & 1 = 1 THEN 'row' ELSE 'statement' END FROM pg_trigger "
                "WHERE tgname = 'desk_open_count_update'"
            )
            (kind,) = cursor.fetchone()
    print(f"{connection.vendor}: UPDATE trigger for each {kind}")
    ids = list(
        Claim.objects.filter(store=store, assignee=agents[0])
        .exclude(status=ClaimStatus.CLOSED)
        .values_list("pk", flat=True)[:BATCH]
    )
    drop = "DROP TRIGGER desk_open_count_update" + (
        " ON disputes_claim" if connection.vendor == "postgresql" else ""
    )
    updates = {
        "assignee": lambda: Claim.objects.filter(pk__in=ids).update(assignee=agents[1]),
        "priority (no counted column)": lambda: Claim.objects.filter(pk__in=ids).update(priority=3),
    }
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.runs):
        for what, update in updates.items():
            for trigger in ("trigger", "none"):
                with transaction.atomic():
                    if trigger == "none":
                        with connection.cursor() as cursor:
                            cursor.execute(drop)
                    started = time.perf_counter()
                    assert update() == len(ids)
                    times.setdefault((what, trigger), []).append((time.perf_counter() - started) * 1000)
                    transaction.set_rollback(True)
    print(f"{len(ids)} of {args.claims} open claims, {args.runs} runs, min / median ms:")
    for (what, trigger), ms in times.items():
        print(f"  UPDATE {what}, {trigger}: {min(ms):.0f} / {statistics.median(ms):.0f}")
    workdir.cleanup()


if __name__ == "__main__":
    main()
