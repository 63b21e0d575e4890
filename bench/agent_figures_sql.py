"""The claims decided per agent in the last 30 days, as the managers' dashboard and an agent's own
day read them: before the day tallies (every decision of the 30 days, through claim_decided) and
with them (disputes/selectors/agents.py: `decided_since`), on a seeded PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/agent_figures_sql.py \\
        [--runs 25] [--explain]

As bench.manager (the dashboard's figures) and bench.agent (my day's). Each statement is run
--runs times (min / median ms, and its rows checked equal to the old one's), then once under
EXPLAIN (ANALYZE, BUFFERS) with --explain. Reads only: the old statements run on any database
(the 10x one, not migrated, among them); the new ones when it has the tallies' table.
"""

import argparse
import statistics
import time
from datetime import timedelta

from pages import setup_django  # bench/pages.py: production-like settings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    setup_django(debug=False)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count, Q
    from django.utils import timezone

    from disputes.access import managed_stores_for, stores_for
    from disputes.models import Claim, Outcome
    from disputes.selectors.agents import FIGURES_DAYS, _marks, decided_since

    users = get_user_model().objects
    manager, agent = users.get(username="bench.manager"), users.get(username="bench.agent")
    since = timezone.now() - timedelta(days=FIGURES_DAYS)
    agent_stores = list(stores_for(agent).values_list("pk", flat=True))
    counted = Count("store"), Count("store", filter=Q(outcome__in=Outcome.wins()))
    # The readers' statements before the tallies (the agent's summed in one group, not by
    # aggregate(): the same scan).
    old_dashboard = (
        Claim.objects.filter(
            store__in=managed_stores_for(manager), assignee__isnull=False, decided_at__gte=since
        )
        .exclude(outcome="")
        .values("assignee_id", "assignee__username")
        .order_by()
        .annotate(decided=counted[0], won=counted[1])
    )
    old_my_day = (
        Claim.objects.filter(store_id__in=agent_stores, assignee=agent, decided_at__gte=since)
        .exclude(outcome="")
        .values("assignee_id")
        .order_by()
        .annotate(decided=counted[0], won=counted[1])
    )
    reads = {
        "dashboard, old": old_dashboard.query.sql_with_params(),
        "my day, old": old_my_day.query.sql_with_params(),
    }
    if "disputes_agentdaytally" in connection.introspection.table_names():
        stores, store_params = managed_stores_for(manager).order_by().values("pk").query.sql_with_params()
        sql, params = decided_since(stores, list(store_params), since)
        reads["dashboard, new"] = (
            f"SELECT k.assignee_id, u.username, SUM(k.decided), SUM(k.won) FROM ({sql}) k "
            "JOIN auth_user u ON u.id = k.assignee_id GROUP BY k.assignee_id, u.username",
            params,
        )
        sql, params = decided_since(_marks(agent_stores), agent_stores, since, agent.pk)
        reads["my day, new"] = (f"SELECT %s, SUM(decided), SUM(won) FROM ({sql}) k", [agent.pk, *params])

    answers = {}
    with connection.cursor() as cursor:
        for name, (sql, params) in reads.items():
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                cursor.execute(sql, params)
                rows = cursor.fetchall()
                times.append((time.perf_counter() - started) * 1000)
            # (assignee, decided, won), whatever else the statement gives.
            answers[name] = sorted((row[0], int(row[-2]), int(row[-1])) for row in rows if row[-2])
            same = ""
            if name.endswith("new"):
                same = (
                    ", same rows as the old"
                    if answers[name] == answers[name[:-3] + "old"]
                    else ", ROWS DIFFER"
                )
            print(
                f"{name}: {min(times):.2f} / {statistics.median(times):.2f} ms (min / median of {args.runs}), "
                f"{len(answers[name])} agents, {sum(d for _a, d, _w in answers[name])} decided{same}"
            )
            if args.explain:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                print("\n".join("    " + line for (line,) in cursor.fetchall()))


if __name__ == "__main__":
    main()
