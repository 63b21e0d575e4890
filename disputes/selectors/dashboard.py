"""The managers' dashboard: load, overdue claims and weekly outcomes."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from ..access import managed_stores_for
from ..models import (
    Claim,
    ClaimStatus,
    OpenClaimCount,
    Outcome,
    Store,
    StoreHour,
    end_of_local_day,
)
from .odr import OdrFigures, odr_counts


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


def _series(rows, now: datetime, weeks: int) -> list[Week]:
    """One Week per Monday, each starting at that Monday's midnight in the reader's time zone
    (weeks without a row too, so two readings of the same figures compare equal)."""
    zone = timezone.get_current_timezone()
    by_week = {row["week"].date(): (row["n"], row["won"], row["lost"]) for row in rows}
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
    return _series(rows, now, weeks)


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
    return _series(rows, now, weeks)


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


def dashboard(user, *, now: datetime | None = None, weeks: int = 12) -> Dashboard:
    """Everything on the managers' dashboard, read from the claim columns and the counts the
    database keeps with them (no worker needed)."""
    now = now or timezone.now()
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
    read_weeks = (
        weeks_from_hours if counts_by_hour_fit(now - timedelta(weeks=weeks), now) else weeks_from_claims
    )
    series = read_weeks(store_ids, now, weeks)
    # Orders and defective orders only (the page shows no kinds): one query, on the hour counts.
    rates = odr_counts(store_ids, now)
    return Dashboard(
        overdue=sum(row.overdue for row in load),
        due_24h=sum(row.due_24h for row in load),
        unassigned=sum(row.open for row in load if not row.assignee),
        agents=agents,
        stores=[(store, OdrFigures(*rates[store.pk])) for store in stores],
        weeks=series,
    )
