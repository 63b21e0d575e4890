"""Each role follows every link of the main nav: none of them ends in "Not allowed"."""

import pytest

from ..conftest import PASSWORD
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def follow_every_nav_link(page) -> dict[str, int]:
    """Open each nav link from the page it sits on; the status each page answered with."""
    page.goto("/")
    links = page.eval_on_selector_all(
        "#main-nav a", "links => links.map(a => [a.textContent.trim(), a.href])"
    )
    assert links, "the nav has links"
    statuses = {}
    for label, href in links:
        response = page.goto(href)
        assert response is not None
        statuses[label] = response.status
        assert page.locator("h1:text('Not allowed')").count() == 0, label
    return statuses


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("agent_a", ["Queue", "Orders", "My day", "May become a claim"]),
        (
            "manager_a",
            [
                "Queue",
                "Orders",
                "My day",
                "May become a claim",
                "Dashboard",
                "Post-mortems",
                "Rules",
                "Coverage",
            ],
        ),
        (
            "root",
            [
                "Queue",
                "Orders",
                "My day",
                "May become a claim",
                "Dashboard",
                "Post-mortems",
                "Rules",
                "Coverage",
                "Admin",
            ],
        ),
    ],
)
def test_every_nav_link_opens_for_its_role(page, world, username, expected):
    log_in(page, username, PASSWORD)
    statuses = follow_every_nav_link(page)
    assert list(statuses) == expected
    assert set(statuses.values()) == {200}, statuses
    assert page.csp_violations == []


def test_an_agent_reads_their_own_day(page, world):
    from disputes.models import Claim

    from ..test_queue import add_claims

    add_claims(world, 2, start_hours=-3, assignee=world.agent_a)
    assert Claim.objects.filter(assignee=world.agent_a).count() == 2
    log_in(page, "agent_a", PASSWORD)
    page.click("nav >> text=My day")
    page.wait_for_selector("h1:text('My day')")
    assert page.inner_text("#my-overdue .tile-number") == "2"
    page.click("#my-overdue")
    page.wait_for_selector("h1:text('Queue')")
    assert page.locator("tr.claim-row").count() == 2


PHONE = {"width": 390, "height": 844}


def sticking_out(page) -> list[str]:
    """The header's visible links and summaries that reach past the window's edges."""
    return page.eval_on_selector_all(
        "header a, header summary",
        """(els) => els.filter((el) => {
             const box = el.getBoundingClientRect();
             return box.width > 0 && (box.left < 0 || box.right > window.innerWidth);
           }).map((el) => el.textContent.trim())""",
    )


def test_a_manager_works_the_managers_menu_with_the_keyboard_on_a_phone(browser, live_server, world):
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=PHONE)
    phone = context.new_page()
    log_in(phone, "manager_a", PASSWORD)
    phone.click("[data-nav-toggle]")
    summary = phone.locator("#manage-menu > summary")
    dashboard = phone.locator("#main-nav a:text-is('Dashboard')")
    assert summary.is_visible() and dashboard.is_hidden()

    summary.focus()
    phone.keyboard.press("Enter")
    assert dashboard.is_visible()
    assert sticking_out(phone) == []
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent.trim()") == "Dashboard"
    # Escape folds the menu and hands the focus back to it.
    phone.keyboard.press("Escape")
    assert dashboard.is_hidden()
    assert phone.evaluate("document.activeElement.tagName") == "SUMMARY"
    phone.keyboard.press("Space")
    assert dashboard.is_visible()
    # A tap elsewhere folds it too.
    phone.click("h1")
    assert dashboard.is_hidden()

    summary.focus()
    phone.keyboard.press("Enter")
    for _ in range(3):  # Dashboard, Post-mortems, Rules
        phone.keyboard.press("Tab")
    with phone.expect_navigation(wait_until="load"):
        phone.keyboard.press("Enter")
    phone.wait_for_selector("h1:text('Rules and tags of Alpha Amazon US')")
    # On one of its pages the menu is folded, but its current page is marked inside it.
    assert phone.locator("#manage-menu a[aria-current=page]").inner_text() == "Rules"
    assert phone.locator("#manage-menu[open]").count() == 0
    context.close()


def test_the_managers_menu_opens_without_scripts_on_a_phone(browser, live_server, world):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport=PHONE, java_script_enabled=False
    )
    phone = context.new_page()
    log_in(phone, "manager_a", PASSWORD)
    # Without scripts nothing folds the header away: the nav is there without the Menu button.
    assert phone.locator("#main-nav").is_visible()
    coverage = phone.locator("#main-nav a:text-is('Coverage')")
    assert coverage.is_hidden()
    phone.click("#manage-menu > summary")
    assert coverage.is_visible()
    assert sticking_out(phone) == []
    with phone.expect_navigation(wait_until="load"):
        coverage.click()
    assert phone.locator("h1").inner_text() == "Coverage"
    context.close()
