"""What a manager's retry of a failed automation rule costs the web request, and the worker.

    .venv/bin/python bench/rule_retry.py [--events 200]

A rule that assigns claims to someone outside the store failed on `--events` opened claims (each
kept as a `RuleFailure`, the rule set aside once); the person then joins the store, and the
store's manager clicks Retry on the set-aside page (Django's test client, in this process). Prints
the request's wall time, CPU time and queries; then, when the retry runs in the worker
(`disputes.tasks.retry_rule_failures`), the same for the worker's runs, done in this process,
and checks every claim got its assignee. Works on the code before the worker took the retry too
(the request then does all of it). SQLite in a temporary folder unless DATABASE_URL is set;
without REDIS_URL the task is queued on the file-system broker of the temporary folder.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from desk_env import start_desk, store_agent_order  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    workdir = start_desk("bench-rule-retry-")

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from disputes import setaside, tasks
    from disputes.models import Claim, Membership, Order, Role, Rule, RuleFailure, SetAside, SetAsideKind

    agent, first = store_agent_order("Bench retry store", "bench-retry-agent")
    store = first.store
    manager, _ = get_user_model().objects.get_or_create(username="bench-retry-manager")
    Membership.objects.get_or_create(user=manager, store=store, defaults={"role": Role.MANAGER})

    def failed(events: int):
        """A rule failed on `events` claims, set aside, then fixed: (its set-aside entry, the
        claims, the person it assigns to)."""
        outsider, _ = get_user_model().objects.get_or_create(
            username=f"bench-retry-outsider-{time.time_ns()}"
        )
        rule = Rule.objects.create(
            store=store,
            name=f"Bench retry {time.time_ns()}",
            trigger="claim_opened",
            actions={"assign_to": outsider.pk},
            is_active=False,
            position=1,
        )
        now = timezone.now()
        orders = Order.objects.bulk_create(
            Order(
                store=store,
                platform_order_id=f"BENCH-R-{time.time_ns()}-{n}",
                purchased_at=now,
                currency="USD",
            )
            for n in range(events)
        )
        claims = Claim.objects.bulk_create(
            Claim(store=store, order=order, kind="a_to_z", reason="not_received", opened_at=now)
            for order in orders
        )
        RuleFailure.objects.bulk_create(
            RuleFailure(rule=rule, claim=claim, trigger="claim_opened", error="ValueError: not a member")
            for claim in claims
        )
        setaside.record(
            kind=SetAsideKind.RULE,
            subject_id=rule.pk,
            store_id=store.pk,
            label=rule.name,
            reason="not a member",
        )
        entry = SetAside.objects.get(kind=SetAsideKind.RULE, subject_id=rule.pk, resolved_at__isnull=True)
        Membership.objects.create(user=outsider, store=store, role=Role.AGENT)  # the fix
        return entry, claims, outsider

    client = Client()
    client.force_login(manager)
    # A first retry of one event, not measured: the process loads its templates and URLs and
    # opens its broker connection, as a web process has long done.
    warm, _claims, _person = failed(1)
    assert client.post(f"/set-aside/{warm.pk}/retry/", secure=True).status_code == 302
    entry, claims, outsider = failed(args.events)
    rule = Rule.objects.get(pk=entry.subject_id)
    print(f"database: {connection.vendor}; events: {args.events}")
    with CaptureQueriesContext(connection) as queries:
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.post(f"/set-aside/{entry.pk}/retry/", secure=True)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert response.status_code == 302, response.status_code
    print(f"request: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU, {len(queries)} queries")

    task = getattr(tasks, "retry_rule_failures", None)
    if task is not None:
        from disputes import rules
        from disputes.models import RuleRetry

        retry = RuleRetry.objects.get(rule=rule)
        runs, after = 0, 0
        with CaptureQueriesContext(connection) as queries:
            wall, cpu = time.perf_counter(), time.process_time()
            while True:
                runs += 1
                more = rules.retry_failures(retry.pk, after_id=after)
                if more is None:
                    break
                after = more
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"worker: {runs} run(s), {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU, "
            f"{len(queries)} queries ({len(queries) / args.events:.1f} per event)"
        )
    assigned = Claim.objects.filter(pk__in=[c.pk for c in claims], assignee=outsider).count()
    print(f"claims assigned: {assigned} of {args.events}")
    workdir.cleanup()


if __name__ == "__main__":
    main()
