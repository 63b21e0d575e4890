"""The managers' dashboard: load, overdue claims and weekly outcomes."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from ..access import managed_stores_for
from ..models import (
    Claim,
    ClaimStatus,
    Outcome,
    Store,
    StoreHour,
    end_of_local_day,
)
from .odr import DefectRate, defect_rates


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
    stores: list[tuple[Store, DefectRate]]
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
    by_week = {row["week"].date(): Week(row["week"], row["n"], row["won"], row["lost"]) for row in rows}
    return [
        by_week.get(day) or Week(datetime.combine(day, datetime.min.time()))
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


def dashboard(user, *, now: datetime | None = None, weeks: int = 12) -> Dashboard:
    """Everything on the managers' dashboard, read from the claim columns (no worker needed)."""
    now = now or timezone.now()
    stores = list(managed_stores_for(user).order_by("name"))
    store_ids = [store.pk for store in stores]
    end_of_day = end_of_local_day(now)
    # One pass over the open claims (claim_open_load), by assignee. Counting "store" (never
    # null) rather than "pk" keeps every column inside the index: an index-only scan.
    load = list(
        Claim.objects.filter(store_id__in=store_ids)
        .filter(~Q(status=ClaimStatus.CLOSED))
        .values("assignee_id", "assignee__username")
        .order_by()
        .annotate(
            open=Count("*"),
            overdue=Count("store", filter=Q(respond_by__lt=now)),
            due_today=Count("store", filter=Q(respond_by__gte=now, respond_by__lt=end_of_day)),
            due_24h=Count("store", filter=Q(respond_by__gte=now, respond_by__lt=now + timedelta(hours=24))),
        )
    )
    agents = sorted(
        (
            AgentLoad(
                row["assignee_id"], row["assignee__username"], row["open"], row["due_today"], row["overdue"]
            )
            for row in load
            if row["assignee_id"]
        ),
        key=lambda agent: (-agent.overdue, -agent.open, agent.username),
    )
    totals = {
        "overdue": sum(row["overdue"] for row in load),
        "due_24h": sum(row["due_24h"] for row in load),
        "unassigned": sum(row["open"] for row in load if not row["assignee_id"]),
    }
    read_weeks = (
        weeks_from_hours if counts_by_hour_fit(now - timedelta(weeks=weeks), now) else weeks_from_claims
    )
    series = read_weeks(store_ids, now, weeks)
    rates = defect_rates(stores, now)
    return Dashboard(
        overdue=totals["overdue"],
        due_24h=totals["due_24h"],
        unassigned=totals["unassigned"],
        agents=agents,
        stores=[(store, rates[store.pk]) for store in stores],
        weeks=series,
    )
