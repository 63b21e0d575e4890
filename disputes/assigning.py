"""Who gets a claim when nobody chooses: round-robin or least-loaded among a store's team (or a
part of it), skipping whoever is off.

Someone is *off* on a day of leave (`TimeOff`), on the team's holidays (`TeamHoliday`), and on a
day outside their working week (`WorkSchedule`, read in their own time zone). Of those not off,
the ones on shift at that moment come first; if nobody is on shift (a claim at night), anyone
whose working day it is will do, so the claim is waiting for them in the morning. Nobody
working that day: no pick (None), and the claim stays unassigned for a manager.

Each pick costs a fixed number of queries whatever the team's size, so a rule may run it inside
the transaction that opens a claim. The names below are called by the automation rules: keep
them stable.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Max, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Claim, ClaimStatus, Membership, Store, TeamHoliday, TimeOff, WorkSchedule


class Strategy(TextChoices):
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


def _zone(user: User) -> tzinfo:
    profile = getattr(user, "profile", None)
    try:
        return ZoneInfo(profile.time_zone) if profile else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def schedule_of(user: User) -> WorkSchedule | None:
    try:
        return user.work_schedule
    except WorkSchedule.DoesNotExist:
        return None


@dataclass(frozen=True)
class Availability:
    """One person's standing at a moment: `off` for the whole (local) day, else whether on shift."""

    user: User
    day: date
    off: bool
    on_shift: bool
    why_off: str = ""


def availability(
    store: Store, *, among: Iterable[User | int] | None = None, at: datetime | None = None
) -> list[Availability]:
    """The store's members (or those of them in `among`), each with their standing at `at`:
    three queries however many people."""
    at = at or timezone.now()
    members = Membership.objects.filter(store=store).select_related("user__profile", "user__work_schedule")
    if among is not None:
        members = members.filter(user__in=[getattr(person, "pk", person) for person in among])
    users = [membership.user for membership in members.order_by("user_id") if membership.user.is_active]
    if not users:
        return []
    # Local days differ by at most a day either side of UTC's.
    utc_day = at.astimezone(ZoneInfo("UTC")).date()
    leave = list(
        TimeOff.objects.filter(
            user__in=users, first_day__lte=_shift(utc_day, 1), last_day__gte=_shift(utc_day, -1)
        )
    )
    holidays = list(
        TeamHoliday.objects.filter(
            store=store, first_day__lte=_shift(utc_day, 1), last_day__gte=_shift(utc_day, -1)
        )
    )
    standing = []
    for user in users:
        moment = at.astimezone(_zone(user))
        day = moment.date()
        schedule = schedule_of(user)
        why = ""
        if any(off.user_id == user.pk and off.covers(day) for off in leave):
            why = "time_off"
        elif holiday := next((h for h in holidays if h.covers(day)), None):
            why = holiday.name
        elif schedule is not None and not schedule.works_on(day):
            why = "day_off"
        on_shift = not why and (schedule is None or schedule.on_shift(moment))
        standing.append(Availability(user=user, day=day, off=bool(why), on_shift=on_shift, why_off=why))
    return standing


def _shift(day: date, days: int) -> date:
    return date.fromordinal(day.toordinal() + days)


def candidates(
    store: Store, *, among: Iterable[User | int] | None = None, at: datetime | None = None
) -> list[User]:
    """Who may be given a claim now: those on shift, else those whose working day it is."""
    standing = availability(store, among=among, at=at)
    on_shift = [person.user for person in standing if person.on_shift]
    return on_shift or [person.user for person in standing if not person.off]


def is_off(user: User, store: Store, at: datetime | None = None) -> bool:
    """Whether this person is off for the whole day at `at` (leave, the team's holiday, a day
    outside their week)."""
    standing = availability(store, among=[user], at=at)
    return not standing or standing[0].off


@transaction.atomic
def round_robin(
    store: Store, *, among: Iterable[User | int] | None = None, at: datetime | None = None
) -> User | None:
    """The next in turn among those available: the one given a claim longest ago (never, first;
    then by id). Taking the turn is written down, so two claims opened at once go to two people."""
    return _next_in_turn(store, candidates(store, among=among, at=at))


def _next_in_turn(store: Store, people: list[User]) -> User | None:
    if not people:
        return None
    # Every candidate's row is locked and read as it is once the lock is held (a LIMIT or an
    # ORDER BY in the locking query could hand a second transaction the row the first just
    # took), and the turn is chosen here from those fresh values.
    turns = list(Membership.objects.select_for_update().filter(store=store, user__in=people))
    if not turns:
        return None
    chosen = min(turns, key=lambda membership: (membership.last_turn, membership.user_id))
    latest = Membership.objects.filter(store=store).aggregate(latest=Max("last_turn"))["latest"] or 0
    Membership.objects.filter(pk=chosen.pk).update(last_turn=latest + 1)
    return next(person for person in people if person.pk == chosen.user_id)


def open_load(users: Iterable[User]) -> dict[int, int]:
    """How many open claims each person holds, in every store (one query)."""
    ids = [user.pk for user in users]
    counts = dict(
        Claim.objects.filter(assignee__in=ids)
        .exclude(status__in=ClaimStatus.settled())
        .values_list("assignee")
        .annotate(n=Count("pk"))
        .values_list("assignee", "n")
    )
    return {pk: counts.get(pk, 0) for pk in ids}


@transaction.atomic
def least_loaded(
    store: Store, *, among: Iterable[User | int] | None = None, at: datetime | None = None
) -> User | None:
    """The available person holding the fewest open claims; between equals, whoever's turn came
    longest ago, so ties rotate rather than always landing on the same person."""
    people = candidates(store, among=among, at=at)
    if not people:
        return None
    load = open_load(people)
    fewest = min(load.values())
    return _next_in_turn(store, [person for person in people if load[person.pk] == fewest])


def pick(
    strategy: str, store: Store, *, among: Iterable[User | int] | None = None, at: datetime | None = None
) -> User | None:
    """Round-robin or least-loaded by name (a rule's setting)."""
    if strategy == Strategy.ROUND_ROBIN:
        return round_robin(store, among=among, at=at)
    if strategy == Strategy.LEAST_LOADED:
        return least_loaded(store, among=among, at=at)
    raise ValueError(f"unknown assignment strategy {strategy!r}")


__all__ = [
    "Availability",
    "Strategy",
    "availability",
    "candidates",
    "is_off",
    "least_loaded",
    "open_load",
    "pick",
    "round_robin",
    "schedule_of",
]
