import pytest

from ..conftest import PASSWORD
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_logs_in_and_reads_the_queue_in_chinese(page, world):
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")
    assert page.locator("tr.claim-row").count() == 1
    assert page.locator("tr.claim-row >> text=Alpha Amazon US").is_visible()
    assert page.locator("text=Bravo Ozon RU").count() == 0

    page.select_option("#language-select", "zh-hans")
    page.wait_for_selector("h1:text('队列')")
    assert page.locator("nav >> text=我的今日").is_visible()
    assert page.locator("nav >> text=仪表板").count() == 0  # the managers' dashboard
    assert page.csp_violations == []


def test_wrong_password_shows_the_error_on_the_form(page, world):
    log_in(page, "agent_a", "not-the-password")
    assert page.locator(".form-errors").is_visible()
    assert page.url.endswith("/login/")
