"""How evenly round-robin and least-loaded share claims, and what one pick costs.

    .venv/bin/python bench/assigning.py [--claims 1000] [--team 5 20 50]

For each team size (one member on leave, one outside their working week), opens `--claims`
claims, each assigned by the strategy, and prints the fewest and most any working member got,
whether anyone off got one, the mean time of a pick and its queries. SQLite in a temporary
folder unless DATABASE_URL is set.
"""

import argparse
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from desk_env import start_desk, store_agent_order  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--team", type=int, nargs="+", default=[5, 20, 50])
    args = parser.parse_args()
    workdir = start_desk("bench-assigning-")

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from disputes import assigning
    from disputes.models import Claim, Membership, Role, TimeOff, WorkSchedule

    owner, order = store_agent_order("Bench assigning store", "bench-assigning-agent")
    store = order.store
    now = timezone.now()
    today = timezone.localdate()
    print(
        f"{'strategy':<13} {'team':>4} {'claims':>6} {'fewest':>6} {'most':>5} {'off got':>7} {'ms/pick':>8} {'queries':>7}"
    )
    for size in args.team:
        for strategy in assigning.Strategy:
            Membership.objects.filter(store=store).delete()
            Claim.objects.filter(store=store).delete()
            team = [get_user_model().objects.create_user(f"bench-{strategy}-{size}-{n}") for n in range(size)]
            Membership.objects.bulk_create(Membership(user=u, store=store, role=Role.AGENT) for u in team)
            TimeOff.objects.create(
                user=team[0], first_day=today - timedelta(days=1), last_day=today + timedelta(days=1)
            )
            day_off = str(now.isoweekday())
            WorkSchedule.objects.create(user=team[1], weekdays="".join(d for d in "1234567" if d != day_off))
            off = {team[0].pk, team[1].pk}
            given: Counter[int] = Counter()
            spent = 0.0
            queries = 0
            for _ in range(args.claims):
                connection.queries_log.clear()
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    person = assigning.pick(strategy, store, at=now)
                spent += time.perf_counter() - started
                queries = len(captured)
                assert person is not None
                given[person.pk] += 1
                Claim.objects.create(
                    store=store,
                    order=order,
                    kind="a_to_z",
                    reason="not_received",
                    opened_at=now,
                    assignee=person,
                )
            working = [given[u.pk] for u in team if u.pk not in off]
            print(
                f"{strategy.value:<13} {size:>4} {args.claims:>6} {min(working):>6} {max(working):>5} "
                f"{sum(given[pk] for pk in off):>7} {spent / args.claims * 1000:>8.2f} {queries:>7}"
            )
    Claim.objects.filter(store=store).delete()
    workdir.cleanup()


if __name__ == "__main__":
    main()
