"""A manager sets an agent's working hours, adds a team holiday on a day a claim falls due and
records the agent's leave (handing the claim on), then finds that day among the coverage
warnings and follows it back to the team page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes.models import TeamHoliday, TimeOff, WorkSchedule

from ..conftest import PASSWORD
from .conftest import log_in, nav_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_plans_the_teams_time_and_sees_the_gap_under_coverage(page, world):
    today = timezone.localdate()
    holiday = today + timedelta(days=3)
    world.claim_a.assignee = world.agent_a
    world.claim_a.respond_by = timezone.now().replace(hour=20) + timedelta(days=3)
    world.claim_a.save()
    log_in(page, "manager_a", PASSWORD)
    page.goto(f"/stores/{world.store_a.pk}/")
    page.click("#team-time-link")
    page.wait_for_selector("h1:text('Team time · Alpha Amazon US')")

    # Working hours: Monday to Wednesday, 08:00–16:30.
    page.select_option("#id_hours-user", label="agent_a")
    for day in "45":  # the form starts on Monday to Friday
        page.uncheck(f"#hours-form input[name=hours-weekdays][value='{day}']")
    page.fill("#id_hours-starts_at", "08:00")
    page.fill("#id_hours-ends_at", "16:30")
    page.click("#hours-form button[type=submit]")
    page.wait_for_selector("text=Working hours of agent_a saved.")
    assert "123" in page.inner_text(f"#hours-{world.agent_a.pk}")
    assert "08:00–16:30" in page.inner_text(f"#hours-{world.agent_a.pk}")
    assert WorkSchedule.objects.get(user=world.agent_a).weekdays == "123"

    # A team holiday on the day the claim falls due: the page's own warning lists it.
    page.fill("#id_holiday-name", "Spring Festival")
    page.fill("#id_holiday-first_day", holiday.isoformat())
    page.fill("#id_holiday-last_day", holiday.isoformat())
    page.click("#holiday-form button[type=submit]")
    page.wait_for_selector("text=Holiday “Spring Festival” added.")
    gap = page.inner_text(f"#gap-{world.store_a.pk}-{holiday.isoformat()}")
    assert "Spring Festival" in gap and "1 claim due that day" in gap

    # The agent's leave hands their open claim on.
    page.select_option("#id_off-user", label="agent_a")
    page.fill("#id_off-first_day", today.isoformat())
    page.fill("#id_off-last_day", (today + timedelta(days=4)).isoformat())
    page.fill("#id_off-note", "Family visit")
    page.click("#time-off-form button[type=submit]")
    page.wait_for_selector("text=Leave of agent_a recorded; 1 open claim handed on.")
    off = TimeOff.objects.get(user=world.agent_a)
    assert "Family visit" in page.inner_text(f"#time-off-{off.pk}")
    world.claim_a.refresh_from_db()
    assert world.claim_a.assignee == world.manager_a

    # Coverage, from the managers' menu: the holiday with the claim due, linked to the team page.
    nav_to(page, "Coverage")
    page.wait_for_selector("h1:text('Coverage')")
    warnings = page.inner_text("#coverage-warnings")
    assert "Spring Festival" in warnings and "Alpha Amazon US" in warnings
    assert "1 claim due that day" in warnings
    page.click(f"#coverage-warnings #gap-{world.store_a.pk}-{holiday.isoformat()} a")
    page.wait_for_selector("h1:text('Team time · Alpha Amazon US')")
    assert TeamHoliday.objects.filter(store=world.store_a, first_day=holiday).exists()
    assert page.csp_violations == []


def test_an_agent_reads_the_team_page_without_its_forms(page, world):
    TeamHoliday.objects.create(
        store=world.store_a, name="Golden Week", first_day=timezone.localdate(), last_day=timezone.localdate()
    )
    log_in(page, "agent_a", PASSWORD)
    page.goto(f"/stores/{world.store_a.pk}/team/")
    page.wait_for_selector("h1:text('Team time · Alpha Amazon US')")
    assert "Golden Week" in page.inner_text("#time-off")
    assert page.locator("#working-hours").is_visible()
    assert page.locator("#hours-form, #holiday-form, #time-off-form").count() == 0
    assert page.locator("#main-nav a:text-is('Coverage')").count() == 0
