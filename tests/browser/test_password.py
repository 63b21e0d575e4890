import pytest

from ..conftest import PASSWORD
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "amber-lantern-quietly-47"


def test_agent_changes_the_password_from_the_user_menu_and_logs_in_with_it(page, world):
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")
    page.click("#password-change-link")
    page.wait_for_selector("#password-change-form")

    # A wrong current password is refused on the form, nothing changes.
    page.fill("input[name=old_password]", "not-my-password")
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("#password-change-form button[type=submit]")
    page.wait_for_selector("text=Your old password was entered incorrectly")

    page.fill("input[name=old_password]", PASSWORD)
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("#password-change-form button[type=submit]")
    page.wait_for_selector("#password-changed")

    page.click("button:text('Log out')")
    page.wait_for_selector("#forgot-password")
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector(".form-errors")
    log_in(page, "agent_a", NEW_PASSWORD)
    page.wait_for_selector("h1:text('Queue')")
    world.agent_a.refresh_from_db()
    assert world.agent_a.check_password(NEW_PASSWORD)
    assert page.csp_violations == []
