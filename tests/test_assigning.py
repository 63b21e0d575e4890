"""Round-robin and least-loaded: fair over many claims, and nobody off is given one."""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes import assigning
from disputes.models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    Membership,
    Profile,
    Reason,
    Role,
    TeamHoliday,
    TimeOff,
    WorkSchedule,
)

from .conftest import make_user

# A Monday, mid-morning in UTC.
MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def _team(store, names):
    people = [make_user(name) for name in names]
    for person in people:
        Membership.objects.create(user=person, store=store, role=Role.AGENT)
    return people


def _claim(world, assignee=None, status=ClaimStatus.NEW):
    return Claim.objects.create(
        store=world.store_a,
        order=world.order_a,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        opened_at=MONDAY_10,
        assignee=assignee,
        status=status,
        closed_at=MONDAY_10 if status == ClaimStatus.CLOSED else None,
    )


@pytest.fixture
def team(world):
    """Four agents of store A, picked among by name (the store's agent and manager are left out)."""
    return _team(world.store_a, ["ana", "bo", "chen", "dita"])


def test_round_robin_gives_each_of_the_team_the_same_share_of_1000_claims(world, team):
    given = Counter(
        assigning.round_robin(world.store_a, among=team, at=MONDAY_10).username for _ in range(1000)
    )
    assert given == {"ana": 250, "bo": 250, "chen": 250, "dita": 250}


def test_round_robin_takes_turns_in_order_and_remembers_them(world, team):
    first = [assigning.round_robin(world.store_a, among=team, at=MONDAY_10).username for _ in range(6)]
    assert first == ["ana", "bo", "chen", "dita", "ana", "bo"]


def test_round_robin_over_1000_claims_skips_the_one_on_leave(world, team):
    TimeOff.objects.create(user=team[1], first_day=date(2026, 12, 7), last_day=date(2026, 12, 11))
    given = Counter(
        assigning.round_robin(world.store_a, among=team, at=MONDAY_10).username for _ in range(1000)
    )
    assert "bo" not in given
    assert sorted(given.values()) == [333, 333, 334]


def test_least_loaded_evens_out_uneven_loads_over_1000_claims(world, team):
    ana, bo, chen, dita = team
    for _ in range(40):
        _claim(world, assignee=ana)
    for _ in range(10):
        _claim(world, assignee=bo)
    _claim(world, assignee=chen, status=ClaimStatus.CLOSED)  # a closed claim is no load
    picks = Counter()
    for _ in range(1000):
        person = assigning.least_loaded(world.store_a, among=team, at=MONDAY_10)
        picks[person.username] += 1
        _claim(world, assignee=person)
    load = assigning.open_load(team)
    # 1,050 open claims over four people: 262 or 263 each, whoever started ahead.
    assert sorted(load.values()) == [262, 262, 263, 263]
    assert picks["ana"] < picks["bo"] < picks["dita"]


def test_least_loaded_over_1000_claims_never_picks_someone_on_the_team_holiday_or_leave(world, team):
    ana, bo, chen, dita = team
    TimeOff.objects.create(user=dita, first_day=date(2026, 12, 1), last_day=date(2026, 12, 7))
    # Chen works in Tokyo, where it is already Tuesday, the team's holiday; the others' Monday is not.
    Profile.objects.filter(user=chen).update(time_zone="Asia/Tokyo")
    TeamHoliday.objects.create(
        store=world.store_a, name="Company day", first_day=date(2026, 12, 8), last_day=date(2026, 12, 8)
    )
    picks = Counter()
    for _ in range(1000):
        person = assigning.least_loaded(world.store_a, among=team, at=MONDAY_10 + timedelta(hours=8))
        picks[person.username] += 1
        _claim(world, assignee=person)
    assert picks == {"ana": 500, "bo": 500}


def test_a_day_outside_the_working_week_is_off(world, team):
    ana, bo, chen, dita = team
    WorkSchedule.objects.create(user=ana, weekdays="2345", starts_at=time(0), ends_at=time(23, 59))
    standing = {
        person.user.username: person
        for person in assigning.availability(world.store_a, among=team, at=MONDAY_10)
    }
    assert standing["ana"].off and standing["ana"].why_off == "day_off"
    assert not standing["bo"].off and standing["bo"].on_shift
    assert assigning.is_off(ana, world.store_a, at=MONDAY_10)
    assert not assigning.is_off(ana, world.store_a, at=MONDAY_10 + timedelta(days=1))


def test_those_on_shift_come_first_and_at_night_those_working_that_day_still_count(world, team):
    ana, bo, chen, dita = team
    for person in team:
        WorkSchedule.objects.create(user=person, weekdays="12345", starts_at=time(9), ends_at=time(17))
    WorkSchedule.objects.filter(user=bo).update(starts_at=time(6), ends_at=time(12))
    assert assigning.candidates(world.store_a, among=team, at=MONDAY_10.replace(hour=7)) == [bo]
    # 22:00: nobody on shift; everyone whose working day it is may take it, for the morning.
    assert assigning.candidates(world.store_a, among=team, at=MONDAY_10.replace(hour=22)) == team
    # Saturday: nobody works.
    saturday = MONDAY_10 + timedelta(days=5)
    assert assigning.round_robin(world.store_a, among=team, at=saturday) is None
    assert assigning.least_loaded(world.store_a, among=team, at=saturday) is None


def test_only_members_of_the_store_are_picked(world, team):
    outsider = world.agent_b
    picked = {assigning.round_robin(world.store_a, among=[*team, outsider], at=MONDAY_10) for _ in range(8)}
    assert picked == set(team)
    # Without `among`, the store's whole team takes turns: its agent and manager too.
    everyone = {assigning.round_robin(world.store_a, at=MONDAY_10) for _ in range(6)}
    assert everyone == {*team, world.agent_a, world.manager_a}


def test_pick_by_strategy_name(world, team):
    _claim(world, assignee=team[0])
    assert (
        assigning.pick(assigning.Strategy.LEAST_LOADED, world.store_a, among=team[:2], at=MONDAY_10)
        == team[1]
    )
    assert assigning.pick("round_robin", world.store_a, among=team[:2], at=MONDAY_10) == team[0]
    with pytest.raises(ValueError):
        assigning.pick("lottery", world.store_a, among=team, at=MONDAY_10)


# Members, their leave, the team's holidays, the turns (locked), the latest turn, taking it, and
# the savepoint around it; least-loaded adds the count of open claims.
@pytest.mark.parametrize(("strategy", "queries"), [("round_robin", 8), ("least_loaded", 9)])
def test_a_pick_costs_the_same_queries_however_large_the_team(world, strategy, queries):
    small = _team(world.store_a, ["p1", "p2"])
    for person in small:
        TimeOff.objects.create(user=person, first_day=date(2026, 11, 1), last_day=date(2026, 11, 2))
    with CaptureQueriesContext(connection) as before:
        assigning.pick(strategy, world.store_a, at=MONDAY_10)
    large = _team(world.store_a, [f"q{n}" for n in range(12)])
    for person in large:
        TimeOff.objects.create(user=person, first_day=date(2026, 11, 1), last_day=date(2026, 11, 2))
        WorkSchedule.objects.create(user=person)
    with CaptureQueriesContext(connection) as after:
        assigning.pick(strategy, world.store_a, at=MONDAY_10)
    assert (len(before), len(after)) == (queries, queries)
