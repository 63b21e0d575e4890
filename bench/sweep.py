"""The deadline sweep at scale: 200,000 open claims, of which 1,000 owe an alert.

    psql -h 127.0.0.1 -U postgres -c 'create database bench_sweep'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_sweep .venv/bin/python bench/sweep.py

Seeds its own database with COPY (one store, one order per claim), then prints:
- the plan of the query that finds due claims (it must be an index scan on claim_alert_due),
- the time to find the due rows, and the time of a whole sweep that raises their alerts,
- the time of a sweep when nothing is due (the cost every idle minute).
"""

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def seed_claims(claims: int, due: int, now: datetime):
    """Empty the claim, order and store tables and COPY `claims` open A-to-Z claims of one
    Amazon US store, the first `due` of them owing their "half" alert at `now`. Returns the
    store."""
    from django.db import connection

    from disputes.default_rules import install_default_rules
    from disputes.models import DeadlineRule, Store

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE disputes_claim, disputes_order, disputes_store, disputes_storehour RESTART IDENTITY CASCADE"
        )
    # Rules may name a store, so the cascade empties their table too: put the defaults back.
    install_default_rules(DeadlineRule)
    store = Store.objects.create(
        name="Sweep bench",
        platform="amazon",
        marketplace="US",
        time_zone="America/Los_Angeles",
        currency="USD",
    )
    rule = DeadlineRule.objects.get(platform="amazon", claim_kind="a_to_z", deadline="respond")

    raw = connection.cursor().connection
    with raw.cursor() as cursor:
        with cursor.copy(
            "COPY disputes_order (id, store_id, platform_order_id, status, purchased_at, currency, "
            "total, fulfilment_channel, ship_country, created_at, updated_at) FROM STDIN"
        ) as copy:
            for n in range(1, claims + 1):
                copy.write_row(
                    (
                        n,
                        store.pk,
                        f"S-{n:09d}",
                        "Shipped",
                        now - timedelta(days=5),
                        "USD",
                        10,
                        "seller",
                        "US",
                        now,
                        now,
                    )
                )
        with cursor.copy(
            "COPY disputes_claim (id, store_id, order_id, kind, reason, platform_claim_id, status, "
            "outcome, counts_toward_odr, opened_at, respond_by, respond_rule_id, respond_explained, "
            "next_alert_at, next_alert_threshold, priority, version, created_at, updated_at, "
            "snooze_note, order_purchased_at) FROM STDIN"
        ) as copy:
            for n in range(1, claims + 1):
                if n <= due:  # these owe their "half" alert already
                    opened = now - timedelta(hours=30)
                else:  # the rest owe theirs later
                    opened = now - timedelta(hours=(n % 20))
                respond_by = opened + timedelta(hours=48)
                copy.write_row(
                    (
                        n,
                        store.pk,
                        n,
                        "a_to_z",
                        "not_received",
                        "",
                        "new",
                        "",
                        True,
                        opened,
                        respond_by,
                        rule.pk,
                        "",
                        opened + timedelta(hours=24),
                        "half",
                        2,
                        1,
                        now,
                        now,
                        "",
                        now - timedelta(days=5),
                    )
                )
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval('disputes_order_id_seq', %s)", [claims])
        cursor.execute("SELECT setval('disputes_claim_id_seq', %s)", [claims])
        cursor.execute("ANALYZE disputes_claim")
    return store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--due", type=int, default=1_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/sweep.py needs PostgreSQL: set DATABASE_URL (see the docstring).")
    call_command("migrate", verbosity=0)
    from disputes import alerts, sweep
    from disputes.models import Claim

    now = datetime.now(UTC)
    started = time.perf_counter()
    seed_claims(args.claims, args.due, now)
    print(f"seeded {args.claims:,} open claims ({args.due:,} due) in {time.perf_counter() - started:.1f} s")

    due = Claim.objects.filter(next_alert_at__lte=now).order_by("next_alert_at", "pk")[: sweep.BATCH]
    sql, params = due.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print("\nplan of the due-claims query:\n" + plan)

    started = time.perf_counter()
    found = len(list(due.values_list("pk", flat=True)))
    find_ms = (time.perf_counter() - started) * 1000

    # Open the broker connection first: the sweep publishes its e-mail task on commit.
    from disputes.tasks import record_heartbeat

    record_heartbeat.delay(source="bench")

    started = time.perf_counter()
    raised = alerts.sweep_claims(now=now)
    sweep_ms = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    idle = alerts.sweep_claims(now=now)
    idle_ms = (time.perf_counter() - started) * 1000

    print(f"\nfind the first batch of due claims ({found} rows): {find_ms:.1f} ms")
    print(
        f"sweep raising {len(raised):,} alerts for {args.due:,} due claims: {sweep_ms:.0f} ms "
        f"({sweep_ms / max(len(raised), 1):.2f} ms per alert)"
    )
    print(f"sweep with nothing due: {idle_ms:.1f} ms ({len(idle)} alerts)")
    bar = "PASS" if sweep_ms <= 200 else "FAIL"
    print(f"bar: sweep <= 200 ms at {args.claims:,} open / {args.due:,} due: {bar}")


if __name__ == "__main__":
    main()
