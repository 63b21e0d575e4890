"""What a store's automation rules add to opening a claim, and what a dry run costs.

    .venv/bin/python bench/rules.py [--claims 300] [--rules 0 1 10 50] [--history 5000]

For each number of active rules (all testing platform, kind, reason, amount, SKU and the buyer's
history; the last one also assigning, prioritising and tagging), opens `--claims` claims with
`services.claim_open` and prints the mean time and the queries per claim; then times the dry run
of one rule over `--history` claims opened in the last 30 days. SQLite in a temporary folder
unless DATABASE_URL is set.
"""

import argparse
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from desk_env import start_desk, store_agent_order  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=300)
    parser.add_argument("--rules", type=int, nargs="+", default=[0, 1, 10, 50])
    parser.add_argument("--history", type=int, default=5000)
    args = parser.parse_args()
    workdir = start_desk("bench-rules-")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from disputes import rules, services
    from disputes.models import Buyer, Claim, Order, OrderLine, Rule, Tag, Trigger

    user, first = store_agent_order("Bench rules store", "bench-rules-agent")
    store = first.store
    tag = Tag.objects.create(store=store, name="bench")
    buyer = Buyer.objects.create(store=store, alias="bench@marketplace.example")
    conditions = {
        "platform": ["amazon"],
        "kind": ["a_to_z"],
        "reason": ["damaged", "not_received"],
        "amount_at_least": "10",
        "sku": "KETTLE-01",
        "buyer_claims_at_least": 1,
    }

    def orders(count: int) -> list[Order]:
        made = Order.objects.bulk_create(
            Order(
                store=store,
                buyer=buyer,
                platform_order_id=f"BENCH-{time.time_ns()}-{n}",
                purchased_at=timezone.now(),
                currency="USD",
            )
            for n in range(count)
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order, line_key="KETTLE-01", sku="KETTLE-01", quantity=1, item_price=Decimal("20")
            )
            for order in made
        )
        return made

    print(f"database: {connection.vendor}")
    for count in args.rules:
        Rule.objects.all().delete()
        for n in range(count):
            actions = {"set_priority": 3}
            if n == count - 1:
                actions = {"assign_to": user.pk, "set_priority": 3, "add_tags": [tag.pk]}
            Rule.objects.create(
                store=store,
                name=f"Rule {n}",
                trigger=Trigger.CLAIM_OPENED,
                position=n,
                conditions=conditions,
                actions=actions,
                is_active=True,
            )
        batch = orders(args.claims)
        queries = 0
        started = time.perf_counter()
        for order in batch:
            connection.queries_log.clear()  # the log keeps 9,000 queries at most
            with CaptureQueriesContext(connection) as captured:
                services.claim_open(
                    order=order, kind="a_to_z", reason="damaged", by=None, amount=Decimal("25")
                )
            queries += len(captured)
        elapsed = time.perf_counter() - started
        print(
            f"{count:>3} active rules: {1000 * elapsed / args.claims:6.2f} ms per claim opened, "
            f"{queries / args.claims:5.1f} queries per claim"
        )

    Claim.objects.filter(store=store).delete()
    now = timezone.now()
    Claim.objects.bulk_create(
        Claim(
            store=store,
            order=order,
            kind="a_to_z",
            reason="damaged",
            amount=Decimal("25"),
            opened_at=now - timedelta(days=n % 30),
        )
        for n, order in enumerate(orders(args.history))
    )
    rule = Rule(
        store=store,
        name="Dry",
        trigger=Trigger.CLAIM_OPENED,
        conditions=conditions,
        actions={"add_tags": [tag.pk], "set_priority": 3},
    )
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = rules.dry_run(rule, now=now)
        elapsed = time.perf_counter() - started
    print(
        f"dry run over {result.claims} claims: {elapsed:.2f} s, {len(captured)} queries, "
        f"{result.matched} matched"
    )
    workdir.cleanup()


if __name__ == "__main__":
    main()
