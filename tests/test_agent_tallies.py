"""The claims decided kept per store, assignee and UTC day of the decision (AgentDayTally) stay
equal to counting the decided claims themselves, whatever writes them; and the managers'
per-agent figures and an agent's own day read from them equal those counted claim by claim,
with decisions on both sides of the window's start inside its first UTC day."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connectors.writing import write_claim, write_orders
from disputes import agent_tallies, services
from disputes.models import AgentDayTally, Claim, ClaimKind, ClaimStatus, Order, Outcome, Reason
from disputes.selectors import agent_claim_figures, my_board

from .concurrency import Racer, lock_waiters, needs_row_locks, wait_until
from .drafts import post_mortem
from .test_connector_writing import _claim, _order
from .test_queue import add_claims
from .test_timeline_migration import migrate


def counted_slowly() -> dict:
    """Every (store, assignee, UTC day of the decision) with decided claims, counted one by one."""
    counts: dict = {}
    for claim in Claim.objects.all():
        if claim.outcome and claim.decided_at is not None and claim.assignee_id is not None:
            key = (claim.store_id, claim.assignee_id, claim.decided_at.astimezone(UTC).date())
            row = counts.setdefault(key, Counter())
            row["decided"] += 1
            row["won"] += claim.outcome in Outcome.wins()
    return {key: dict(+row) for key, row in counts.items()}


def kept() -> dict:
    rows = {}
    for row in AgentDayTally.objects.all():
        assert row.decided >= 0 and 0 <= row.won <= row.decided, row
        values = {name: getattr(row, name) for name in ("decided", "won") if getattr(row, name)}
        if values:
            rows[(row.store_id, row.assignee_id, row.day)] = values
    return rows


def decided_claims(world, count: int, *, assignee, outcome=Outcome.DENIED, store=None) -> list[Claim]:
    claims = add_claims(world, count, store=store, assignee=assignee)
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(
        status=ClaimStatus.CLOSED, outcome=outcome, decided_at=timezone.now(), closed_at=timezone.now()
    )
    return claims


def assert_as_rebuilt() -> None:
    """The rows the triggers kept are those `rebuild()` counts from the claims."""
    by_triggers = kept()
    AgentDayTally.objects.all().delete()
    agent_tallies.rebuild()
    assert kept() == by_triggers == counted_slowly() != {}


def test_the_tallies_equal_the_slow_count_after_open_assign_decide_reassign_reopen_and_bulk_writes(world):
    assert kept() == counted_slowly() == {}  # the fixture's claim is open
    claim = services.claim_open(
        order=world.order_a, kind=ClaimKind.CHARGEBACK, reason=Reason.DAMAGED, by=None
    )
    services.claim_assign(claims=[claim], assignee=world.agent_a, by=world.manager_a, loaded={claim.pk: None})
    assert kept() == counted_slowly() == {}  # assigned, not decided yet
    claim = services.claim_platform_decided(
        claim=Claim.objects.get(pk=claim.pk),
        outcome=Outcome.DENIED,
        decided_at=timezone.now(),
        by=None,
        version=None,
    )
    day = claim.decided_at.astimezone(UTC).date()
    assert kept() == counted_slowly() == {(world.store_a.pk, world.agent_a.pk, day): {"decided": 1, "won": 1}}
    # Reassigned once decided: the decision moves to the new assignee.
    services.claim_assign(
        claims=[claim], assignee=world.manager_a, by=world.manager_a, loaded={claim.pk: world.agent_a.pk}
    )
    assert (
        kept() == counted_slowly() == {(world.store_a.pk, world.manager_a.pk, day): {"decided": 1, "won": 1}}
    )
    claim = services.claim_close(
        claim=Claim.objects.get(pk=claim.pk),
        outcome=Outcome.GRANTED_SELLER_FUNDED,
        by=world.agent_a,
        version=None,
        post_mortem=post_mortem(world.agent_a),
    )
    assert kept() == counted_slowly() == {(world.store_a.pk, world.manager_a.pk, day): {"decided": 1}}
    services.claim_reopen(
        claim=claim, by=world.agent_a, version=claim.version, reason="The buyer wrote again"
    )
    assert kept() == counted_slowly() == {}

    # Bulk writes that bypass the services: outcomes (a win becomes a loss, a loss a win), the
    # moment of decision to another day and away, another store, unassigned, the outcome taken
    # away, a deletion, and an update of none of the counted columns.
    claims = decided_claims(world, 8, assignee=world.agent_a)
    Claim.objects.filter(pk__in=[c.pk for c in claims[:2]]).update(outcome=Outcome.GRANTED_PLATFORM_FUNDED)
    Claim.objects.filter(pk=claims[0].pk).update(outcome=Outcome.WITHDRAWN)
    Claim.objects.filter(pk=claims[2].pk).update(decided_at=timezone.now() - timedelta(days=3))
    Claim.objects.filter(pk=claims[3].pk).update(decided_at=None)
    Claim.objects.filter(pk=claims[4].pk).update(store=world.store_b, assignee=world.agent_b)
    Claim.objects.filter(pk=claims[5].pk).update(assignee=None)
    Claim.objects.filter(pk=claims[6].pk).update(outcome="")
    Claim.objects.filter(pk=claims[7].pk).delete()
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(priority=3, snooze_note="call back")
    assert kept() == counted_slowly()
    assert sum(row["decided"] for row in kept().values()) == 4  # claims 0, 1, 2 and 4
    # A user's deletion unassigns their claims (one UPDATE of them all): out of the tallies.
    decided_claims(world, 3, assignee=world.manager_a)
    manager = world.manager_a.pk
    assert any(who == manager for _s, who, _d in kept())
    get_user_model().objects.filter(pk=manager).delete()
    assert kept() == counted_slowly()
    assert not any(who == manager for _s, who, _d in kept())
    assert_as_rebuilt()


def test_claims_written_in_bulk_and_decided_through_the_marketplace_api_are_counted(world):
    # Many decided claims in one INSERT (on PostgreSQL one statement trigger over all of them).
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            store=world.store_a,
            platform_order_id=f"B-{n}",
            purchased_at=now - timedelta(days=9),
            currency="USD",
        )
        for n in range(6)
    )
    Claim.objects.bulk_create(
        Claim(
            store=world.store_a,
            order=order,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.NOT_RECEIVED,
            opened_at=now - timedelta(days=8),
            status=ClaimStatus.CLOSED,
            outcome=[Outcome.DENIED, Outcome.REFUNDED_BY_SELLER, ""][n % 3],
            decided_at=now - timedelta(days=n),
            closed_at=now,
            assignee=[world.agent_a, world.manager_a][n % 2],
        )
        for n, order in enumerate(orders)
    )
    assert kept() == counted_slowly() != {}
    # A claim opened through the API, assigned, then decided by the platform's record.
    write_orders(world.store_b, [_order()])
    assert write_claim(world.store_b, _claim(), platform="Ozon") == "claims_opened"
    opened = Claim.objects.get(store=world.store_b, platform_claim_id="R-5001")
    services.claim_assign(claims=[opened], assignee=world.agent_b, by=None, loaded={opened.pk: None})
    decided = _claim(status="decided", outcome="withdrawn", decided_at=timezone.now())
    assert write_claim(world.store_b, decided, platform="Ozon") == "claims_decided"
    assert kept() == counted_slowly()
    assert kept()[(world.store_b.pk, world.agent_b.pk, timezone.now().astimezone(UTC).date())] == {
        "decided": 1,
        "won": 1,
    }
    # Deleted with their order, in one statement.
    Order.objects.filter(pk__in=[o.pk for o in orders[:3]]).delete()
    assert kept() == counted_slowly()
    assert_as_rebuilt()


def test_a_rolled_back_change_leaves_the_tallies_as_they_were(world):
    claims = decided_claims(world, 3, assignee=world.agent_a)
    before = kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        Claim.objects.filter(pk__in=[c.pk for c in claims[:2]]).update(assignee=world.manager_a)
        Claim.objects.filter(pk=claims[2].pk).update(outcome=Outcome.GRANTED_SELLER_FUNDED)
        decided_claims(world, 2, assignee=world.agent_a)
        assert kept() != before
        raise RuntimeError
    assert kept() == before == counted_slowly() != {}


def test_rebuild_gives_what_the_triggers_kept(world):
    decided_claims(world, 3, assignee=world.agent_a)
    decided_claims(world, 2, assignee=world.manager_a, outcome=Outcome.GRANTED_PLATFORM_FUNDED)
    decided_claims(world, 2, assignee=world.agent_b, store=world.store_b, outcome=Outcome.WITHDRAWN)
    decided_claims(world, 1, assignee=None)  # nobody's: in no row
    assert_as_rebuilt()


def tally_rows_written(update) -> int:
    """How many tally rows running `update` wrote: PostgreSQL writes a new version of a row it
    updates, at a new place (ctid)."""
    rows = f"SELECT id, ctid::text FROM {AgentDayTally._meta.db_table}"
    with connection.cursor() as cursor:
        cursor.execute(rows)
        before = set(cursor.fetchall())
        update()
        cursor.execute(rows)
        return len(set(cursor.fetchall()) - before)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row version to look at (its change counter counts the other tables' triggers too)",
)
def test_updates_of_claims_not_decided_or_of_no_counted_column_write_no_tally_row(world):
    decided = Claim.objects.filter(pk__in=[c.pk for c in decided_claims(world, 3, assignee=world.agent_a)])
    undecided = Claim.objects.filter(pk__in=[c.pk for c in add_claims(world, 3, assignee=world.agent_a)])
    # The probe sees a write when there is one.
    assert tally_rows_written(lambda: decided.update(assignee=world.manager_a)) > 0
    assert tally_rows_written(lambda: undecided.update(assignee=world.manager_a, store=world.store_b)) == 0
    assert tally_rows_written(lambda: undecided.update(outcome=Outcome.DENIED)) == 0  # no time of decision
    assert tally_rows_written(lambda: decided.update(priority=3, status=ClaimStatus.DECIDED)) == 0
    # Denied, then withdrawn: still won, on the same day: out of the row and back in, unwritten.
    assert tally_rows_written(lambda: decided.update(outcome=Outcome.WITHDRAWN)) == 0
    assert_as_rebuilt()


# --- The readers -----------------------------------------------------------------------------


def figures_counted_slowly(store_ids: list[int], since: datetime) -> dict[int, tuple[int, int]]:
    """(decided, won) per assignee, as the readers counted them before the tallies: every claim
    decided since `since`."""
    rows = (
        Claim.objects.filter(store_id__in=store_ids, assignee__isnull=False, decided_at__gte=since)
        .exclude(outcome="")
        .values("assignee_id")
        .order_by()
        .annotate(decided=Count("pk"), won=Count("pk", filter=Q(outcome__in=Outcome.wins())))
    )
    return {row["assignee_id"]: (row["decided"], row["won"]) for row in rows}


# The window's start (30 days before now) at noon, at a UTC midnight (no part of a day to read
# from the claims) and just before one.
NOWS = [
    datetime(2026, 6, 15, 12, 0, tzinfo=UTC),
    datetime(2026, 6, 15, 0, 0, tzinfo=UTC),
    datetime(2026, 6, 14, 23, 59, 59, 500000, tzinfo=UTC),
]


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Kolkata"])
@pytest.mark.parametrize("now", NOWS)
def test_the_figures_read_from_the_tallies_equal_the_figures_counted_claim_by_claim(world, zone, now):
    since = now - timedelta(days=30)
    midnight = since.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    offsets = [timedelta(hours=-13), timedelta(seconds=-1), timedelta(microseconds=-1), timedelta(0)]
    offsets += [timedelta(microseconds=1), timedelta(hours=5), midnight - since - timedelta(microseconds=1)]
    offsets += [
        midnight - since,
        midnight - since + timedelta(hours=1),
        timedelta(days=3),
        timedelta(days=30),
    ]
    outcomes = [Outcome.DENIED, Outcome.GRANTED_SELLER_FUNDED, Outcome.WITHDRAWN, Outcome.CANCELLED]
    # Each moment decided for agent_a and for manager_a (with outcomes in another order), and
    # for nobody; some claims of the moment undecided or with no time of decision.
    people = [world.agent_a, world.manager_a, None]
    for n, offset in enumerate(offsets):
        order = Order.objects.create(
            store=world.store_a,
            platform_order_id=f"D-{n}",
            purchased_at=since - timedelta(days=9),
            currency="USD",
        )
        for k, person in enumerate(people):
            Claim.objects.create(
                store=world.store_a,
                order=order,
                kind=ClaimKind.A_TO_Z,
                reason=Reason.NOT_RECEIVED,
                opened_at=since - timedelta(days=5),
                status=ClaimStatus.CLOSED,
                outcome="" if (n + k) % 5 == 4 else outcomes[(n + k) % 4],
                decided_at=since + offset,
                closed_at=now,
                assignee=person,
            )
        Claim.objects.create(
            store=world.store_a,
            order=order,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.DAMAGED,
            opened_at=since - timedelta(days=5),
            outcome=Outcome.DENIED,
            decided_at=None,
            assignee=world.agent_a,
        )
    decided_claims(world, 2, assignee=world.agent_b, store=world.store_b)  # another team's
    slow = figures_counted_slowly([world.store_a.pk], since)
    # Decisions on both sides of the start and of the first midnight after it, for both people.
    first_day = figures_counted_slowly([world.store_a.pk], midnight)
    assert set(slow) == {world.agent_a.pk, world.manager_a.pk}
    assert all(0 < first_day[who][0] < slow[who][0] and 0 < slow[who][1] < slow[who][0] for who in slow)
    with timezone.override(zone):
        with CaptureQueriesContext(connection) as captured:
            figures = agent_claim_figures(world.manager_a, now=now)
        assert len(captured) == 1
        mine = my_board(world.agent_a, now=now)
    assert {who: (f.handled, f.won) for who, f in figures.items()} == slow
    assert {who: f.username for who, f in figures.items()} == {
        world.agent_a.pk: "agent_a",
        world.manager_a.pk: "manager_a",
    }
    assert (mine.decided, mine.won) == slow[world.agent_a.pk]


def test_an_agent_whose_decisions_were_all_reopened_is_not_listed(world):
    claims = decided_claims(world, 2, assignee=world.agent_a)
    assert agent_claim_figures(world.manager_a)[world.agent_a.pk].handled == 2
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(outcome="", decided_at=None)
    assert AgentDayTally.objects.filter(assignee=world.agent_a, decided=0).exists()  # a row at zero
    assert agent_claim_figures(world.manager_a) == {}
    assert (my_board(world.agent_a).decided, my_board(world.agent_a).won) == (0, 0)


def test_the_figures_cover_the_stores_the_user_manages(world):
    decided_claims(world, 2, assignee=world.agent_a)
    decided_claims(world, 1, assignee=world.agent_b, store=world.store_b)
    assert agent_claim_figures(world.manager_a).keys() == {world.agent_a.pk}
    assert agent_claim_figures(world.superuser).keys() == {world.agent_a.pk, world.agent_b.pk}  # every store
    assert agent_claim_figures(world.agent_a) == {}  # manages none
    assert agent_claim_figures(AnonymousUser()) == {}  # nobody's stores: no query to make


# --- The migration and concurrency ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_decided_claims_and_its_reversal_drops_the_triggers(world):
    decided_claims(world, 3, assignee=world.agent_a)
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        migrate(("disputes", "0040_presence_page_goodbye"))
        assert "disputes_agentdaytally" not in connection.introspection.table_names()
        # Without the triggers, claims are still written.
        decided_claims(world, 2, assignee=world.manager_a)
        migrate(*latest)
        assert kept() == counted_slowly() != {}
        # The claims decided while there were no triggers are counted by the migration.
        assert sum(n["decided"] for (_s, who, _d), n in kept().items() if who == world.manager_a.pk) == 2
        decided_claims(world, 1, assignee=world.manager_a)
        assert kept() == counted_slowly()
    finally:
        migrate(*latest)


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_two_reassignments_crossing_between_two_agents_and_a_decision_of_one_day_all_commit(world):
    # Each write waits here for the row of the lower of the two assignees' ids (`low`): first
    # the claim leaving it, then the claim coming into it, then a decision of `low`'s. Claim by
    # claim, old row before new, the second would hold `high`'s row while it waited, and the
    # first, let through first, would then wait for it: a deadlock. In the table's key order
    # both ask for `low`'s row first and hold nothing while they wait.
    low, high = sorted([world.agent_a, world.manager_a], key=lambda user: user.pk)
    leaving = decided_claims(world, 1, assignee=low)[0]
    coming = decided_claims(world, 1, assignee=high)[0]
    undecided = add_claims(world, 1, assignee=low)[0]
    day = timezone.now().astimezone(UTC).date()

    def write(claim: Claim, **values) -> int:
        with transaction.atomic():
            return Claim.objects.filter(pk=claim.pk).update(**values)

    racers = [
        Racer(lambda: write(leaving, assignee=high)),
        Racer(lambda: write(coming, assignee=low)),
        Racer(lambda: write(undecided, outcome=Outcome.DENIED, decided_at=timezone.now())),
    ]
    with transaction.atomic():
        held = AgentDayTally.objects.select_for_update().get(store=world.store_a, day=day, assignee=low)
        assert held.decided == 1
        for waiting, racer in enumerate(racers, start=1):
            racer.start()
            wait_until(lambda waiting=waiting: lock_waiters() == waiting, f"{waiting} writes wait")

    assert [racer.outcome() for racer in racers] == [1, 1, 1]
    assert kept()[(world.store_a.pk, low.pk, day)] == {"decided": 2, "won": 2}
    assert kept()[(world.store_a.pk, high.pk, day)] == {"decided": 1, "won": 1}
    assert_as_rebuilt()
