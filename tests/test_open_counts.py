"""The open claims kept per store, assignee and day or month due (OpenClaimCount) stay equal to
counting the open claims themselves, whatever writes them; and the dashboard's per-agent load
read from them equals the load counted claim by claim, on both sides of every boundary it
splits at (now, the end of the reader's day, 24 hours from now, today's and this month's start
in UTC), in time zones behind and ahead of UTC."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone

from disputes import open_counts, services
from disputes.models import Claim, ClaimKind, ClaimStatus, OpenClaimCount, Order, Reason, end_of_local_day
from disputes.selectors import my_board
from disputes.selectors.dashboard import Load, open_load

from .concurrency import Racer, lock_waiters, needs_row_locks, wait_until
from .drafts import post_mortem
from .test_queue import add_claims
from .test_timeline_migration import migrate

NO_DUE = datetime.fromisoformat(OpenClaimCount.NO_DUE).replace(tzinfo=UTC)


def starts(moment: datetime) -> dict[str, datetime]:
    """The start of the UTC hour, day and month of a moment."""
    hour = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    day = hour.replace(hour=0)
    return {OpenClaimCount.HOUR: hour, OpenClaimCount.DAY: day, OpenClaimCount.MONTH: day.replace(day=1)}


def counted_slowly() -> dict:
    """Every (store, span, due, assignee) with open claims, counted from the claims one by one."""
    counts: Counter = Counter()
    for claim in Claim.objects.exclude(status=ClaimStatus.CLOSED):
        for span, due in starts(claim.respond_by or NO_DUE).items():
            counts[(claim.store_id, span, due, claim.assignee_id or 0)] += 1
    return dict(counts)


def kept() -> dict:
    rows = {}
    for row in OpenClaimCount.objects.all():
        assert row.claims >= 0, row
        if row.claims:
            rows[(row.store_id, row.span, row.due.astimezone(UTC), row.assignee)] = row.claims
    return rows


def load_counted_slowly(store_ids: list[int], now: datetime) -> list[Load]:
    """The dashboard's load as it was counted before the kept counts: every open claim."""
    end_of_day = end_of_local_day(now)
    rows = (
        Claim.objects.filter(store_id__in=store_ids)
        .exclude(status=ClaimStatus.CLOSED)
        .values("assignee_id", "assignee__username")
        .order_by()
        .annotate(
            open=Count("*"),
            overdue=Count("store", filter=Q(respond_by__lt=now)),
            due_today=Count("store", filter=Q(respond_by__gte=now, respond_by__lt=end_of_day)),
            due_24h=Count("store", filter=Q(respond_by__gte=now, respond_by__lt=now + timedelta(hours=24))),
        )
    )
    return [
        Load(
            row["assignee_id"] or 0,
            row["assignee__username"] or "",
            row["open"],
            row["overdue"],
            row["due_today"],
            row["due_24h"],
        )
        for row in rows
    ]


def by_assignee(loads: list[Load]) -> dict[int, Load]:
    return {load.assignee: load for load in loads}


def test_the_counts_equal_the_slow_count_after_open_assign_move_close_reopen_and_bulk_writes(world):
    # The fixture's claim: open, unassigned, due in 46 hours.
    assert kept() == counted_slowly() != {}
    second = services.claim_open(
        order=world.order_a, kind=ClaimKind.CHARGEBACK, reason=Reason.NOT_RECEIVED, by=None
    )
    assert kept() == counted_slowly()
    services.claim_assign(
        claims=[second], assignee=world.agent_a, by=world.manager_a, loaded={second.pk: None}
    )
    assert kept() == counted_slowly()
    assert any(assignee == world.agent_a.pk for _store, _span, _due, assignee in kept())
    second = services.claim_move(
        claim=Claim.objects.get(pk=second.pk),
        to_status=ClaimStatus.IN_PROGRESS,
        by=None,
        loaded=ClaimStatus.NEW,
    )
    services.claim_close(
        claim=second,
        outcome="denied",
        by=world.agent_a,
        version=second.version,
        post_mortem=post_mortem(world.agent_a),
    )
    assert kept() == counted_slowly()
    assert not any(assignee == world.agent_a.pk for _store, _span, _due, assignee in kept())
    second.refresh_from_db()
    services.claim_reopen(
        claim=second, by=world.agent_a, version=second.version, reason="The buyer wrote again"
    )
    assert kept() == counted_slowly()
    # Bulk writes that bypass the services: a new due time (another month, none at all), another
    # store and assignee, closed, deleted, and a user deleted (their claims become unassigned).
    claims = add_claims(world, 6, assignee=world.manager_a)
    Claim.objects.filter(pk=claims[0].pk).update(respond_by=timezone.now() - timedelta(days=45))
    Claim.objects.filter(pk=claims[1].pk).update(respond_by=None)
    Claim.objects.filter(pk=claims[2].pk).update(store=world.store_b, assignee=world.agent_b)
    Claim.objects.filter(pk=claims[3].pk).update(status=ClaimStatus.CLOSED, closed_at=timezone.now())
    Claim.objects.filter(pk=claims[4].pk).delete()
    assert kept() == counted_slowly()
    assert kept()[(world.store_a.pk, OpenClaimCount.DAY, NO_DUE, world.manager_a.pk)] == 1
    manager = world.manager_a.pk
    get_user_model().objects.filter(pk=manager).delete()
    assert kept() == counted_slowly()
    assert not any(assignee == manager for _store, _span, _due, assignee in kept())


def test_a_rolled_back_change_leaves_the_counts_as_they_were(world):
    claims = add_claims(world, 3, assignee=world.agent_a)
    before = kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(
            status=ClaimStatus.CLOSED, closed_at=timezone.now()
        )
        add_claims(world, 2)
        assert kept() != before
        raise RuntimeError
    assert kept() == before == counted_slowly()


def test_rebuild_gives_what_the_triggers_kept(world):
    add_claims(world, 4, assignee=world.agent_a, start_hours=-800)
    add_claims(world, 2, store=world.store_b)
    Claim.objects.filter(pk=world.claim_a.pk).update(respond_by=None)
    by_triggers = kept()
    OpenClaimCount.objects.all().delete()
    open_counts.rebuild()
    assert kept() == by_triggers == counted_slowly() != {}


# Moments the load splits at, with claims due on both sides of each: the start of the month,
# the day and the hour (UTC) of now, now, the end of the reader's day, 24 hours from now, and
# the hours these last two fall in.
NOWS = [
    datetime(2026, 6, 15, 12, 30, tzinfo=UTC),
    datetime(2026, 6, 15, 7, 0, tzinfo=UTC),  # on the hour
    datetime(2026, 7, 1, 0, 20, tzinfo=UTC),  # just after a month starts in UTC
    datetime(2026, 6, 30, 23, 40, tzinfo=UTC),  # just before it ends
]


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Kolkata"])
@pytest.mark.parametrize("now", NOWS)
def test_the_load_read_from_the_counts_equals_the_load_counted_claim_by_claim(world, zone, now):
    with timezone.override(zone):
        end_of_day = end_of_local_day(now)
    month = datetime(now.year, now.month, 1, tzinfo=UTC)
    today = datetime.combine(now.astimezone(UTC).date(), datetime.min.time(), tzinfo=UTC)
    edges = [month - timedelta(days=40), month, today, now, end_of_day, now + timedelta(hours=24)]
    edges += [
        starts(moment)[OpenClaimCount.HOUR] + timedelta(hours=h) for moment in edges[3:] for h in (0, 1)
    ]
    dues = [edge + shift for edge in edges for shift in (-timedelta(seconds=1), timedelta(0))]
    dues += [now + timedelta(days=20), None]
    assignees = [None, world.agent_a, world.manager_a]
    for n, due in enumerate(dues):
        order = Order.objects.create(
            store=world.store_a,
            platform_order_id=f"L-{n}",
            purchased_at=now - timedelta(days=5),
            currency="USD",
        )
        statuses = (
            [ClaimStatus.NEW, ClaimStatus.DECIDED, ClaimStatus.CLOSED]
            if n % 2
            else [ClaimStatus.IN_PROGRESS] * 3
        )
        for assignee, status in zip(assignees, statuses, strict=True):
            Claim.objects.create(
                store=world.store_a,
                order=order,
                kind=ClaimKind.A_TO_Z,
                reason=Reason.NOT_RECEIVED,
                opened_at=now - timedelta(days=60),
                respond_by=due,
                status=status,
                closed_at=now if status == ClaimStatus.CLOSED else None,
                assignee=assignee,
            )
    add_claims(world, 3, store=world.store_b, start_hours=-3)  # another team's
    stores = [world.store_a.pk]
    with timezone.override(zone):
        slow = by_assignee(load_counted_slowly(stores, now))
        assert by_assignee(open_load(stores, now)) == slow
        # The agent's own tiles are theirs (the other team's claims are not the agent's).
        mine = my_board(world.agent_a, now=now)
    # Each split has claims on both of its sides: none of the figures is all or nothing.
    agent = slow[world.agent_a.pk]
    assert (
        0 < agent.overdue < agent.open and 0 < agent.due_today < agent.open and 0 < agent.due_24h < agent.open
    )
    assert set(slow) == {0, world.agent_a.pk, world.manager_a.pk}
    assert (mine.open, mine.overdue, mine.due_today) == (agent.open, agent.overdue, agent.due_today)


def test_an_assignee_whose_claims_are_all_closed_is_not_listed(world):
    claims = add_claims(world, 2, assignee=world.agent_a, start_hours=-3)
    now = timezone.now()
    assert by_assignee(open_load([world.store_a.pk], now))[world.agent_a.pk].open == 2
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(
        status=ClaimStatus.CLOSED, closed_at=timezone.now()
    )
    assert world.agent_a.pk not in by_assignee(open_load([world.store_a.pk], now))
    assert by_assignee(open_load([world.store_a.pk], now)) == by_assignee(
        load_counted_slowly([world.store_a.pk], now)
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_open_claims_and_its_reversal_drops_the_triggers(world):
    add_claims(world, 3, assignee=world.agent_a, start_hours=-50)
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        migrate(("disputes", "0034_fk_indexes_covered"))
        assert "disputes_openclaimcount" not in connection.introspection.table_names()
        # Without the triggers, claims are still written.
        add_claims(world, 2, assignee=world.manager_a)
        Claim.objects.filter(pk=world.claim_a.pk).update(assignee=world.agent_a)
        migrate(*latest)
        assert kept() == counted_slowly() != {}
        # The claims written while there were no triggers are counted by the migration.
        manager_months = [
            n for (_s, span, _d, who), n in kept().items() if span == "month" and who == world.manager_a.pk
        ]
        assert sum(manager_months) == 2
        add_claims(world, 1, assignee=world.manager_a)
        assert kept() == counted_slowly()
    finally:
        migrate(*latest)


def assert_as_rebuilt() -> None:
    """The rows the triggers kept are those `rebuild()` counts from the claims."""
    by_triggers = kept()
    OpenClaimCount.objects.all().delete()
    open_counts.rebuild()
    assert kept() == by_triggers == counted_slowly() != {}


def update_each(claims: dict[int, dict]) -> int:
    """One UPDATE statement giving each claim (by id) its own new values; columns not given
    keep theirs."""
    fields = {name for values in claims.values() for name in values}
    return Claim.objects.filter(pk__in=claims).update(
        **{
            name: Case(
                *(When(pk=pk, then=Value(values[name])) for pk, values in claims.items() if name in values),
                default=F(name),
                output_field=Claim._meta.get_field(name),
            )
            for name in fields
        }
    )


def test_one_update_moving_claims_between_stores_assignees_dues_and_closed_keeps_the_counts(world):
    open_ = add_claims(world, 6, assignee=world.agent_a)
    closed = add_claims(world, 2, assignee=world.manager_a)
    Claim.objects.filter(pk__in=[c.pk for c in closed]).update(
        status=ClaimStatus.CLOSED, closed_at=timezone.now()
    )
    # Due the same hour as open_[1]: the two swap assignees, so their rows come out even.
    swapped = add_claims(world, 1, assignee=world.manager_a, start_hours=2)[0]
    assert (
        update_each(
            {
                open_[0].pk: {"store_id": world.store_b.pk},
                open_[1].pk: {"assignee_id": world.manager_a.pk},
                swapped.pk: {"assignee_id": world.agent_a.pk},
                open_[2].pk: {"assignee_id": None, "respond_by": timezone.now() + timedelta(days=70)},
                open_[3].pk: {"respond_by": None},
                open_[4].pk: {"status": ClaimStatus.CLOSED, "closed_at": timezone.now()},
                closed[0].pk: {"status": ClaimStatus.NEW, "closed_at": None, "assignee_id": world.agent_b.pk},
                closed[1].pk: {"store_id": world.store_b.pk},  # closed before and after: in no row
                open_[5].pk: {"priority": 3},  # none of the counted columns
            }
        )
        == 9
    )
    assert_as_rebuilt()
    assert any(store == world.store_b.pk for store, _span, _due, _who in kept())
    assert any(who == world.agent_b.pk for _store, _span, _due, who in kept())


def count_rows_written(update) -> int:
    """How many count rows running `update` wrote. PostgreSQL writes a new version of a row
    it updates, at a new place (ctid), whichever transaction wrote it before; SQLite's
    total_changes() counts every row written, by triggers too, so less the claims updated."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            where = f"SELECT id, ctid::text FROM {OpenClaimCount._meta.db_table}"
            cursor.execute(where)
            before = set(cursor.fetchall())
            update()
            cursor.execute(where)
            return len(set(cursor.fetchall()) - before)
        cursor.execute("SELECT total_changes()")
        (before,) = cursor.fetchone()
        claims = update()
        cursor.execute("SELECT total_changes()")
        return cursor.fetchone()[0] - before - claims


def test_an_update_of_no_counted_column_writes_no_count_row(world):
    claims = Claim.objects.filter(pk__in=[c.pk for c in add_claims(world, 5, assignee=world.agent_a)])
    assert OpenClaimCount.objects.filter(assignee=world.agent_a.pk, claims=5).exists()
    # The probe sees a write when there is one.
    assert count_rows_written(lambda: claims.update(assignee=world.manager_a)) > 0
    assert count_rows_written(lambda: claims.update(priority=3, snooze_note="call back")) == 0
    assert count_rows_written(lambda: claims.update(assignee=F("assignee"), status=F("status"))) == 0
    assert_as_rebuilt()


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_two_bulk_reassignments_sharing_count_rows_in_opposite_orders_both_commit(world):
    # Updated in id order: A's claims are due in months 1, 3 and 2, B's in 2, 4 and 1. Claim by
    # claim, A would hold month 1's rows and wait for month 2's while B held month 2's and
    # waited for month 1's. Months 3 and 4 are gates, held here until both are under way.
    month = [datetime(2031, m, 10, 12, tzinfo=UTC) for m in range(1, 5)]
    claims = add_claims(world, 6, assignee=world.agent_a)
    for claim, due in zip(claims, [month[0], month[1], month[2], month[3], month[1], month[0]], strict=True):
        Claim.objects.filter(pk=claim.pk).update(respond_by=due)
    a = [claims[0].pk, claims[2].pk, claims[4].pk]
    b = [claims[1].pk, claims[3].pk, claims[5].pk]

    def reassign(ids: list[int]) -> int:
        with transaction.atomic():
            return Claim.objects.filter(pk__in=ids).update(assignee=world.manager_a)

    with transaction.atomic():
        gates = OpenClaimCount.objects.select_for_update().filter(
            span=OpenClaimCount.MONTH,
            due__in=[month[2].replace(day=1, hour=0), month[3].replace(day=1, hour=0)],
        )
        assert len(gates) == 2
        racers = [Racer(lambda ids=ids: reassign(ids)) for ids in (a, b)]
        for racer in racers:
            racer.start()
        wait_until(lambda: lock_waiters() == 2, "both reassignments wait")

    assert [racer.outcome() for racer in racers] == [3, 3]
    assert not Claim.objects.filter(assignee=world.agent_a).exists()
    assert_as_rebuilt()
