"""The managers' dashboard: load, overdue claims and weekly outcomes."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from ..access import managed_stores_for
from ..models import (
    PENDING_COLUMNS,
    Claim,
    ClaimStatus,
    OpenClaimCount,
    Order,
    Outcome,
    Store,
    StoreHour,
    end_of_local_day,
)
from .odr import OdrFigures, odr_counts, odr_window


def week_starts(now: datetime, weeks: int) -> list:
    """The Mondays (in the user's time zone) of the last `weeks` weeks, this one last."""
    first = (timezone.localtime(now) - timedelta(weeks=weeks - 1)).date()
    first -= timedelta(days=first.weekday())
    return [first + timedelta(weeks=n) for n in range(weeks)]


@dataclass
class AgentLoad:
    user_id: int | None
    username: str
    open: int
    due_today: int
    overdue: int


@dataclass
class Week:
    start: datetime
    opened: int = 0
    won: int = 0
    lost: int = 0


@dataclass
class Dashboard:
    overdue: int
    due_24h: int
    unassigned: int
    agents: list[AgentLoad]
    stores: list[tuple[Store, OdrFigures]]
    weeks: list[Week]
    now: datetime
    # The stores' days, read once for the weekly series, the ODR trends and the forecast's
    # window (None in a time zone whose days are not whole UTC hours).
    days: "StoreDays | None"


def counts_by_hour_fit(since: datetime, now: datetime) -> bool:
    """Whether days and weeks in the current time zone are whole UTC hours between these times
    (every zone whose offsets, summer and winter, are whole hours), so StoreHour rows group into
    them exactly."""
    zone = timezone.get_current_timezone()
    moments = [since, now, now.replace(month=1, day=1), now.replace(month=7, day=1)]
    return all(
        (offset := moment.astimezone(zone).utcoffset()) is not None and offset.total_seconds() % 3600 == 0
        for moment in moments
    )


def _since(now: datetime, weeks: int) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(weeks=weeks)


def trend_since(now: datetime, days: int, step: int) -> tuple[list[date], datetime]:
    """The days an ODR trend shows (every `step` days over the last `days`, today last) and the
    start of the reader's day the first one's window starts on."""
    today = timezone.localdate(now)
    ends = [today - timedelta(days=offset) for offset in range(days - (days % step), -1, -step)]
    first = ends[0] - timedelta(days=settings.DESK_ODR_WINDOW_DAYS)
    return ends, timezone.make_aware(datetime.combine(first, time.min))


# The ODR trends on the dashboard: a point a week over 60 days (each over its 60-day window),
# the furthest back of the figures the dashboard adds up from the hour counts.
TREND_DAYS = 60
TREND_STEP = 7


class DayRow(NamedTuple):
    store_id: int
    day: date
    later: bool  # what of this day was bought or opened after now
    orders: int
    claims: int
    defective: int
    settled: int
    opened: int
    won: int
    lost: int
    # The pending claims (counting toward the ODR, undecided) by reason, in `PENDING_COLUMNS`'
    # order.
    pending: tuple[int, ...]


# (store, day, orders, defective orders, settled ones, pending claims by reason as in DayRow)
WindowRow = tuple[int, date, int, int, int, tuple[int, ...]]


@dataclass(frozen=True)
class StoreDays:
    """The stores' hour counts (`StoreHour`) added up per store and day of the reader's time
    zone, from the day `since` starts on, what came after `now` apart (the ODR trends stop at
    now; the weekly series and the forecast's window do not): the hours that start after now,
    and the orders of now's own hour bought after now (see `store_days`). The three add up the
    same hours over overlapping days: one read serves them. Only for a time zone whose days
    are whole UTC hours from `since` to now (`counts_by_hour_fit`), where an hour lies wholly in
    one day, so "hours from a day's midnight on" are "the days from that one on"."""

    since: datetime
    now: datetime
    rows: list[DayRow]
    # Each store's (orders, defective orders) of the ODR window up to `now` and after it, as
    # `odr_counts` counts them; None where the window starts before `since`.
    odr: dict[int, tuple[int, int]] | None = None

    def covers(self, since: datetime, now: datetime) -> bool:
        """Whether these days hold every hour from `since` (a midnight of the reader's) with
        the same `now`."""
        return self.now == now and self.since <= since

    def _from(self, store_ids: list[int], since: datetime) -> list[DayRow]:
        first, ids = timezone.localtime(since).date(), set(store_ids)
        return [row for row in self.rows if row.day >= first and row.store_id in ids]

    def trend_days(self, store_ids: list[int], since: datetime, now: datetime) -> "TrendDays":
        """The ODR trends' counts (as `trend_days_from_hours`: the hours up to now)."""
        assert self.covers(since, now)
        orders: dict[tuple[int, date], int] = {}
        defects: dict[tuple[int, date], tuple[int, int]] = {}
        for row in self._from(store_ids, since):
            if not row.later:
                orders[(row.store_id, row.day)] = row.orders
                defects[(row.store_id, row.day)] = (row.defective, row.claims)
        return orders, defects

    def window(self, store_ids: list[int], since: datetime) -> list[WindowRow]:
        """(store, day, orders, defective orders, settled ones, pending claims by reason) from
        `since` on, every hour."""
        days: dict[tuple[int, date], WindowRow] = {}
        for row in self._from(store_ids, since):
            key = (row.store_id, row.day)
            before = days.get(key)
            if before is None:
                days[key] = (row.store_id, row.day, row.orders, row.defective, row.settled, row.pending)
            else:  # the day's hours up to now, then those after it
                days[key] = (
                    row.store_id,
                    row.day,
                    before[2] + row.orders,
                    before[3] + row.defective,
                    before[4] + row.settled,
                    tuple(map(sum, zip(before[5], row.pending, strict=True))),
                )
        return list(days.values())

    def weeks(self, store_ids: list[int], now: datetime, weeks: int) -> list[Week]:
        """The weekly series (as `weeks_from_hours`)."""
        since = _since(now, weeks)
        assert self.covers(since, now)
        by_week: dict[date, tuple[int, int, int]] = {}
        for row in self._from(store_ids, since):
            monday = row.day - timedelta(days=row.day.weekday())
            opened, won, lost = by_week.get(monday, (0, 0, 0))
            by_week[monday] = (opened + row.opened, won + row.won, lost + row.lost)
        return _series(by_week, now, weeks)


_DAY_FIGURES = DayRow._fields[3:10]  # orders, claims, … lost: StoreHour's columns
_DAY_COLUMNS = [*_DAY_FIGURES, *PENDING_COLUMNS.values()]


def store_days(store_ids: list[int], since: datetime, now: datetime) -> StoreDays:
    """One query: the stores' hours from `since` on, added up per store and day (see
    `StoreDays`), and what of now's hour was bought after now, moved from that day's hours up
    to now to its later ones, so that the trends, which stop at now, count what the orders
    themselves count (`trend_days_from_rows`). A purchase time after now is bad data the
    imports take as written (a clock or a time zone wrong), so these are almost always none: an
    index range each, on the orders and on the claims, with nothing in it.

    The same statement counts the ODR window's orders and defective orders (`odr_counts`): its
    whole hours are the same hour rows, told apart by one more grouping key, and the part of an
    hour before its first whole one is read from the orders and claims (two more index
    ranges), which saves the page a second read of the hours.

    Written out (the same on PostgreSQL and SQLite but for the day's cast, which is the one
    Django writes for `TruncDate`): built with the ORM, its build and the conversion of each of
    some 500 rows' seventeen sums cost more CPU than the query."""
    day, day_params = connection.ops.datetime_cast_date_sql("hour", (), timezone.get_current_timezone_name())
    ids = ", ".join(["%s"] * len(store_ids)) or "NULL"
    sums = ", ".join(f"SUM({column})" for column in _DAY_COLUMNS)
    rest = ", ".join(["0"] * (len(_DAY_COLUMNS) - 3))  # after orders, claims and defective
    window_start, window_hour = odr_window(now)
    in_window = window_hour >= since
    # Each row: its part ('h' hours, 'n' now's hour after now, 'w' the window's first part
    # hour), store, day, whether after now, whether in the ODR window, then the figures.
    sql = f"""
        SELECT 'h', store_id, {day}, hour > %s, hour >= %s, {sums} FROM {StoreHour._meta.db_table}
        WHERE store_id IN ({ids}) AND hour >= %s GROUP BY 2, 3, 4, 5
        UNION ALL
        SELECT 'n', store_id, NULL, NULL, NULL, COUNT(*), 0, 0, {rest} FROM {Order._meta.db_table}
        WHERE store_id IN ({ids}) AND purchased_at > %s AND purchased_at < %s GROUP BY 2
        UNION ALL
        SELECT 'n', store_id, NULL, NULL, NULL, 0, COUNT(*),
               COUNT(DISTINCT CASE WHEN counts_toward_odr THEN order_id END), {rest}
        FROM {Claim._meta.db_table}
        WHERE store_id IN ({ids}) AND order_purchased_at > %s AND order_purchased_at < %s GROUP BY 2
        UNION ALL
        SELECT 'w', store_id, NULL, NULL, NULL, COUNT(*), 0, 0, {rest} FROM {Order._meta.db_table}
        WHERE store_id IN ({ids}) AND purchased_at >= %s AND purchased_at < %s GROUP BY 2
        UNION ALL
        SELECT 'w', store_id, NULL, NULL, NULL, 0, 0, COUNT(DISTINCT order_id), {rest}
        FROM {Claim._meta.db_table}
        WHERE store_id IN ({ids}) AND counts_toward_odr = %s
          AND order_purchased_at >= %s AND order_purchased_at < %s GROUP BY 2
    """
    at = connection.ops.adapt_datetimefield_value
    end = at(_hour(now) + timedelta(hours=1))
    # Outside the window (none of its rows), the window's part hour reads an empty range.
    first_whole, edge = (at(window_hour), at(window_start)) if in_window else (at(now), at(now))
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                *day_params,
                at(now),
                first_whole,
                *store_ids,
                at(since),
                *store_ids,
                at(now),
                end,
                *store_ids,
                at(now),
                end,
                *store_ids,
                edge,
                first_whole,
                *store_ids,
                True,
                edge,
                first_whole,
            ],
        )
        rows = cursor.fetchall()
    # SQLite gives the day as text and the comparisons as 0 or 1.
    days: dict[tuple[int, date, bool], list[int]] = {}
    after_now = []
    odr = dict.fromkeys(store_ids, (0, 0))
    for part, store_id, day_of, later, windowed, *figures in rows:
        figures = [int(n) for n in figures]
        if part == "n":
            after_now.append((store_id, figures))
            continue
        if part == "w" or windowed:
            orders, defective = odr[store_id]
            odr[store_id] = (orders + figures[0], defective + figures[2])
        if part == "h":
            # A day the window starts in comes as two rows: its hours before and from then.
            day_of = date.fromisoformat(day_of) if isinstance(day_of, str) else day_of
            kept = days.setdefault((store_id, day_of, bool(later)), [0] * len(_DAY_COLUMNS))
            for index, n in enumerate(figures):
                kept[index] += n
    # Now's hour lies wholly in one day of the reader's (`counts_by_hour_fit`): today.
    today = timezone.localdate(now)
    for store_id, figures in after_now:
        up_to_now = days.setdefault((store_id, today, False), [0] * len(_DAY_COLUMNS))
        later_on = days.setdefault((store_id, today, True), [0] * len(_DAY_COLUMNS))
        for index, n in enumerate(figures):
            up_to_now[index] -= n
            later_on[index] += n
    return StoreDays(
        since,
        now,
        [
            DayRow._make((*key, *figures[: len(_DAY_FIGURES)], tuple(figures[len(_DAY_FIGURES) :])))
            for key, figures in days.items()
        ],
        odr if in_window else None,
    )


TrendDays = tuple[dict[tuple[int, date], int], dict[tuple[int, date], tuple[int, int]]]


def _series(by_week: dict[date, tuple[int, int, int]], now: datetime, weeks: int) -> list[Week]:
    """One Week per Monday, each starting at that Monday's midnight in the reader's time zone
    (weeks without a row too, so two readings of the same figures compare equal)."""
    zone = timezone.get_current_timezone()
    return [
        Week(datetime.combine(day, time.min, tzinfo=zone), *by_week.get(day, (0, 0, 0)))
        for day in week_starts(now, weeks)
    ]


def weeks_from_hours(store_ids: list[int], now: datetime, weeks: int) -> list[Week]:
    """Claims opened, won and lost per week (in the reader's time zone), added up from the
    stores' hour counts: a few thousand small rows instead of every claim of twelve weeks."""
    rows = (
        StoreHour.objects.filter(store_id__in=store_ids, hour__gte=_since(now, weeks))
        .annotate(week=TruncWeek("hour"))
        .values("week")
        .order_by()
        .annotate(n=Sum("opened"), won=Sum("won"), lost=Sum("lost"))
    )
    return _series(_by_week(rows), now, weeks)


def weeks_from_claims(store_ids: list[int], now: datetime, weeks: int) -> list[Week]:
    """The same figures counted from the claims (time zones whose offset is not whole hours)."""
    rows = (
        Claim.objects.filter(store_id__in=store_ids, opened_at__gte=_since(now, weeks))
        .annotate(week=TruncWeek("opened_at"))
        .values("week")
        .order_by()
        .annotate(
            n=Count("*"),
            won=Count("store", filter=Q(outcome__in=Outcome.wins())),
            lost=Count("store", filter=Q(outcome__in=Outcome.losses())),
        )
    )
    return _series(_by_week(rows), now, weeks)


def _by_week(rows) -> dict[date, tuple[int, int, int]]:
    return {row["week"].date(): (row["n"], row["won"], row["lost"]) for row in rows}


@dataclass(frozen=True)
class Load:
    """One assignee's open claims in the stores read (`assignee` 0: the unassigned ones)."""

    assignee: int
    username: str
    open: int
    overdue: int
    due_today: int
    due_24h: int


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def open_load(store_ids: list[int], now: datetime) -> list[Load]:
    """Per assignee of these stores' open claims: how many, how many overdue, due before the
    end of the reader's day and due in the next 24 hours. One query, written out (the same on
    PostgreSQL and SQLite), over the kept counts (`OpenClaimCount`): the months give the open
    claims; the months before this one, this month's days before today and today's hours
    before this one (UTC) hold only overdue claims; every later hour up to the last moment
    counted lies wholly on one side of now, of the day's end and of 24 hours from now, so its
    count goes where its start goes. Only the claims due in the hours those moments fall
    inside are read from the claims themselves (the open claims' due-time indexes).
    Assignees with no open claim left are not listed."""
    end_of_day = end_of_local_day(now)
    next_24h = now + timedelta(hours=24)
    today = datetime.combine(now.astimezone(UTC).date(), time.min, tzinfo=UTC)
    month = today.replace(day=1)
    split = sorted({_hour(now), _hour(next_24h), _hour(end_of_day)})
    last = max(split) + timedelta(hours=1)
    ids = ", ".join(["%s"] * len(store_ids)) or "NULL"
    hours = ", ".join(["%s"] * len(split))
    in_split = " OR ".join(["(respond_by >= %s AND respond_by < %s)"] * len(split))
    counts, claims = OpenClaimCount._meta.db_table, Claim._meta.db_table
    # (assignee, open claims, claims overdue whatever the moment, claims due at `t`).
    sql = f"""
        SELECT k.assignee, u.username, SUM(k.open),
               SUM(k.past) + SUM(CASE WHEN k.t < %s THEN k.n ELSE 0 END),
               SUM(CASE WHEN k.t >= %s AND k.t < %s THEN k.n ELSE 0 END),
               SUM(CASE WHEN k.t >= %s AND k.t < %s THEN k.n ELSE 0 END)
        FROM (
          SELECT assignee, claims AS open, CASE WHEN due < %s THEN claims ELSE 0 END AS past,
                 0 AS n, due AS t
          FROM {counts} WHERE store_id IN ({ids}) AND span = %s
          UNION ALL
          SELECT assignee, 0, claims, 0, due
          FROM {counts} WHERE store_id IN ({ids}) AND span = %s AND due >= %s AND due < %s
          UNION ALL
          SELECT assignee, 0, 0, claims, due
          FROM {counts} WHERE store_id IN ({ids}) AND span = %s AND due >= %s AND due < %s
            AND due NOT IN ({hours})
          UNION ALL
          SELECT COALESCE(assignee_id, 0), 0, 0, 1, respond_by
          FROM {claims} WHERE store_id IN ({ids}) AND NOT (status = %s) AND ({in_split})
        ) k
        LEFT JOIN {User._meta.db_table} u ON u.id = k.assignee
        GROUP BY k.assignee, u.username
    """
    at = connection.ops.adapt_datetimefield_value
    params = [
        *map(at, [now, now, end_of_day, now, next_24h, month]),
        *store_ids,
        OpenClaimCount.MONTH,
        *store_ids,
        OpenClaimCount.DAY,
        *map(at, [month, today]),
        *store_ids,
        OpenClaimCount.HOUR,
        *map(at, [today, last, *split]),
        *store_ids,
        ClaimStatus.CLOSED.value,
        *(at(moment) for hour in split for moment in (hour, hour + timedelta(hours=1))),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        Load(int(assignee), username or "", *(int(n or 0) for n in figures))
        for assignee, username, *figures in rows
        if figures[0]
    ]


def dashboard(
    user, *, now: datetime | None = None, weeks: int = 12, stores: list[Store] | None = None
) -> Dashboard:
    """Everything on the managers' dashboard, read from the claim columns and the counts the
    database keeps with them (no worker needed). `stores`: the stores the user manages, by
    name, when the caller has read them."""
    now = now or timezone.now()
    if stores is None:
        stores = list(managed_stores_for(user).order_by("name"))
    store_ids = [store.pk for store in stores]
    load = open_load(store_ids, now)
    agents = sorted(
        (
            AgentLoad(row.assignee, row.username, row.open, row.due_today, row.overdue)
            for row in load
            if row.assignee
        ),
        key=lambda agent: (-agent.overdue, -agent.open, agent.username),
    )
    # The trends reach furthest back: the days from their first window's start serve the
    # weekly series here and, from the view, the trends and the forecasts' windows.
    _ends, since = trend_since(now, TREND_DAYS, TREND_STEP)
    days = store_days(store_ids, since, now) if counts_by_hour_fit(since, now) else None
    if not counts_by_hour_fit(now - timedelta(weeks=weeks), now):
        series = weeks_from_claims(store_ids, now, weeks)
    elif days is not None and days.covers(_since(now, weeks), now):
        series = days.weeks(store_ids, now, weeks)
    else:
        series = weeks_from_hours(store_ids, now, weeks)
    # Orders and defective orders only (the page shows no kinds): read with the days, or in
    # one query of their own on the hour counts.
    rates = days.odr if days is not None and days.odr is not None else odr_counts(store_ids, now)
    return Dashboard(
        overdue=sum(row.overdue for row in load),
        due_24h=sum(row.due_24h for row in load),
        unassigned=sum(row.open for row in load if not row.assignee),
        agents=agents,
        stores=[(store, OdrFigures(*rates[store.pk])) for store in stores],
        weeks=series,
        now=now,
        days=days,
    )
