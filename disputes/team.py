"""A team's time: recording leave (and handing on what the person holds), holidays, working
hours, and the coverage check that warns managers of days with nobody working."""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import assigning, dates, setaside
from .models import (
    Claim,
    ClaimStatus,
    DeadlineKind,
    DeadlineRule,
    DeadlineUnit,
    Membership,
    SetAsideKind,
    Store,
    TeamHoliday,
    TimeOff,
    WorkSchedule,
)
from .timeline import Action, record

log = logging.getLogger(__name__)

# A clock this short runs out within a day: a day with nobody working loses claims to it.
SHORT_CLOCK_HOURS = 24
# How far ahead the coverage check looks.
COVERAGE_DAYS = 21


# --- leave and handing on -----------------------------------------------------------------


@dataclass
class HandedOn:
    """What recording someone's leave did to the claims they held."""

    time_off: TimeOff
    to: list[tuple[Claim, User | None]] = field(default_factory=list)


@transaction.atomic
def time_off_record(
    *, user: User, first_day: date, last_day: date, note: str = "", by: User | None
) -> HandedOn:
    """Record leave (already validated) and hand on the claims the person would hold through it."""
    off = TimeOff.objects.create(user=user, first_day=first_day, last_day=last_day, note=note)
    return hand_on(off, by=by)


def _first_moment(day: date) -> datetime:
    """Noon UTC of a day: the same calendar day everywhere from UTC-11 to UTC+11."""
    return datetime.combine(day, time(12), tzinfo=UTC)


@transaction.atomic
def hand_on(off: TimeOff, *, by: User | None, now: datetime | None = None) -> HandedOn:
    """Each open claim the person holds that is not due before their leave starts goes to whoever
    in its store is least loaded and working on the first day of leave (nobody: it is left
    unassigned, for a manager). One timeline entry per claim says why."""
    now = now or timezone.now()
    starts = _first_moment(off.first_day)
    at = max(now, starts)
    result = HandedOn(time_off=off)
    held = (
        Claim.objects.select_for_update(of=("self",))
        .filter(assignee=off.user)
        .exclude(status__in=ClaimStatus.settled())
        .filter(Q(respond_by__isnull=True) | Q(respond_by__gte=starts - timedelta(hours=12)))
        .select_related("store")
        .order_by("pk")
    )
    for claim in held:
        successor = assigning.least_loaded(claim.store, at=at)
        if successor == off.user:  # cannot happen while the leave covers `at`; kept safe
            successor = None
        claim.assignee = successor
        claim.save(update_fields=["assignee"])
        record(
            claim,
            Action.HANDED_ON,
            by=by,
            was_assignee=off.user,
            assignee=successor,
            first_day=off.first_day,
            last_day=off.last_day,
        )
        result.to.append((claim, successor))
    return result


def hand_on_current_leave(now: datetime | None = None) -> int:
    """Beat's check (every quarter hour): claims given since to someone whose leave has begun
    (assigned by hand, or before the leave was recorded) are handed on too. Each leave on its
    own: one that fails is logged and set aside for managers, the others go on. Returns how
    many claims were handed on."""
    now = now or timezone.now()
    today = now.astimezone(UTC).date()
    moved = 0
    for off in TimeOff.objects.filter(first_day__lte=today, last_day__gte=today).select_related("user"):
        try:
            moved += len(hand_on(off, by=None, now=now).to)
        except Exception as error:
            log.exception("handing on the claims of leave %s failed", off.pk)
            store_id = Membership.objects.filter(user=off.user).values_list("store_id", flat=True).first()
            if store_id is not None:
                setaside.record(
                    kind=SetAsideKind.HAND_ON,
                    subject_id=off.pk,
                    store_id=store_id,
                    label=str(off),
                    reason=setaside.describe_error(error),
                )
    return moved


def time_off_cancel(off: TimeOff) -> None:
    """Leave taken back; claims already handed on stay where they went."""
    off.delete()


# --- working hours ------------------------------------------------------------------------


def schedule_set(*, user: User, weekdays: str, starts_at: time, ends_at: time) -> WorkSchedule:
    schedule, _created = WorkSchedule.objects.update_or_create(
        user=user, defaults={"weekdays": weekdays, "starts_at": starts_at, "ends_at": ends_at}
    )
    return schedule


# --- coverage -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A day of a store's calendar with nobody on its team working."""

    store: Store
    day: date
    holidays: tuple[str, ...]
    due_claims: int
    short_clocks: bool

    @property
    def at_risk(self) -> bool:
        """Claims fall due that day, or a clock of a day or less runs through it."""
        return self.due_claims > 0 or self.short_clocks


def _short_clock_stores(stores: list[Store]) -> set[int]:
    """The stores with an active deadline of a day or less counted in calendar hours (those run
    through weekends and holidays, unlike business days)."""
    rules = DeadlineRule.objects.filter(
        Q(store__in=stores) | Q(store__isnull=True, platform__in={store.platform for store in stores}),
        is_active=True,
        unit=DeadlineUnit.CALENDAR_HOURS,
        length__lte=SHORT_CLOCK_HOURS,
        deadline__in=[DeadlineKind.RESPOND, DeadlineKind.REPLY],
    ).values_list("store_id", "platform")
    found = set()
    for store_id, platform in rules:
        found |= {
            store.pk
            for store in stores
            if store.pk == store_id or (store_id is None and store.platform == platform)
        }
    return found


def coverage_gaps(
    stores: Iterable[Store], *, today: date | None = None, days: int = COVERAGE_DAYS
) -> list[Gap]:
    """The days from today on (in each store's calendar) when none of the store's team works:
    everyone on leave, the team's holiday, or outside everyone's working week. Five queries
    however many stores, people and days."""
    stores = list(stores)
    if not stores:
        return []
    today = today or timezone.localdate()
    last = today + timedelta(days=days - 1)
    members: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(store__in=stores, user__is_active=True).select_related(
        "user__work_schedule"
    ):
        members[membership.store_id].append(membership.user)
    people = {user.pk for users in members.values() for user in users}
    leave = defaultdict(list)
    for off in TimeOff.objects.filter(user__in=people, first_day__lte=last, last_day__gte=today):
        leave[off.user_id].append(off)
    holidays = defaultdict(list)
    for holiday in TeamHoliday.objects.filter(store__in=stores, first_day__lte=last, last_day__gte=today):
        holidays[holiday.store_id].append(holiday)
    due: dict[tuple[int, date], int] = defaultdict(int)
    window_start = datetime.combine(today, time(), tzinfo=UTC) - timedelta(days=1)
    for store_id, respond_by in (
        Claim.objects.filter(
            store__in=stores,
            respond_by__gte=window_start,
            respond_by__lt=window_start + timedelta(days=days + 2),
        )
        .exclude(status__in=ClaimStatus.settled())
        .values_list("store_id", "respond_by")
    ):
        store = next(store for store in stores if store.pk == store_id)
        assert respond_by is not None  # filtered on
        due[(store_id, dates.local(respond_by, dates.store_zone(store)).date())] += 1
    short = _short_clock_stores(stores)

    def works(user: User, store: Store, day: date) -> bool:
        if any(off.covers(day) for off in leave[user.pk]):
            return False
        schedule = assigning.schedule_of(user)
        return schedule is None or schedule.works_on(day)

    gaps = []
    for store in stores:
        for offset in range(days):
            day = today + timedelta(days=offset)
            on_holiday = tuple(h.name for h in holidays[store.pk] if h.covers(day))
            if not on_holiday and any(works(user, store, day) for user in members[store.pk]):
                continue
            gaps.append(
                Gap(
                    store=store,
                    day=day,
                    holidays=on_holiday,
                    due_claims=due[(store.pk, day)],
                    short_clocks=store.pk in short,
                )
            )
    return gaps
