"""Platform deadlines as plain functions over `DeadlineRule` rows.

Every computation uses the store's `time_zone` (for wall-clock times and dates) and its
`marketplace` country (for the business-day calendar). Due times come back as aware UTC
datetimes; a naive start is refused rather than guessed.

Units:
- calendar hours: elapsed time, counted in UTC. 48 hours are 48 real hours, so across a
  daylight-saving change the due time moves by an hour on the store's wall clock.
- calendar days: the same wall-clock time N days later in the store's time zone. A wall-clock
  time that does not exist that day (skipped by spring-forward) lands the same distance after
  the jump (02:30 → 03:30); one that happens twice (fall-back) is the first of the two.
- business days: the marketplace's weekend and public holidays (the `holidays` package,
  including the country's own weekend days and any weekend it turns into a working day) do
  not count. The due time is the same wall-clock time on the Nth business day after the
  start's local date: Tuesday 10:00 + 3 = Friday 10:00. A start on a non-business day counts
  from 00:00 of the next business day, so Saturday 15:30 + 3 = Thursday 00:00 (Monday to
  Wednesday in full). An unknown country code has no holidays and a Saturday–Sunday weekend.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils.translation import gettext as _

from .models import DeadlineKind, DeadlineRule, DeadlineStart, DeadlineUnit, Store, is_warning_hour

UTC = ZoneInfo("UTC")
SATURDAY_SUNDAY = frozenset({5, 6})


@dataclass(frozen=True)
class Deadline:
    due: datetime  # aware, UTC
    start: datetime  # the moment the window counts from
    rule: DeadlineRule
    explanation: str  # one translated sentence for people, e.g. on the claim page


def rule_for(platform: str, claim_kind: str, deadline: str = DeadlineKind.RESPOND) -> DeadlineRule | None:
    return DeadlineRule.objects.filter(
        platform=platform, claim_kind=claim_kind, deadline=deadline, is_active=True
    ).first()


# --- the business-day calendar ------------------------------------------------------------


@dataclass(frozen=True)
class _Calendar:
    holidays: frozenset[date]
    weekend: frozenset[int]  # date.weekday() numbers
    working_weekend_days: frozenset[date]  # e.g. a Russian Saturday worked to bridge a holiday


@lru_cache(maxsize=256)
def _calendar(country: str, year: int) -> _Calendar:
    try:
        found = holidays.country_holidays(country, years=year)
    except NotImplementedError:
        # A marketplace the package does not know: weekends only, rather than a crash.
        return _Calendar(frozenset(), SATURDAY_SUNDAY, frozenset())
    return _Calendar(
        holidays=frozenset(found.keys()),
        weekend=frozenset(found.weekend) or SATURDAY_SUNDAY,
        working_weekend_days=frozenset(d for d in found.weekend_workdays if d.year == year),
    )


def is_business_day(day: date, *, country: str) -> bool:
    calendar = _calendar(country.upper(), day.year)
    if day in calendar.holidays:
        return False
    return day.weekday() not in calendar.weekend or day in calendar.working_weekend_days


# --- wall-clock arithmetic ----------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Deadlines need an aware datetime; got a naive one.")
    return moment


def _at_wall_clock(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC moment a wall-clock time on `day` names in `zone`.

    fold=0 picks the first of two repeated times; for a time skipped by a DST jump, zoneinfo
    applies the offset in force before the jump, and the round trip through UTC moves it
    past the gap."""
    naive = datetime.combine(day, clock.replace(tzinfo=None))
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def add_business_days(start: datetime, days: int, *, country: str, time_zone: str) -> datetime:
    zone = ZoneInfo(time_zone)
    local = _aware(start).astimezone(zone)
    day, clock = local.date(), local.time()
    if not is_business_day(day, country=country):
        while not is_business_day(day, country=country):
            day += timedelta(days=1)
        clock = time(0, 0)
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day, country=country):
            remaining -= 1
    return _at_wall_clock(day, clock, zone)


def compute_due(rule: DeadlineRule, start: datetime, *, store: Store) -> datetime:
    start = _aware(start)
    if rule.unit == DeadlineUnit.CALENDAR_HOURS:
        # In UTC: adding hours to a datetime in a local zone would add wall-clock hours.
        return start.astimezone(UTC) + timedelta(hours=rule.length)
    if rule.unit == DeadlineUnit.CALENDAR_DAYS:
        zone = ZoneInfo(store.time_zone)
        local = start.astimezone(zone)
        return _at_wall_clock(local.date() + timedelta(days=rule.length), local.time(), zone)
    if rule.unit == DeadlineUnit.BUSINESS_DAYS:
        return add_business_days(start, rule.length, country=store.marketplace, time_zone=store.time_zone)
    raise ValueError(f"Unknown deadline unit {rule.unit!r}")


# --- claims -------------------------------------------------------------------------------


def start_for(rule: DeadlineRule, claim) -> datetime | None:
    if rule.starts_from == DeadlineStart.PLATFORM_REQUEST:
        # Until the platform's request is recorded, count from the opening: the earlier, and
        # so the safer, of the two.
        return claim.platform_requested_at or claim.opened_at
    if rule.starts_from == DeadlineStart.CLAIM_CLOSED:
        return claim.closed_at
    return claim.opened_at


def _origin(rule: DeadlineRule, claim) -> str:
    if rule.starts_from == DeadlineStart.PLATFORM_REQUEST and claim is not None and not claim.platform_requested_at:
        return _("the opening of the claim (no request from the platform recorded yet)")
    if rule.starts_from == DeadlineStart.CLAIM_OPENED:
        # The choice label ("the claim was opened") does not read well after "from".
        return _("the opening of the claim")
    return rule.get_starts_from_display()


def explain(rule: DeadlineRule, start: datetime, *, store: Store, claim=None) -> str:
    """E.g. "48 calendar hours from the platform's request at 2026-05-03 10:00 PDT", with the
    start shown on the store's clock."""
    local = _aware(start).astimezone(ZoneInfo(store.time_zone))
    unit = rule.get_unit_display()
    if rule.unit == DeadlineUnit.BUSINESS_DAYS:
        unit = _("%(unit)s (%(country)s calendar)") % {"unit": unit, "country": store.marketplace}
    return _("%(length)d %(unit)s from %(origin)s at %(when)s") % {
        "length": rule.length,
        "unit": unit,
        "origin": _origin(rule, claim),
        "when": f"{local:%Y-%m-%d %H:%M} {local.tzname()}",
    }


def for_claim(claim, deadline: str = DeadlineKind.RESPOND, *, rule: DeadlineRule | None = None) -> Deadline | None:
    rule = rule or rule_for(claim.store.platform, claim.kind, deadline)
    if rule is None or not rule.is_active:
        return None
    start = start_for(rule, claim)
    if start is None:
        return None
    return Deadline(
        due=compute_due(rule, start, store=claim.store),
        start=start,
        rule=rule,
        explanation=explain(rule, start, store=claim.store, claim=claim),
    )


# --- warnings ------------------------------------------------------------------------------

# A claim whose rule names no warning is still warned a day ahead.
DEFAULT_CLAIM_WARNING_HOURS = [24]


def warning_hours(value) -> list[int | float]:
    """The one reader of a `warn_hours_before` list (a rule's, or the copy a buyer message
    keeps): its usable entries in hours, rounded to the hundredth, each once, largest first.

    A value stored before it was validated, or written around the admin form (strings, zero,
    negatives, nested lists, a dict, `true`), is read as far as it makes sense and the rest
    skipped, so no page and no sweep fails on it."""
    if not isinstance(value, list):
        return []
    found = set()
    for entry in value:
        if is_warning_hour(entry):
            hours = round(entry, 2)
            if hours > 0:
                found.add(int(hours) if hours == int(hours) else hours)
    return sorted(found, reverse=True)


def claim_warning_hours(rule: DeadlineRule | None) -> list[int | float]:
    return warning_hours(rule.warn_hours_before if rule else None) or DEFAULT_CLAIM_WARNING_HOURS
