"""The Order Defect Rate forecast: each store's expected ODR for each of the next 30 days, with
a band, the first day it is expected to cross the limit, and the open claims that can stop it.

Days are the viewer's local days. On a day, the window holds the orders of its 60 days (that day
and the 59 before): orders older than that leave it, with their defects. Until then:
- a settled defect (a claim granted, refunded, a chargeback or negative feedback that counts)
  stays a defect;
- an order whose only defects are open claims is a defect with the chance of losing them: each
  open claim is won with the team's win rate for its platform and reason (`disputes.winrates`);
  today it still counts (pending claims do), later days count it at that chance, as if decided;
- new orders arrive at the window's pace (its orders ÷ 60 a day) and bring defects at today's
  rate (orders with a defect, pending claims counted, ÷ orders).
The band is 90 % around the expectation: the spread of the open claims' outcomes (each a coin
with its own chance) and of the new defects' arrivals (Poisson), over that day's orders.

Grouped counts, never a row per claim, whatever the number of stores and claims, and nothing
cached, so a claim decided a moment ago shows at once: one for the window (the stores' hour
counts, with their pending claims by reason; none on the dashboard, which has read those days
already), one for the win rates (the team's day tallies), and
four more when a store can be kept under the line by winning open claims (those claims, their
lines, their orders' settled defects, their SKUs' record). The hour counts and day tallies are
kept by the database itself, in the transaction of each write (disputes/store_hours.py,
disputes/win_tallies.py)."""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import PENDING_COLUMNS, Claim, Order, Reason, Store, StoreHour
from ..winrates import WinRate, WinRates, sku_tallies, win_rates
from .dashboard import StoreDays, WindowRow, counts_by_hour_fit

HORIZON_DAYS = 30
# 1.645 standard deviations each side: a 90 % band.
BAND_Z = 1.645
# The open claims named as the ones that matter most: at least this many (more when more wins
# are needed), picked among the `AT_STAKE_READ` due soonest in the crossing day's window.
AT_STAKE_SHOWN = 5
AT_STAKE_READ = 50


@dataclass(frozen=True)
class ForecastDay:
    day: date
    offset: int  # days from today
    orders: float
    defects: float  # expected orders with a defect
    spread: float  # one standard deviation of `defects`
    open_orders: int  # orders in the window whose only defects are open claims
    settled: int  # orders in the window with a settled defect
    new_defects: float

    def _percent(self, defects: float) -> float:
        return 100 * defects / self.orders if self.orders else 0.0

    @property
    def percent(self) -> float:
        return self._percent(self.defects)

    @property
    def low(self) -> float:
        return self._percent(max(0.0, self.defects - BAND_Z * self.spread))

    @property
    def high(self) -> float:
        return self._percent(self.defects + BAND_Z * self.spread)

    @property
    def worst_defects(self) -> float:
        """Defects if every open claim in the window were lost."""
        return self.settled + self.open_orders + self.new_defects


@dataclass(frozen=True)
class ClaimAtStake:
    claim: Claim
    win: WinRate
    leaves_window: date  # the last day its order still counts


@dataclass
class OdrForecast:
    store: Store
    limit: Decimal
    today: ForecastDay
    days: list[ForecastDay]
    crossing: ForecastDay | None = None
    wins_needed: int = 0
    open_at_crossing: int = 0
    at_stake: list[ClaimAtStake] = field(default_factory=list)

    @property
    def above_today(self) -> bool:
        return self.today.percent > self.limit

    @property
    def peak(self) -> ForecastDay:
        return max(self.days, key=lambda day: day.percent)

    @property
    def reach(self) -> ForecastDay | None:
        """The first day whose band reaches over the limit."""
        return next((day for day in self.days if day.high > self.limit), None)

    @property
    def within_reach(self) -> bool:
        """Over the line today, expected over it, or within the band of it in the horizon."""
        return self.above_today or self.crossing is not None or self.reach is not None

    @property
    def saved_by_wins(self) -> bool:
        return 0 < self.wins_needed <= self.open_at_crossing

    def summary(self) -> str:
        """What the forecast says, in one sentence."""
        limit = _limit_text(self.limit)
        if self.crossing is not None and self.crossing.offset == 0:
            above = _("Above %(limit)s today (%(percent)s).") % {
                "limit": limit,
                "percent": _percent_text(self.today.percent),
            }
            if not self.saved_by_wins:
                return above
            back = ngettext(
                "Winning %(wins)s of these %(open)s open claims would bring it back under.",
                "Winning %(wins)s of these %(open)s open claims would bring it back under.",
                self.wins_needed,
            ) % {"wins": self.wins_needed, "open": self.open_at_crossing}
            return f"{above} {back}"
        if self.crossing is not None:
            day = _day_text(self.crossing.day)
            if self.saved_by_wins:
                return ngettext(
                    "Expected to cross %(limit)s on %(day)s unless %(wins)s of these %(open)s open "
                    "claims is won.",
                    "Expected to cross %(limit)s on %(day)s unless %(wins)s of these %(open)s open "
                    "claims are won.",
                    self.wins_needed,
                ) % {"limit": limit, "day": day, "wins": self.wins_needed, "open": self.open_at_crossing}
            return _("Expected to cross %(limit)s on %(day)s, even if every open claim is won.") % {
                "limit": limit,
                "day": day,
            }
        if self.reach is not None:
            return _(
                "Could cross %(limit)s from %(day)s (the top of the band); expected to stay under it."
            ) % {
                "limit": limit,
                "day": _day_text(self.reach.day),
            }
        return _("Expected to stay under %(limit)s for the next %(days)s days (at most %(percent)s).") % {
            "limit": limit,
            "days": HORIZON_DAYS,
            "percent": _percent_text(self.peak.percent),
        }


def _limit_text(limit: Decimal) -> str:
    return _percent_text(float(limit))


def _percent_text(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") + " %"


def _day_text(day: date) -> str:
    return date_format(day, "j F")


@dataclass
class WindowCounts:
    """A store's 60-day window, day by day: its orders, the orders with a settled defect, and the
    orders whose only defects are open claims (split by those claims' reasons)."""

    orders: dict[date, int] = field(default_factory=dict)
    settled: dict[date, int] = field(default_factory=dict)
    pending: dict[date, dict[str, float]] = field(default_factory=dict)


def window_counts(
    store_ids: list[int], start: datetime, zone, now: datetime, store_days: StoreDays | None = None
) -> dict[int, WindowCounts]:
    """One grouped query whatever the number of stores and claims: the window's orders,
    defective orders and pending claims by reason, day by day, added up from the stores' hour
    counts (`StoreHour`, kept by the database in the same transaction as every write). In a time
    zone whose offset is not a whole number of hours, hours do not add up to its days: the
    orders and claims are counted instead (three queries, over every order and counting claim
    of the window). `store_days`, when it holds the window, gives them all (no query)."""
    counts = {pk: WindowCounts() for pk in store_ids}
    rows: Iterable[WindowRow]
    if not counts_by_hour_fit(start, now):
        rows = _window_from_rows(store_ids, start, zone)
    elif store_days is not None and store_days.covers(start, now):
        rows = store_days.window(store_ids, start)
    else:
        rows = (
            (store_id, day, orders, defective, decided, tuple(pending))
            for store_id, day, orders, defective, decided, *pending in StoreHour.objects.filter(
                store_id__in=store_ids, hour__gte=start
            )
            .annotate(day=TruncDate("hour", tzinfo=zone))
            .values("store_id", "day")
            .order_by()
            .annotate(
                orders=Sum("orders"),
                defective=Sum("defective"),
                decided=Sum("settled"),
                **{f"n_{column}": Sum(column) for column in PENDING_COLUMNS.values()},
            )
            .values_list(
                "store_id",
                "day",
                "orders",
                "defective",
                "decided",
                *(f"n_{column}" for column in PENDING_COLUMNS.values()),
            )
        )
    for store_id, day, orders, defective, decided, pending in rows:
        if orders:
            counts[store_id].orders[day] = orders
        if decided:
            counts[store_id].settled[day] = decided
        # The orders whose only defects are pending claims, split by those claims' reasons
        # (their chances of being won differ).
        if defective > decided:
            n = defective - decided
            mix = {reason: count for reason, count in zip(PENDING_COLUMNS, pending, strict=True) if count}
            claims = sum(mix.values())
            if claims:
                counts[store_id].pending[day] = {reason: n * count / claims for reason, count in mix.items()}
    return counts


def _window_from_rows(store_ids: list[int], start: datetime, zone) -> list[WindowRow]:
    """(store, day, orders, orders with a counting claim, those of them with a decided one,
    pending claims by reason), counted from the orders and claims of the window."""
    rows: dict[tuple[int, date], list] = defaultdict(lambda: [0, 0, 0, [0] * len(PENDING_COLUMNS)])
    for store_id, day, n in (
        Order.objects.filter(store_id__in=store_ids, purchased_at__gte=start)
        .annotate(day=TruncDate("purchased_at", tzinfo=zone))
        .values("store_id", "day")
        .annotate(n=Count("*"))
        .values_list("store_id", "day", "n")
        .order_by()
    ):
        rows[(store_id, day)][0] = n
    for store_id, day, defective, decided in (
        Claim.objects.filter(store_id__in=store_ids, counts_toward_odr=True, order_purchased_at__gte=start)
        .annotate(day=TruncDate("order_purchased_at", tzinfo=zone))
        .values("store_id", "day")
        .annotate(
            defective=Count("order", distinct=True),
            decided=Count("order", distinct=True, filter=~Q(outcome="")),
        )
        .values_list("store_id", "day", "defective", "decided")
        .order_by()
    ):
        rows[(store_id, day)][1:3] = [defective, decided]
    # The pending ones by reason, as the hour counts keep them (a reason outside `Reason` as
    # "other").
    index = {reason: n for n, reason in enumerate(PENDING_COLUMNS)}
    for store_id, day, reason, n in (
        Claim.objects.filter(
            store_id__in=store_ids, counts_toward_odr=True, outcome="", order_purchased_at__gte=start
        )
        .annotate(day=TruncDate("order_purchased_at", tzinfo=zone))
        .values("store_id", "day", "reason")
        .annotate(n=Count("*"))
        .values_list("store_id", "day", "reason", "n")
        .order_by()
    ):
        rows[(store_id, day)][3][index.get(reason, index[Reason.OTHER])] += n
    return [
        (store_id, day, orders, defective, decided, tuple(pending))
        for (store_id, day), (orders, defective, decided, pending) in rows.items()
    ]


def odr_forecasts(
    stores: list[Store],
    *,
    team: list[Store] | None = None,
    now: datetime | None = None,
    store_days: StoreDays | None = None,
) -> dict[int, OdrForecast]:
    """Each store's forecast, with the win rates of `team` (the viewer's stores; default
    `stores`); the window's counts from `store_days` when it holds them (the dashboard's)."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now, zone).date()
    first_day = today - timedelta(days=settings.DESK_ODR_WINDOW_DAYS - 1)
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=zone)
    counts = window_counts([store.pk for store in stores], start, zone, now, store_days)
    rates = win_rates(team if team is not None else stores, skus=[], now=now)
    forecasts = {store.pk: _forecast(store, today, counts[store.pk], rates) for store in stores}
    crossing = [f for f in forecasts.values() if f.crossing is not None and f.saved_by_wins]
    if crossing:
        _name_claims_at_stake(crossing, team if team is not None else stores, rates, zone, now)
    return forecasts


def odr_forecast(
    store: Store, *, team: list[Store] | None = None, now: datetime | None = None
) -> OdrForecast:
    return odr_forecasts([store], team=team, now=now)[store.pk]


def _forecast(store: Store, today: date, counts: WindowCounts, rates: WinRates) -> OdrForecast:
    orders, settled, pending = counts.orders, counts.settled, counts.pending
    window_days = settings.DESK_ODR_WINDOW_DAYS
    limit = Decimal(settings.DESK_ODR_LIMIT_PERCENT)
    orders_per_day = sum(orders.values()) / window_days
    # New orders bring defects at the window's present rate (pending claims counted).
    defects_today = sum(settled.values()) + sum(
        n for by_reason in pending.values() for n in by_reason.values()
    )
    new_per_day = defects_today / sum(orders.values()) * orders_per_day if orders else 0.0
    lose = {reason: 1 - rates.reason(store.platform, reason).rate for reason in _reasons(pending)}
    # Each day's pending claims folded once over their reasons: (open orders, expected losses,
    # their variance). The window of each forecast day then adds up one figure per day, not
    # one per day and reason (31 forecast days x 60 days x the reasons made this most of the
    # dashboard's CPU).
    per_day = {
        d: (
            sum(by_reason.values()),
            sum(n * lose[r] for r, n in by_reason.items()),
            sum(n * lose[r] * (1 - lose[r]) for r, n in by_reason.items()),
        )
        for d, by_reason in pending.items()
    }
    # Forecast day `offset`'s window holds the days from today - (window - 1) + offset on: each
    # figure is a sum over the days from an index on, kept once per chart (sums from the end)
    # rather than added up again over 60 days for each of the 31 days.
    first_day = today - timedelta(days=window_days - 1)
    tail = _tail_sums(first_day, orders, settled, per_day)
    days = []
    for offset in range(HORIZON_DAYS + 1):
        day = today + timedelta(days=offset)
        orders_in, settled_now, open_in, losses_in, variance_in = tail[min(offset, len(tail) - 1)]
        open_orders = round(open_in)
        if offset == 0:  # pending claims count today
            expected_open, variance = float(open_orders), 0.0
        else:
            expected_open, variance = losses_in, variance_in
        new = new_per_day * offset
        days.append(
            ForecastDay(
                day=day,
                offset=offset,
                orders=orders_in + orders_per_day * offset,
                defects=settled_now + expected_open + new,
                spread=math.sqrt(variance + new),
                open_orders=open_orders,
                settled=settled_now,
                new_defects=new,
            )
        )
    forecast = OdrForecast(store=store, limit=limit, today=days[0], days=days[1:])
    crossing = next((day for day in days if day.percent > limit), None)
    if crossing is not None:
        forecast.crossing = crossing
        forecast.open_at_crossing = crossing.open_orders
        # Each win takes one defect away: enough of them to bring the worst case to the limit.
        excess = crossing.worst_defects - float(limit) * crossing.orders / 100
        forecast.wins_needed = max(1, math.ceil(excess - 1e-9))
    return forecast


def _tail_sums(
    first_day: date, orders: dict[date, int], settled: dict[date, int], pending: dict[date, tuple]
) -> list[tuple]:
    """Row k: (orders, settled defects, then the three figures of the pending claims), each
    summed over the days from `first_day` + k days on; days before `first_day` never count."""
    span = max([(d - first_day).days for d in (*orders, *settled, *pending)] + [0]) + 2
    table = [[0, 0, 0.0, 0.0, 0.0] for _ in range(span)]
    for column, figures in ((0, orders), (1, settled)):
        for d, n in figures.items():
            if d >= first_day:
                table[(d - first_day).days][column] += n
    for d, (open_orders, losses, variance) in pending.items():
        if d >= first_day:
            row = table[(d - first_day).days]
            row[2] += open_orders
            row[3] += losses
            row[4] += variance
    for index in range(span - 2, -1, -1):
        row, after = table[index], table[index + 1]
        for n in range(5):
            row[n] += after[n]
    return [tuple(row) for row in table]


def _reasons(pending: dict[date, dict[str, float]]) -> set[str]:
    return {reason for by_reason in pending.values() for reason in by_reason}


def _name_claims_at_stake(
    forecasts: list[OdrForecast], team: list[Store], rates: WinRates, zone, now: datetime
) -> None:
    """The open claims that can keep each store under the line: in the crossing day's window,
    the soonest due first, then the most winnable of them (its SKU's record when it has one)."""
    window_days = settings.DESK_ODR_WINDOW_DAYS
    in_windows = Q()
    for forecast in forecasts:
        assert forecast.crossing is not None
        first = forecast.crossing.day - timedelta(days=window_days - 1)
        start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
        in_windows |= Q(store=forecast.store, order_purchased_at__gte=start)
    # One query for every store: the soonest due over all of them, as many as each store may need.
    claims = list(
        Claim.objects.filter(in_windows, counts_toward_odr=True, outcome="")
        .select_related("order", "store")
        .prefetch_related("order__lines")
        .order_by(F("respond_by").asc(nulls_last=True), "pk")[: AT_STAKE_READ * len(forecasts)]
    )
    # Winning a claim does not help an order that already has a settled defect.
    lost_anyway = set(
        Claim.objects.filter(order__in=[claim.order_id for claim in claims], counts_toward_odr=True)
        .exclude(outcome="")
        .values_list("order_id", flat=True)
    )
    claims = [claim for claim in claims if claim.order_id not in lost_anyway]
    skus = {line.sku for claim in claims for line in claim.order.lines.all()}
    if skus:
        rates = WinRates(by_reason=rates.by_reason, by_sku=sku_tallies(team, skus, now=now))
    for forecast in forecasts:
        mine = [
            ClaimAtStake(
                claim=claim,
                win=rates.for_claim(claim),
                leaves_window=timezone.localtime(claim.order.purchased_at, zone).date()
                + timedelta(days=window_days - 1),
            )
            for claim in claims
            if claim.store_id == forecast.store.pk
        ]
        mine.sort(key=lambda item: (-item.win.rate, item.claim.respond_by or now, item.claim.pk))
        forecast.at_stake = mine[: max(AT_STAKE_SHOWN, forecast.wins_needed)]
