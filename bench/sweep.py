"""The deadline sweep at scale: 200,000 open claims, of which 1,000 owe an alert (or 2,000,000
and 10,000: `--claims 2000000 --due 10000`).

    psql -h 127.0.0.1 -U postgres -c 'create database bench_sweep'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_sweep .venv/bin/python bench/sweep.py

Seeds its own database with COPY (one store, one order per claim; `--reuse` resets one seeded
before instead), then prints:
- the plan of the query that finds due claims (it must be an index scan on claim_alert_due, the
  index of the schedule table `disputes_claimalertschedule`),
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
            "TRUNCATE disputes_claim, disputes_order, disputes_store, disputes_storehour, "
            "disputes_openclaimcount RESTART IDENTITY CASCADE"
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
            "total, fulfilment_channel, ship_country, created_at, updated_at, delivered) FROM STDIN"
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
                        False,
                    )
                )
        with cursor.copy(
            "COPY disputes_claim (id, store_id, order_id, kind, reason, platform_claim_id, status, "
            "outcome, counts_toward_odr, opened_at, respond_by, respond_rule_id, respond_explained, "
            "priority, version, created_at, updated_at, "
            "snooze_note, order_purchased_at, choice, choice_advised) FROM STDIN"
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
                        2,
                        1,
                        now,
                        now,
                        "",
                        now - timedelta(days=5),
                        "",
                        "",
                    )
                )
        # Each claim's next alert ("half the window") in the sweep's schedule table.
        with cursor.copy(
            "COPY disputes_claimalertschedule (claim_id, next_alert_at, next_alert_threshold) FROM STDIN"
        ) as copy:
            for n in range(1, claims + 1):
                opened = now - timedelta(hours=30 if n <= due else n % 20)
                copy.write_row((n, opened + timedelta(hours=24), "half"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval('disputes_order_id_seq', %s)", [claims])
        cursor.execute("SELECT setval('disputes_claim_id_seq', %s)", [claims])
        cursor.execute("ANALYZE disputes_claim")
        cursor.execute("ANALYZE disputes_claimalertschedule")
    return store


def reset_due(claims: int, due: int, now: datetime) -> None:
    """Put a seeded database back as `seed_claims` left it, without seeding again: the first
    `due` claims owe their "half" alert again, and no alert, notification or timeline entry
    exists. The schedule table is vacuumed, so each run starts without the last run's dead rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), min(next_alert_at) FILTER (WHERE claim_id > %s) FROM disputes_claimalertschedule",
            [due],
        )
        count, first_later = cursor.fetchone()
        if count != claims:
            sys.exit(f"--reuse: the database schedules {count:,} claims, not {claims:,}: seed it again")
        if first_later is not None and first_later <= now:
            sys.exit("--reuse: the claims that are not due would be by now (seeded too long ago): seed again")
        cursor.execute("TRUNCATE disputes_alert, disputes_claimevent CASCADE")
        cursor.execute(
            "UPDATE disputes_claimalertschedule AS s SET next_alert_at = c.opened_at + interval '24 hours', "
            "next_alert_threshold = 'half' FROM disputes_claim AS c WHERE c.id = s.claim_id AND s.claim_id <= %s",
            [due],
        )
        cursor.execute("VACUUM (ANALYZE) disputes_claimalertschedule")


class Meter:
    """Wall time, this process's CPU time, the CPU time of its PostgreSQL backend (from /proc,
    when the server runs on this machine) and the queries sent, around one block."""

    def __init__(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = Path(f"/proc/{cursor.fetchone()[0]}/stat")
        self.queries = 0
        self.sql = 0.0
        self.by_statement: dict[str, list[float]] = {}

    def server_cpu(self) -> float:
        if not self.backend.exists():
            return 0.0
        fields = self.backend.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def timed(self, execute, query, params, many, context):
        started = time.perf_counter()
        try:
            return execute(query, params, many, context)
        finally:
            took = time.perf_counter() - started
            self.sql += took
            self.queries += 1
            kind = self.by_statement.setdefault(" ".join(query.split())[:70], [0, 0.0])
            kind[0] += 1
            kind[1] += took

    def run(self, block, profile: bool = False):
        from django.db import connection

        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile(time.process_time)  # CPU time: the machine may be busy
        self.queries, self.sql = 0, 0.0
        self.by_statement.clear()
        wall, cpu, server = time.perf_counter(), time.process_time(), self.server_cpu()
        with connection.execute_wrapper(self.timed):
            if profiler:
                profiler.enable()
            result = block()
            if profiler:
                profiler.disable()
        self.wall = (time.perf_counter() - wall) * 1000
        self.cpu = (time.process_time() - cpu) * 1000
        self.server = (self.server_cpu() - server) * 1000
        if profiler:
            import pstats

            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return result

    def statements(self) -> str:
        """The time waited for each kind of statement (its first words), longest first."""
        ranked = sorted(self.by_statement.items(), key=lambda item: -item[1][1])
        return "\n".join(f"  {seconds * 1000:7.0f} ms {count:4d}x  {sql}" for sql, (count, seconds) in ranked)

    def figures(self) -> str:
        return (
            f"{self.wall:.0f} ms wall; CPU {self.cpu:.0f} ms here, {self.server:.0f} ms in the PostgreSQL "
            f"backend; {self.queries} queries, {self.sql * 1000:.0f} ms waiting for them"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument(
        "--reuse", action="store_true", help="the database was seeded by an earlier run: reset it instead"
    )
    parser.add_argument("--runs", type=int, default=1, help="sweeps raising the alerts, each after a reset")
    parser.add_argument("--statements", action="store_true", help="the time waited for each kind of query")
    parser.add_argument("--profile", action="store_true", help="cProfile (CPU clock) of the first sweep")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/sweep.py needs PostgreSQL: set DATABASE_URL (see the docstring).")
    call_command("migrate", verbosity=0)
    from disputes import alerts, sweep
    from disputes.models import ClaimAlertSchedule

    now = datetime.now(UTC)
    if args.reuse:
        reset_due(args.claims, args.due, now)
    else:
        started = time.perf_counter()
        seed_claims(args.claims, args.due, now)
        print(
            f"seeded {args.claims:,} open claims ({args.due:,} due) in {time.perf_counter() - started:.1f} s"
        )

    due = ClaimAlertSchedule.objects.filter(next_alert_at__lte=now).order_by("next_alert_at", "pk")[
        : sweep.BATCH
    ]
    sql, params = due.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print("\nplan of the due-claims query:\n" + plan)

    started = time.perf_counter()
    found = len(list(due.values_list("pk", flat=True)))
    find_ms = (time.perf_counter() - started) * 1000
    print(f"\nfind the first batch of due claims ({found} rows): {find_ms:.1f} ms")

    # Open the broker connection first: the sweep publishes its e-mail task on commit.
    from disputes.tasks import record_heartbeat

    record_heartbeat.delay(source="bench")

    meter = Meter()
    walls = []
    for run in range(args.runs):
        if run:
            now = datetime.now(UTC)
            reset_due(args.claims, args.due, now)
        raised = meter.run(lambda at=now: alerts.sweep_claims(now=at), profile=args.profile and not run)
        walls.append(meter.wall)
        print(f"sweep raising {len(raised):,} alerts for {args.due:,} due claims: {meter.figures()}")
        if args.statements:
            print(meter.statements())
    idle = meter.run(lambda at=now: alerts.sweep_claims(now=at))
    print(f"sweep with nothing due ({len(idle)} alerts): {meter.figures()}")
    goal = 1000 if args.due >= 10_000 else 200
    bar = "PASS" if min(walls) <= goal else "FAIL"
    print(
        f"goal: sweep <= {goal} ms at {args.claims:,} open / {args.due:,} due: {bar} (best {min(walls):.0f} ms)"
    )
    os.system("uptime")


if __name__ == "__main__":
    main()
