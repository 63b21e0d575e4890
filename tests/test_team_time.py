"""Leave hands on what a person holds; the coverage check finds days with nobody working."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from disputes import team
from disputes.models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    DeadlineRule,
    Membership,
    Reason,
    Role,
    TeamHoliday,
    TimeOff,
    WorkSchedule,
)
from disputes.timeline import Action, worded

from .conftest import make_user

SUNDAY = date(2026, 12, 6)
NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)


def _claim(world, assignee, respond_by, status=ClaimStatus.IN_PROGRESS):
    return Claim.objects.create(
        store=world.store_a,
        order=world.order_a,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        opened_at=NOW - timedelta(days=1),
        respond_by=respond_by,
        assignee=assignee,
        status=status,
        closed_at=NOW if status == ClaimStatus.CLOSED else None,
    )


@pytest.fixture
def colleague(world):
    person = make_user("chen")
    Membership.objects.create(user=person, store=world.store_a, role=Role.AGENT)
    return person


def test_leave_hands_on_the_claims_due_during_it_with_a_timeline_entry(world, colleague):
    agent = world.agent_a
    # The manager holds two open claims, the colleague one: the colleague is least loaded.
    for _ in range(2):
        _claim(world, world.manager_a, NOW + timedelta(days=3))
    _claim(world, colleague, NOW + timedelta(days=3))
    due_in_leave = _claim(world, agent, datetime(2026, 12, 9, 12, tzinfo=UTC))
    due_before = _claim(world, agent, datetime(2026, 12, 7, 12, tzinfo=UTC))
    closed = _claim(world, agent, None, status=ClaimStatus.CLOSED)

    result = team.hand_on(
        TimeOff.objects.create(user=agent, first_day=date(2026, 12, 8), last_day=date(2026, 12, 18)),
        by=world.manager_a,
        now=NOW,
    )

    assert [(claim.pk, to) for claim, to in result.to] == [(due_in_leave.pk, colleague)]
    assert Claim.objects.get(pk=due_in_leave.pk).assignee == colleague
    assert Claim.objects.get(pk=due_before.pk).assignee == agent  # they deal with it before leaving
    assert Claim.objects.get(pk=closed.pk).assignee == agent
    event = due_in_leave.events.get(action=Action.HANDED_ON)
    assert event.actor == world.manager_a
    assert worded(event).sentence == (
        "Handed on from agent_a (on leave from 2026-12-08 to 2026-12-18) to chen"
    )


def test_leave_with_nobody_else_working_leaves_the_claim_unassigned_and_says_so(world):
    Membership.objects.filter(store=world.store_a).exclude(user=world.agent_a).delete()
    claim = _claim(world, world.agent_a, None)
    team.time_off_record(
        user=world.agent_a, first_day=date(2026, 12, 10), last_day=date(2026, 12, 11), by=world.agent_a
    )
    claim.refresh_from_db()
    assert claim.assignee is None
    assert "left unassigned" in worded(claim.events.get(action=Action.HANDED_ON)).sentence


def test_coverage_finds_the_team_holiday_and_the_day_everyone_is_off(world, colleague):
    # Everyone in store A works weekdays; the colleague also on Sunday, except when on leave.
    for person in (world.agent_a, world.manager_a):
        WorkSchedule.objects.create(user=person, weekdays="12345", starts_at=time(9), ends_at=time(17))
    WorkSchedule.objects.create(user=colleague, weekdays="1234567", starts_at=time(9), ends_at=time(17))
    TimeOff.objects.create(user=colleague, first_day=date(2026, 12, 12), last_day=date(2026, 12, 13))
    TeamHoliday.objects.create(
        store=world.store_a, name="Golden Week", first_day=date(2026, 12, 9), last_day=date(2026, 12, 10)
    )
    # A claim due on the Wednesday of the holiday (in the store's Los Angeles calendar).
    _claim(world, world.agent_a, datetime(2026, 12, 10, 18, tzinfo=UTC))

    gaps = team.coverage_gaps([world.store_a], today=SUNDAY, days=8)

    found = {gap.day: gap for gap in gaps}
    assert sorted(found) == [date(2026, 12, 9), date(2026, 12, 10), date(2026, 12, 12), date(2026, 12, 13)]
    assert found[date(2026, 12, 9)].holidays == ("Golden Week",)
    assert found[date(2026, 12, 10)].due_claims == 1
    assert found[date(2026, 12, 12)].holidays == ()


def test_a_gap_is_at_risk_where_the_store_has_a_24_hour_clock(world, colleague):
    TeamHoliday.objects.create(
        store=world.store_a, name="Spring Festival", first_day=date(2026, 12, 7), last_day=date(2026, 12, 7)
    )
    TeamHoliday.objects.create(
        store=world.store_b, name="Spring Festival", first_day=date(2026, 12, 7), last_day=date(2026, 12, 7)
    )
    DeadlineRule.objects.create(
        platform=world.store_b.platform,
        store=world.store_b,
        claim_kind=ClaimKind.OZON_DISPUTE,
        deadline="respond",
        length=24,
        unit="calendar_hours",
    )
    DeadlineRule.objects.filter(
        platform=world.store_a.platform, unit="calendar_hours", length__lte=24
    ).delete()
    gaps = {
        gap.store: gap for gap in team.coverage_gaps([world.store_a, world.store_b], today=SUNDAY, days=3)
    }
    assert set(gaps) == {world.store_a, world.store_b}
    assert gaps[world.store_b].at_risk and gaps[world.store_b].short_clocks
    assert not gaps[world.store_a].at_risk


def test_coverage_costs_the_same_queries_for_more_people_and_stores(
    world, colleague, django_assert_num_queries
):
    with django_assert_num_queries(5):
        team.coverage_gaps([world.store_a], today=SUNDAY)
    for n in range(5):
        person = make_user(f"extra{n}")
        Membership.objects.create(user=person, store=world.store_b)
        WorkSchedule.objects.create(user=person)
        TimeOff.objects.create(user=person, first_day=SUNDAY, last_day=SUNDAY)
    with django_assert_num_queries(5):
        team.coverage_gaps([world.store_a, world.store_b], today=SUNDAY)


def test_the_quarter_hourly_check_hands_on_claims_given_to_someone_already_on_leave(
    world, colleague, settings
):
    TimeOff.objects.create(user=world.agent_a, first_day=date(2026, 12, 5), last_day=date(2026, 12, 9))
    TimeOff.objects.create(user=colleague, first_day=date(2026, 12, 20), last_day=date(2026, 12, 21))
    # Given by hand after the leave was recorded: still with someone who is away.
    given = _claim(world, world.agent_a, NOW + timedelta(days=1))
    later = _claim(world, colleague, NOW + timedelta(days=20))

    assert team.hand_on_current_leave(now=NOW) == 1

    given.refresh_from_db()
    later.refresh_from_db()
    assert given.assignee == world.manager_a  # the colleague already holds one
    assert given.events.get(action=Action.HANDED_ON).actor is None
    assert later.assignee == colleague  # leave not begun yet
    assert team.hand_on_current_leave(now=NOW) == 0  # nothing left to move
    entry = settings.CELERY_BEAT_SCHEDULE["hand-on-leave"]
    assert entry["task"] == "disputes.tasks.hand_on_claims_of_people_on_leave"
