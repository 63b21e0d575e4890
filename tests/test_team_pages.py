"""The team time page and the coverage page: managers change, agents look, bad input is told."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from disputes.models import TeamHoliday, TimeOff, WorkSchedule
from disputes.timeline import Action

from .conftest import client_for


def _day(offset: int) -> str:
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


def test_a_manager_records_leave_and_the_agents_claims_are_handed_on(world, manager_client):
    world.claim_a.assignee = world.agent_a
    world.claim_a.save()
    response = manager_client.post(
        reverse("disputes:time_off_add", args=[world.store_a.pk]),
        {
            "off-user": world.agent_a.pk,
            "off-first_day": _day(0),
            "off-last_day": _day(4),
            "off-note": "Spring Festival",
        },
        follow=True,
    )
    assert "1 open claim handed on" in response.content.decode()
    world.claim_a.refresh_from_db()
    assert world.claim_a.assignee == world.manager_a
    assert world.claim_a.events.filter(action=Action.HANDED_ON, actor=world.manager_a).exists()
    assert TimeOff.objects.get(user=world.agent_a).note == "Spring Festival"


def test_leave_ending_before_it_starts_is_refused_in_place_and_nothing_is_written(world, manager_client):
    world.claim_a.assignee = world.agent_a
    world.claim_a.save()
    response = manager_client.post(
        reverse("disputes:time_off_add", args=[world.store_a.pk]),
        {"off-user": world.agent_a.pk, "off-first_day": _day(5), "off-last_day": _day(1)},
    )
    assert response.status_code == 400
    assert "The last day cannot come before the first." in response.content.decode()
    assert not TimeOff.objects.exists()
    world.claim_a.refresh_from_db()
    assert world.claim_a.assignee == world.agent_a


def test_leave_for_someone_outside_the_store_is_refused(world, manager_client):
    response = manager_client.post(
        reverse("disputes:time_off_add", args=[world.store_a.pk]),
        {"off-user": world.agent_b.pk, "off-first_day": _day(1), "off-last_day": _day(2)},
    )
    assert response.status_code == 400
    assert not TimeOff.objects.exists()


def test_an_agent_sees_the_team_page_but_may_not_change_it(world, agent_client):
    TeamHoliday.objects.create(
        store=world.store_a, name="Golden Week", first_day=timezone.localdate(), last_day=timezone.localdate()
    )
    page = agent_client.get(reverse("disputes:team", args=[world.store_a.pk])).content.decode()
    assert "Golden Week" in page
    assert 'id="holiday-form"' not in page
    response = agent_client.post(
        reverse("disputes:holiday_add", args=[world.store_a.pk]),
        {"holiday-name": "Party", "holiday-first_day": _day(1), "holiday-last_day": _day(1)},
    )
    assert response.status_code == 403
    assert not TeamHoliday.objects.filter(name="Party").exists()


def test_a_manager_sets_working_hours_and_adds_a_holiday(world, manager_client):
    manager_client.post(
        reverse("disputes:team_hours", args=[world.store_a.pk]),
        {
            "hours-user": world.agent_a.pk,
            "hours-weekdays": ["1", "2", "3"],
            "hours-starts_at": "08:00",
            "hours-ends_at": "16:30",
        },
    )
    schedule = WorkSchedule.objects.get(user=world.agent_a)
    assert (schedule.weekdays, schedule.starts_at.isoformat(), schedule.ends_at.isoformat()) == (
        "123",
        "08:00:00",
        "16:30:00",
    )
    bad = manager_client.post(
        reverse("disputes:team_hours", args=[world.store_a.pk]),
        {
            "hours-user": world.agent_a.pk,
            "hours-weekdays": ["1"],
            "hours-starts_at": "18:00",
            "hours-ends_at": "09:00",
        },
    )
    assert bad.status_code == 400 and "The day must end after it starts." in bad.content.decode()
    assert WorkSchedule.objects.get(user=world.agent_a).weekdays == "123"
    manager_client.post(
        reverse("disputes:holiday_add", args=[world.store_a.pk]),
        {"holiday-name": "Spring Festival", "holiday-first_day": _day(2), "holiday-last_day": _day(3)},
    )
    assert TeamHoliday.objects.get(store=world.store_a).name == "Spring Festival"


def test_coverage_warns_the_manager_of_a_holiday_with_a_claim_due(world, manager_client):
    day = timezone.localdate() + timedelta(days=3)
    TeamHoliday.objects.create(store=world.store_a, name="Spring Festival", first_day=day, last_day=day)
    world.claim_a.respond_by = timezone.now().replace(hour=20) + timedelta(days=3)
    world.claim_a.save()
    page = manager_client.get(reverse("disputes:coverage")).content.decode()
    warnings = page.split('id="coverage-warnings"')[1].split("</section>")[0]
    assert "Spring Festival" in warnings and world.store_a.name in warnings
    assert "1 claim due that day" in warnings
    assert client_for(world.agent_a).get(reverse("disputes:coverage")).status_code == 403
