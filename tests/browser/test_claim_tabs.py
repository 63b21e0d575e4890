"""One person with the same claim open in two tabs (or two people on one claim)."""

import pytest

from disputes.models import Priority

from ..conftest import PASSWORD
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def two_tabs_on_the_claim(page, world):
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")
    other = page.context.new_page()
    for tab in (page, other):
        tab.goto(f"/claims/{world.claim_a.pk}/")
    return page, other


def test_priority_saved_in_one_tab_and_assignee_in_the_other_are_both_kept(page, world):
    first, second = two_tabs_on_the_claim(page, world)
    first.select_option("#priority-form select", label="Urgent")
    first.click("#priority-form button")
    first.wait_for_selector("text=Priority saved.")

    second.select_option("#assign-form select", label="agent_a")
    second.click("#assign-form button")
    second.wait_for_selector("text=Assignee saved.")
    # The page after saving shows both changes.
    assert second.locator("#priority-form select").input_value() == str(Priority.URGENT)
    assert second.locator("#assign-form select option:checked").inner_text() == "agent_a"

    world.claim_a.refresh_from_db()
    assert (world.claim_a.priority, world.claim_a.assignee) == (Priority.URGENT, world.agent_a)
    assert first.csp_violations == []


def test_the_same_field_changed_in_both_tabs_is_refused_in_the_second_with_its_choice_kept(page, world):
    first, second = two_tabs_on_the_claim(page, world)
    first.select_option("#priority-form select", label="Urgent")
    first.click("#priority-form button")
    first.wait_for_selector("text=Priority saved.")

    second.select_option("#priority-form select", label="Low")
    second.click("#priority-form button")
    second.wait_for_selector(".message-error")
    assert "agent_a changed the priority to Urgent" in second.inner_text(".message-error")
    assert second.locator("#priority-form select").input_value() == str(Priority.LOW)
    world.claim_a.refresh_from_db()
    assert world.claim_a.priority == Priority.URGENT

    # Saving again, now knowing the other change, is a deliberate choice and goes through.
    second.click("#priority-form button")
    second.wait_for_selector("text=Priority saved.")
    world.claim_a.refresh_from_db()
    assert world.claim_a.priority == Priority.LOW
