"""Platform deadlines as plain functions over `DeadlineRule` rows.

Every computation uses the store's `time_zone` (for wall-clock times and dates) and its
`marketplace` country with its `holiday_subdivision` (for the business-day calendar). Due times
come back as aware UTC datetimes; a naive start is refused rather than guessed.

Units:
- calendar hours: elapsed time, counted in UTC. 72 hours are 72 real hours, so across a
  daylight-saving change the due time moves by an hour on the store's wall clock.
- calendar days: the same wall-clock time N days later in the store's time zone. A wall-clock
  time that happens twice (fall-back) is the first of the two.
- business days: the marketplace's weekend and public holidays (the `holidays` package,
  including the country's own weekend days and any weekend it turns into a working day) do
  not count. A window of N business days ends when the Nth full business day ends, at midnight
  on the store's clock: a day already begun when the window starts does not count, so Tuesday
  10:00 + 3 ends as Friday ends, and Saturday 15:30 + 3 ends as Wednesday ends. An unknown
  country code has no holidays and a Saturday–Sunday weekend.

A due time on a wall clock that skips it (spring-forward: 02:30 on the day 02:00 becomes 03:00)
is the earliest instant the clock shows after it, the moment of the jump (03:00): never later
than the rule allows. The explanation says so when it happens.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from . import dates
from .models import (
    Claim,
    ClaimStatus,
    DeadlineKind,
    DeadlineRule,
    DeadlineStart,
    DeadlineUnit,
    Store,
)

log = logging.getLogger(__name__)
UTC = ZoneInfo("UTC")
SATURDAY_SUNDAY = frozenset({5, 6})


@dataclass(frozen=True)
class Deadline:
    due: datetime  # aware, UTC
    start: datetime  # the moment the window counts from
    rule: DeadlineRule
    explanation: str  # one translated sentence for people, e.g. on the claim page
    explained: dict  # the same as JSON-safe values (`explain_params`), for the timeline


def rule_for(
    platform: str, claim_kind: str, deadline: str = DeadlineKind.RESPOND, *, store: Store | None = None
) -> DeadlineRule | None:
    """The store's own active rule if it has one, else the platform's (one query, written out:
    the same on PostgreSQL and SQLite; built with the ORM it took longer to compile than to run,
    on every claim page; issue #18)."""
    store_id = store.pk if store is not None else None
    rules = DeadlineRule.objects.raw(RULE_FOR, [store_id, platform, claim_kind, deadline])
    return next(iter(rules), None)


RULE_FOR = """
    SELECT * FROM disputes_deadlinerule
    WHERE (store_id = %s OR (platform = %s AND store_id IS NULL))
      AND claim_kind = %s AND deadline = %s AND is_active
    ORDER BY store_id NULLS LAST LIMIT 1
"""


def governed_open_claims(rule: DeadlineRule) -> QuerySet[Claim]:
    """The open claims whose response deadline this rule sets: those it set, and those the
    lookup would give it if recomputed now (a new store rule takes over its store's claims)."""
    open_claims = Claim.objects.exclude(status__in=ClaimStatus.settled())
    set_by_it = Q(respond_rule=rule)
    if rule.deadline != DeadlineKind.RESPOND or not rule.is_active:
        return open_claims.filter(set_by_it)
    if rule.store_id:
        would_get_it = Q(store_id=rule.store_id, kind=rule.claim_kind)
    else:
        stores_with_their_own = DeadlineRule.objects.filter(
            store__isnull=False,
            claim_kind=rule.claim_kind,
            deadline=rule.deadline,
            is_active=True,
        ).values("store_id")
        would_get_it = Q(store__platform=rule.platform, kind=rule.claim_kind) & ~Q(
            store_id__in=stores_with_their_own
        )
    return open_claims.filter(set_by_it | would_get_it)


# --- the business-day calendar ------------------------------------------------------------


@dataclass(frozen=True)
class _Calendar:
    holidays: frozenset[date]
    weekend: frozenset[int]  # date.weekday() numbers
    working_weekend_days: frozenset[date]  # e.g. a Russian Saturday worked to bridge a holiday


@lru_cache(maxsize=256)
def _calendar(country: str, subdivision: str, year: int) -> _Calendar:
    try:
        found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    except NotImplementedError:
        if subdivision:
            # A region the package no longer knows (the form refuses new ones): the country's
            # own holidays still count.
            log.warning("Unknown holiday region %s-%s; using the country's holidays", country, subdivision)
            return _calendar(country, "", year)
        # A marketplace the package does not know: weekends only, rather than a crash.
        return _Calendar(frozenset(), SATURDAY_SUNDAY, frozenset())
    return _Calendar(
        holidays=frozenset(found.keys()),
        weekend=frozenset(found.weekend) or SATURDAY_SUNDAY,
        working_weekend_days=frozenset(d for d in found.weekend_workdays if d.year == year),
    )


def _regions(country: str) -> tuple[str, ...] | None:
    try:
        return tuple(holidays.country_holidays(country).subdivisions)
    except NotImplementedError:
        return None


def canonical_subdivision(country: str, subdivision: str) -> str:
    """The calendar's own spelling of a region typed in any case ("eng" → "ENG", "augsburg" →
    "Augsburg"); anything it does not know comes back trimmed, for validation to refuse."""
    subdivision = subdivision.strip()
    for known in _regions(country) or ():
        if known.casefold() == subdivision.casefold():
            return known
    return subdivision


def subdivision_problem(country: str, subdivision: str) -> str | None:
    """Why this holiday region cannot be used with this country, or None."""
    if not subdivision:
        return None
    known = _regions(country)
    if known is None:
        return _("The holiday calendar has no regions for country %(country)s.") % {"country": country}
    if subdivision not in known:
        return _("%(region)s is not a holiday region of %(country)s; it has: %(known)s.") % {
            "region": subdivision,
            "country": country,
            "known": ", ".join(known) or "—",
        }
    return None


def is_business_day(day: date, *, country: str, subdivision: str = "") -> bool:
    calendar = _calendar(country.upper(), subdivision, day.year)
    if day in calendar.holidays:
        return False
    return day.weekday() not in calendar.weekend or day in calendar.working_weekend_days


# --- wall-clock arithmetic ----------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Deadlines need an aware datetime; got a naive one.")
    return moment


def _at_wall_clock(day: date, clock: time, zone: ZoneInfo) -> tuple[datetime, bool]:
    """The UTC moment a wall-clock time on `day` names in `zone`, and whether the clock skipped
    that time.

    fold=0 picks the first of two repeated times. A skipped time (a spring-forward gap) has no
    moment of its own: it resolves to the moment of the jump, the earliest one after it."""
    naive = datetime.combine(day, clock.replace(tzinfo=None))
    moment = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) == naive:
        return moment, False
    # Read with the offsets from before and after the jump, the time names two moments that
    # bracket it; halve the interval down to the second at which the new offset starts.
    before, after = naive.replace(tzinfo=zone, fold=1).astimezone(UTC), moment
    new_offset = after.astimezone(zone).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == new_offset:
            after = middle
        else:
            before = middle
    # Jumps happen on a whole second, which is where the last halving lands once rounded down.
    return after.replace(microsecond=0), True


def _last_business_day(start_local: datetime, days: int, *, country: str, subdivision: str) -> date:
    """The Nth full business day from a local start: its own day counts only from midnight."""
    if days < 1:
        raise ValueError("A business-day window needs at least one day.")
    day = start_local.date()
    if start_local.time() != time(0, 0):
        day += timedelta(days=1)
    remaining = days
    while True:
        if is_business_day(day, country=country, subdivision=subdivision):
            remaining -= 1
            if remaining == 0:
                return day
        day += timedelta(days=1)


def _business_days_end(
    start: datetime, days: int, *, country: str, subdivision: str, zone: ZoneInfo
) -> tuple[datetime, bool]:
    last = _last_business_day(_aware(start).astimezone(zone), days, country=country, subdivision=subdivision)
    return _at_wall_clock(last + timedelta(days=1), time(0, 0), zone)


def add_business_days(
    start: datetime, days: int, *, country: str, time_zone: str, subdivision: str = ""
) -> datetime:
    """When a window of `days` business days from `start` ends: midnight after the last one."""
    return _business_days_end(
        start, days, country=country, subdivision=subdivision, zone=ZoneInfo(time_zone)
    )[0]


def _due(rule: DeadlineRule, start: datetime, *, store: Store) -> tuple[datetime, bool]:
    """The due time, and whether the rule's wall-clock time was skipped by a clock change."""
    start = _aware(start)
    if rule.unit == DeadlineUnit.CALENDAR_HOURS:
        # In UTC: adding hours to a datetime in a local zone would add wall-clock hours.
        return start.astimezone(UTC) + timedelta(hours=rule.length), False
    zone = ZoneInfo(store.time_zone)
    local = start.astimezone(zone)
    if rule.unit == DeadlineUnit.CALENDAR_DAYS:
        return _at_wall_clock(local.date() + timedelta(days=rule.length), local.time(), zone)
    if rule.unit == DeadlineUnit.BUSINESS_DAYS:
        return _business_days_end(
            start, rule.length, country=store.marketplace, subdivision=store.holiday_subdivision, zone=zone
        )
    raise ValueError(f"Unknown deadline unit {rule.unit!r}")


def compute_due(rule: DeadlineRule, start: datetime, *, store: Store) -> datetime:
    return _due(rule, start, store=store)[0]


# --- claims -------------------------------------------------------------------------------


def start_for(rule: DeadlineRule, claim) -> datetime | None:
    if rule.starts_from == DeadlineStart.PLATFORM_REQUEST:
        # Until the platform's request is recorded, count from the opening: the earlier, and
        # so the safer, of the two.
        return claim.platform_requested_at or claim.opened_at
    if rule.starts_from == DeadlineStart.CLAIM_CLOSED:
        # The platform's decision; claims closed before it was recorded have only their closing.
        return claim.decided_at or claim.closed_at
    return claim.opened_at


# The rule's starting point when it counts from the platform's request and none is recorded.
NO_REQUEST_YET = "no_request_yet"


def explain_params(rule: DeadlineRule, start: datetime, *, store: Store, claim=None) -> dict:
    """What `explain` says, as JSON-safe values a timeline entry can keep and word later in
    the reader's language."""
    origin = rule.starts_from
    if origin == DeadlineStart.PLATFORM_REQUEST and claim is not None and not claim.platform_requested_at:
        origin = NO_REQUEST_YET
    return {
        "length": rule.length,
        "unit": rule.unit,
        "origin": origin,
        "start": _aware(start).isoformat(),
        "zone": store.time_zone,
        "calendar": store.calendar_name,
        "skipped": _due(rule, start, store=store)[1],
    }


def _origin(origin: str) -> str:
    if origin == NO_REQUEST_YET:
        return _("the opening of the claim (no request from the platform recorded yet)")
    if origin == DeadlineStart.CLAIM_OPENED:
        # The choice label ("the claim was opened") does not read well after "from".
        return _("the opening of the claim")
    try:
        return str(DeadlineStart(origin).label)
    except ValueError:
        return origin


def explanation(params: dict) -> str:
    """`explain_params` worded in the active language. The start is shown on the store's clock
    with its zone's name: the rule counts on that clock and calendar."""
    local = datetime.fromisoformat(params["start"]).astimezone(ZoneInfo(params["zone"]))
    try:
        unit = str(DeadlineUnit(params["unit"]).label)
    except ValueError:
        unit = params["unit"]
    values = {
        "length": params["length"],
        "unit": unit,
        "origin": _origin(params["origin"]),
        "when": dates.moment_text(local, local.tzinfo),
    }
    if params["unit"] == DeadlineUnit.BUSINESS_DAYS:
        sentence = _(
            "%(length)d full business days (%(calendar)s calendar) after %(origin)s at %(when)s; "
            "the window ends at midnight after the last one"
        ) % {**values, "calendar": params["calendar"]}
    else:
        sentence = _("%(length)d %(unit)s from %(origin)s at %(when)s") % values
    if params.get("skipped"):
        sentence += _("; that time is skipped when the clocks go forward, so it is due the moment they jump")
    return sentence


def explain(rule: DeadlineRule, start: datetime, *, store: Store, claim=None) -> str:
    """E.g. "72 calendar hours from the platform's request at 2026-05-03 10:00 PDT", with the
    start shown on the store's clock."""
    return explanation(explain_params(rule, start, store=store, claim=claim))


def for_claim(
    claim, deadline: str = DeadlineKind.RESPOND, *, rule: DeadlineRule | None = None
) -> Deadline | None:
    rule = rule or rule_for(claim.store.platform, claim.kind, deadline, store=claim.store)
    if rule is None or not rule.is_active:
        return None
    start = start_for(rule, claim)
    if start is None:
        return None
    explained = explain_params(rule, start, store=claim.store, claim=claim)
    return Deadline(
        due=compute_due(rule, start, store=claim.store),
        start=start,
        rule=rule,
        explanation=explanation(explained),
        explained=explained,
    )


# --- when a buyer may first open a claim --------------------------------------------------

OPENING_DEADLINES = (DeadlineKind.OPENS_AFTER_CONTACT, DeadlineKind.OPENS_AFTER_DELIVERY)


@dataclass(frozen=True)
class ClaimOpening:
    at: datetime  # aware, UTC: the first moment the platform lets the buyer open a claim
    rule: DeadlineRule  # the rule that sets it (the later one when two apply)
    explanation: str


def opening_rules() -> list[DeadlineRule]:
    """The active rules saying when a buyer may open a claim (one query, for a whole page)."""
    return list(DeadlineRule.objects.filter(deadline__in=OPENING_DEADLINES, is_active=True).order_by("pk"))


def _opening_rule(rules: list[DeadlineRule], store: Store, deadline: str) -> DeadlineRule | None:
    own = [r for r in rules if r.deadline == deadline and r.store_id == store.pk]
    platform = [
        r for r in rules if r.deadline == deadline and r.store_id is None and r.platform == store.platform
    ]
    return next(iter(own or platform), None)


def claim_opens_from(
    store: Store,
    *,
    rules: list[DeadlineRule],
    first_contact: datetime | None,
    latest_delivery: datetime | None,
) -> ClaimOpening | None:
    """When the buyer of an order may first open a claim on the store's platform: every rule
    that applies must have run its course (Amazon: 48 hours after the buyer wrote, and for an
    item not received 3 days after the latest delivery date). `latest_delivery` is given only
    while the order is not delivered. None: no rule makes the buyer wait."""
    found: list[ClaimOpening] = []
    for deadline, start in (
        (DeadlineKind.OPENS_AFTER_CONTACT, first_contact),
        (DeadlineKind.OPENS_AFTER_DELIVERY, latest_delivery),
    ):
        rule = _opening_rule(rules, store, deadline)
        if rule is None or start is None:
            continue
        found.append(
            ClaimOpening(compute_due(rule, start, store=store), rule, explain(rule, start, store=store))
        )
    return max(found, key=lambda opening: opening.at, default=None)
