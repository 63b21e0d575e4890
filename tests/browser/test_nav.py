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
