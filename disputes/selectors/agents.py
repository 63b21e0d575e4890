"""Figures about people and stores: an agent's own day, each agent's claims for their
managers, and each store's defect trend. Grouped queries, a fixed number whatever the rows."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from .. import agent_tallies
from ..access import managed_stores_for, stores_for
from ..models import AgentDayTally, Claim, Order, Store
from .dashboard import (
    TREND_DAYS,
    TREND_STEP,
    StoreDays,
    TrendDays,
    counts_by_hour_fit,
    open_load,
    store_days,
    trend_since,
)

# The period the per-agent figures cover, in days (an agent's own win rate too).
FIGURES_DAYS = 30


def rate(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent, to a whole number; None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("1"))


@dataclass(frozen=True)
class MyBoard:
    open: int
    overdue: int
    due_today: int
    decided: int
    won: int
    days: int

    @property
    def win_rate(self) -> Decimal | None:
        return rate(self.won, self.decided)


def my_board(user, *, now: datetime | None = None, days: int = FIGURES_DAYS) -> MyBoard:
    """An agent's own dashboard: their open, overdue and due-today claims, and how many of the
    claims decided for them in the last `days` days were won. Neither read grows with the
    agent's history or the stores' volume: the open claims come from the kept counts, as the
    managers' per-agent load does (`open_load`), the decided ones from the kept day tallies and
    the decisions of the part of a day the `days` start in (`decided_since`)."""
    now = now or timezone.now()
    store_ids = list(stores_for(user).values_list("pk", flat=True))
    # Open as the queue counts it (not closed), so each tile matches the queue it links to.
    mine = next((row for row in open_load(store_ids, now) if row.assignee == user.pk), None)
    decided, won = 0, 0
    if store_ids:
        sql, params = decided_since(_marks(store_ids), store_ids, now - timedelta(days=days), user.pk)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT SUM(decided), SUM(won) FROM ({sql}) k", params)
            total, wins = cursor.fetchone()
        decided, won = int(total or 0), int(wins or 0)
    return MyBoard(
        open=mine.open if mine else 0,
        overdue=mine.overdue if mine else 0,
        due_today=mine.due_today if mine else 0,
        decided=decided,
        won=won,
        days=days,
    )


def decided_since(
    stores: str, store_params: list, since: datetime, assignee: int | None = None
) -> tuple[str, list]:
    """SQL (the same on PostgreSQL and SQLite) and its parameters: rows (assignee_id, decided,
    won) that add up, per assignee, to the claims of the stores `stores` selects (an IN list's
    inside, with `store_params`) decided since `since` while someone was assigned (of
    `assignee` only, when given), and the won ones among them. The kept tallies
    (`AgentDayTally`, disputes/agent_tallies.py) give the whole UTC days from the first midnight
    at or after `since`; the claims themselves the part of a day before it, read through
    claim_decided. An assignee may have several rows, some at zero (their claims moved away)."""
    midnight = since.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if midnight < since:
        midnight += timedelta(days=1)
    mine, mine_params = ("AND assignee_id = %s", [assignee]) if assignee is not None else ("", [])
    sql = f"""
        SELECT assignee_id, decided, won FROM {AgentDayTally._meta.db_table}
        WHERE store_id IN ({stores}) AND day >= %s {mine}
        UNION ALL
        SELECT assignee_id, 1, {agent_tallies.won()} FROM {Claim._meta.db_table}
        WHERE store_id IN ({stores}) AND decided_at >= %s AND decided_at < %s
          AND {agent_tallies.counted()} {mine}
    """
    ops = connection.ops
    params = [
        *store_params,
        ops.adapt_datefield_value(midnight.date()),
        *mine_params,
        *store_params,
        ops.adapt_datetimefield_value(since),
        ops.adapt_datetimefield_value(midnight),
        *mine_params,
    ]
    return sql, params


def _marks(values: list) -> str:
    return ", ".join(["%s"] * len(values))


@dataclass
class AgentClaims:
    user_id: int
    username: str
    handled: int
    won: int

    @property
    def win_rate(self) -> Decimal | None:
        return rate(self.won, self.handled)


def agent_claim_figures(
    user, *, now: datetime | None = None, days: int = FIGURES_DAYS
) -> dict[int, AgentClaims]:
    """Per agent of the stores this user manages: the claims the platform decided in the last
    `days` days while the agent was assigned (handled), and how many were won. One query, from
    the kept day tallies (`decided_since`): a row per store, agent and day, and the decisions of
    the part of a day the `days` start in, whatever the number of claims decided in them."""
    now = now or timezone.now()
    try:
        stores, store_params = managed_stores_for(user).order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # nobody's stores
        return {}
    sql, params = decided_since(stores, list(store_params), now - timedelta(days=days))
    users = get_user_model()._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT k.assignee_id, u.username, SUM(k.decided), SUM(k.won) FROM ({sql}) k
            JOIN {users} u ON u.id = k.assignee_id GROUP BY k.assignee_id, u.username""",
            params,
        )
        rows = cursor.fetchall()
    # An agent whose tallies are all at zero (their decisions reopened or moved) is not listed.
    return {
        assignee: AgentClaims(assignee, username, int(handled), int(won))
        for assignee, username, handled, won in rows
        if handled
    }


@dataclass(frozen=True)
class TrendPoint:
    day: date
    orders: int
    defective_orders: int
    claims: int

    @property
    def percent(self) -> Decimal:
        if not self.orders:
            return Decimal("0.00")
        return (Decimal(self.defective_orders) * 100 / self.orders).quantize(Decimal("0.01"))

    @property
    def at_risk(self) -> bool:
        return self.percent > settings.DESK_ODR_LIMIT_PERCENT

    @property
    def claims_per_1000(self) -> Decimal | None:
        if not self.orders:
            return None
        return (Decimal(self.claims) * 1000 / self.orders).quantize(Decimal("0.1"))


@dataclass
class StoreTrend:
    store: Store
    points: list[TrendPoint]

    @property
    def latest(self) -> TrendPoint:
        return self.points[-1]


def trend_days_from_hours(store_ids: list[int], earliest: datetime, now: datetime) -> TrendDays:
    """Per store and day of purchase (in the reader's time zone): orders, and (orders with a
    defect, claims), added up from the stores' hour counts up to now (`store_days`, which
    takes out what of now's hour was bought after now). An order has one hour of purchase, so
    the hours' defective orders add up without counting an order twice. One query."""
    return store_days(store_ids, earliest, now).trend_days(store_ids, earliest, now)


def trend_days_from_rows(store_ids: list[int], earliest: datetime, now: datetime) -> TrendDays:
    """The same, counted from the orders and claims (time zones whose offset is not whole
    hours). Two queries."""
    orders: dict[tuple[int, date], int] = {}
    for row in (
        Order.objects.filter(store_id__in=store_ids, purchased_at__gte=earliest, purchased_at__lte=now)
        .annotate(day=TruncDate("purchased_at"))
        .values("store_id", "day")
        .order_by()
        .annotate(n=Count("*"))
    ):
        orders[(row["store_id"], row["day"])] = row["n"]
    defects: dict[tuple[int, date], tuple[int, int]] = {}
    for claimed in (
        Claim.objects.filter(
            store_id__in=store_ids, order_purchased_at__gte=earliest, order_purchased_at__lte=now
        )
        .annotate(day=TruncDate("order_purchased_at"))
        .values("store_id", "day")
        .order_by()
        .annotate(
            defective=Count("order", distinct=True, filter=Q(counts_toward_odr=True)),
            claims=Count("pk"),
        )
    ):
        defects[(claimed["store_id"], claimed["day"])] = (claimed["defective"], claimed["claims"])
    return orders, defects


def store_trends(
    stores: list[Store],
    *,
    now: datetime | None = None,
    days: int = TREND_DAYS,
    step: int = TREND_STEP,
    read: Callable[[list[int], datetime, datetime], TrendDays] | None = None,
    store_days: StoreDays | None = None,
) -> list[StoreTrend]:
    """Each store's Order Defect Rate as it stood every `step` days over the last `days` days,
    each point over its own 60-day window of orders (the platforms' ODR window), and its claims
    per 1,000 orders of that window. Counts per day of purchase (`read`: from the hour counts
    when they fit the reader's time zone; from `store_days` when they hold them), summed in
    Python: an order has one day of purchase, so windows add up without counting an order
    twice."""
    now = now or timezone.now()
    window = settings.DESK_ODR_WINDOW_DAYS
    ends, earliest = trend_since(now, days, step)
    store_ids = [store.pk for store in stores]
    if read is None:
        if not counts_by_hour_fit(earliest, now):
            read = trend_days_from_rows
        elif store_days is not None and store_days.covers(earliest, now):
            read = store_days.trend_days
        else:
            read = trend_days_from_hours
    orders, defects = read(store_ids, earliest, now)
    # Running totals per store from the first day read: a window's figures are the difference
    # of two of them, not 60 days added up for each point.
    first = ends[0] - timedelta(days=window)
    span = (ends[-1] - first).days + 1
    totals = {pk: [(0, 0, 0)] * (span + 1) for pk in store_ids}
    by_day = {pk: [[0, 0, 0] for _ in range(span)] for pk in store_ids}
    for (store_id, day), n in orders.items():
        if store_id in by_day and 0 <= (index := (day - first).days) < span:
            by_day[store_id][index][0] += n
    for (store_id, day), (defective, claims) in defects.items():
        if store_id in by_day and 0 <= (index := (day - first).days) < span:
            by_day[store_id][index][1] += defective
            by_day[store_id][index][2] += claims
    for pk, days_of_store in by_day.items():
        running = totals[pk]
        for index, (n, defective, claims) in enumerate(days_of_store):
            before = running[index]
            running[index + 1] = (before[0] + n, before[1] + defective, before[2] + claims)

    def point(store_id: int, end: date) -> TrendPoint:
        # The window ending on `end` covers the `window` days up to and including it.
        upto = (end - first).days + 1
        after, before = totals[store_id][upto], totals[store_id][upto - window]
        return TrendPoint(
            day=end,
            orders=after[0] - before[0],
            defective_orders=after[1] - before[1],
            claims=after[2] - before[2],
        )

    return [StoreTrend(store, [point(store.pk, end) for end in ends]) for store in stores]
