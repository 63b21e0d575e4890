"""Platform deadlines as plain functions over `DeadlineRule` rows.

Units:
- calendar hours: elapsed time. 48 hours are 48 real hours, so across a daylight-saving change
  the due time moves by an hour on the store's wall clock.
- calendar days: the same wall-clock time N days later in the store's time zone.
- business days: weekends and the marketplace country's public holidays (the `holidays`
  package) do not count. The due time is the same wall-clock time on the Nth business day
  after the start's local date. A start on a non-business day counts from 00:00 of the next
  business day (Saturday + 3 business days = Thursday 00:00: Monday to Wednesday in full).
An unknown country code keeps only weekends as non-business days.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import formats
from django.utils.translation import gettext as _

from .models import DeadlineKind, DeadlineRule, DeadlineStart, DeadlineUnit, Store

UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Deadline:
    due: datetime
    start: datetime
    rule: DeadlineRule
    explanation: str


def rule_for(platform: str, claim_kind: str, deadline: str = DeadlineKind.RESPOND) -> DeadlineRule | None:
    return DeadlineRule.objects.filter(
        platform=platform, claim_kind=claim_kind, deadline=deadline, is_active=True
    ).first()


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(country, years=year).keys())
    except NotImplementedError:
        return frozenset()


def is_business_day(day: date, *, country: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(country.upper(), day.year)


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def _from_wall_clock(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """An aware UTC time for a wall-clock time; a time skipped by a DST jump lands just after
    it (the round trip through UTC normalises it)."""
    naive = datetime.combine(day, clock.replace(tzinfo=None))
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def add_business_days(start: datetime, days: int, *, country: str, time_zone: str) -> datetime:
    zone = ZoneInfo(time_zone)
    local = _local(start, zone)
    day, clock = local.date(), local.timetz()
    if not is_business_day(day, country=country):
        # Counting starts at 00:00 of the next business day.
        while not is_business_day(day, country=country):
            day += timedelta(days=1)
        clock = time(0, 0)
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day, country=country):
            remaining -= 1
    return _from_wall_clock(day, clock, zone)


def compute_due(rule: DeadlineRule, start: datetime, *, store: Store) -> datetime:
    if rule.unit == DeadlineUnit.CALENDAR_HOURS:
        # In UTC: aware arithmetic in a local zone would add wall-clock hours.
        return start.astimezone(UTC) + timedelta(hours=rule.length)
    if rule.unit == DeadlineUnit.CALENDAR_DAYS:
        zone = ZoneInfo(store.time_zone)
        local = _local(start, zone)
        return _from_wall_clock(local.date() + timedelta(days=rule.length), local.timetz(), zone)
    return add_business_days(start, rule.length, country=store.marketplace, time_zone=store.time_zone)


def start_for(rule: DeadlineRule, claim) -> datetime | None:
    if rule.starts_from == DeadlineStart.PLATFORM_REQUEST:
        return claim.platform_requested_at or claim.opened_at
    if rule.starts_from == DeadlineStart.CLAIM_CLOSED:
        return claim.closed_at
    return claim.opened_at


def explain(rule: DeadlineRule, start: datetime, *, store: Store, claim=None) -> str:
    local = _local(start, ZoneInfo(store.time_zone))
    when = f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
    if rule.starts_from == DeadlineStart.PLATFORM_REQUEST and claim is not None and not claim.platform_requested_at:
        origin = _("the claim was opened (no request from the platform recorded yet)")
    else:
        origin = rule.get_starts_from_display()
    unit = rule.get_unit_display()
    if rule.unit == DeadlineUnit.BUSINESS_DAYS:
        unit = _("%(unit)s (%(country)s calendar)") % {"unit": unit, "country": store.marketplace}
    return _("%(length)d %(unit)s from %(origin)s at %(when)s") % {
        "length": rule.length, "unit": unit, "origin": origin, "when": when,
    }


def for_claim(claim, deadline: str = DeadlineKind.RESPOND, *, rule: DeadlineRule | None = None) -> Deadline | None:
    rule = rule or rule_for(claim.store.platform, claim.kind, deadline)
    if rule is None or not rule.is_active:
        return None
    start = start_for(rule, claim)
    if start is None:
        return None
    due = compute_due(rule, start, store=claim.store)
    return Deadline(due=due, start=start, rule=rule, explanation=explain(rule, start, store=claim.store, claim=claim))


def warning_times(deadline: Deadline) -> list[datetime]:
    times = {deadline.due - timedelta(hours=h) for h in deadline.rule.warn_hours_before or []}
    return sorted(t for t in times if t > deadline.start)
