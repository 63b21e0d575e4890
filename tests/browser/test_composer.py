"""The composer's reply library, its placeholders and the countdown badges, in Chromium."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disputes.models import Claim, Order, Shipment, TrackingEvent
from messaging.library import install_reply_library
from messaging.models import Message, ReplyTemplate

from ..conftest import PASSWORD
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_claim(page, world) -> None:
    log_in(page, "agent_a", PASSWORD)
    page.goto(f"/claims/{world.claim_a.pk}/")


def _search_library(page, text: str) -> None:
    """Type into the library search and wait until the list shows what that whole text found.
    Typing slowly (a loaded machine) sends a search per pause; a late answer to an earlier one
    would otherwise replace the list under a click."""
    search = page.locator("#template-search")
    with page.expect_response(lambda response: parse_qs(urlsplit(response.url).query).get("q") == [text]):
        search.press_sequentially(text)
    # htmx drops the class once that answer is swapped in.
    expect(search).not_to_have_class(re.compile(r"\bhtmx-request\b"))


def test_typing_narrows_the_library_a_second_pick_replaces_the_text_and_the_list_closes(page, world):
    install_reply_library(ReplyTemplate)
    _open_claim(page, world)
    results = page.locator("#template-results li")

    # Focus lists the library (the first 20); typing narrows it to the templates that match.
    page.click("#template-search")
    expect(results).to_have_count(20)
    page.locator("#template-search").press_sequentially("customs")
    expect(results).to_have_count(1)
    expect(page.locator("button.template-pick")).to_have_text("Held at customs")
    # A template beyond the first 20 of the list is reachable by searching.
    page.fill("#template-search", "")
    page.locator("#template-search").press_sequentially("chargeback")
    expect(page.locator("button.template-pick[data-template='chargeback-reply']")).to_have_count(1)
    expect(results).to_have_count(1)

    page.click("button.template-pick[data-template='chargeback-reply']")
    expect(page.locator("#compose-text")).to_have_value(re.compile("disputed with your bank"))
    # The list closes, and it is still the list element (the search can fill it again).
    expect(page.locator("ul#template-results")).to_have_count(1)
    expect(results).to_have_count(0)
    expect(page.locator("#compose-body")).to_have_count(1)

    # A second pick replaces the text.
    page.fill("#template-search", "")
    _search_library(page, "upset")
    expect(results).to_have_count(1)
    page.click("button.template-pick[data-template='upset-buyer-first']")
    expect(page.locator("#compose-text")).to_have_value(re.compile("so frustrating"))
    assert "disputed with your bank" not in page.input_value("#compose-text")
    expect(results).to_have_count(0)
    assert page.csp_violations == []


def test_a_countdown_badge_changes_colour_as_its_deadline_comes_closer(page, world):
    warn = timedelta(hours=world.claim_a.warnings[0])
    # Due at noon (the agent's zone is UTC) three days out: the server renders it "fine", and
    # no step below comes near a midnight, where "due today" would begin early.
    due = (timezone.now() + timedelta(days=3)).replace(hour=12, minute=0, second=0, microsecond=0)
    Claim.objects.filter(pk=world.claim_a.pk).update(respond_by=due)
    # The page's clock starts ten minutes before the first warning and jumps when the test says;
    # the few seconds a slow machine takes between steps stay well inside each state.
    page.clock.install(time=due - warn - timedelta(minutes=10))
    _open_claim(page, world)
    badge = page.locator(".badge[data-due]").first
    expect(badge).to_have_class(re.compile(r"\bbadge-fine\b"))
    expect(badge).to_have_attribute("data-tz", "UTC")

    page.clock.fast_forward("12:00")  # two minutes into the rule's first warning
    expect(badge).to_have_class(re.compile(r"\bbadge-warning\b"))
    expect(badge).not_to_have_class(re.compile(r"\bbadge-fine\b"))

    page.clock.fast_forward(int((warn - timedelta(minutes=12)).total_seconds() * 1000))  # due in 10 min
    expect(badge).to_have_class(re.compile(r"\bbadge-today\b"))
    expect(badge).to_have_text(re.compile(r"min left$"))

    page.clock.fast_forward("15:00")  # past the due time
    expect(badge).to_have_class(re.compile(r"\bbadge-overdue\b"))
    expect(badge).to_have_text(re.compile(r"^overdue by"))
    assert badge.get_attribute("class").split() == ["badge", "badge-overdue"]


def test_a_missing_fact_is_marked_and_send_waits_until_the_agent_writes_it_in(page, world):
    install_reply_library(ReplyTemplate)
    shipped = timezone.now() - timedelta(days=6)
    Order.objects.filter(pk=world.order_a.pk).update(latest_delivery=shipped + timedelta(days=4))
    shipment = Shipment.objects.create(
        order=world.order_a, carrier="USPS", tracking_number="9400111899223344556677", shipped_at=shipped
    )
    TrackingEvent.objects.create(shipment=shipment, occurred_at=shipped, status="Accepted by carrier")
    _open_claim(page, world)

    _search_library(page, "tracking facts")
    flag = page.locator(".template-needs[data-template='claim-not-received-facts']")
    expect(flag).to_contain_text("a delivery scan")
    page.click("button.template-pick[data-template='claim-not-received-facts']")

    text = page.locator("#compose-text")
    expect(text).to_have_value(re.compile(r"was delivered on \{delivery_date\}\."))
    promised = (shipped + timedelta(days=4)).strftime("%Y-%m-%d")
    assert promised not in page.input_value("#compose-text")
    # The preview highlights what came from the order and marks the missing fact.
    expect(page.locator("#fill-preview mark.filled[data-placeholder='tracking_number']")).to_have_text(
        "9400111899223344556677"
    )
    expect(page.locator("#fill-preview mark.missing[data-placeholder='delivery_date']")).to_have_text(
        "{delivery_date}"
    )
    expect(page.locator("#unfilled-facts li[data-placeholder='delivery_date']")).to_be_visible()
    expect(page.locator("#send-button")).to_be_disabled()

    # The agent writes the truth in; the live check clears and Send opens.
    page.fill(
        "#compose-text",
        page.input_value("#compose-text").replace(
            "was delivered on {delivery_date}.", "was accepted by the carrier and has not been scanned since."
        ),
    )
    text.press("End")
    expect(page.locator("#unfilled-facts")).to_have_count(0)
    page.wait_for_selector("#policy-findings .finding-ok")
    expect(page.locator("#send-button")).to_be_enabled()
    page.click("#send-button")
    page.wait_for_selector("text=Message sent.")
    assert "has not been scanned since" in Message.objects.get(direction="to_buyer").body
    assert page.csp_violations == []


def test_a_star_puts_the_template_first_in_the_agents_library(page, world):
    install_reply_library(ReplyTemplate)
    _open_claim(page, world)
    _search_library(page, "chargeback")
    star = page.locator("button.template-star[data-template='chargeback-reply']")
    expect(star).to_have_attribute("aria-pressed", "false")
    star.click()
    expect(star).to_have_attribute("aria-pressed", "true")

    page.reload()
    page.click("#template-search")
    first = page.locator("#template-results li").first
    expect(first.locator("button.template-pick")).to_have_attribute("data-template", "chargeback-reply")
    expect(first.locator("button.template-star")).to_have_attribute("aria-pressed", "true")
    assert page.csp_violations == []
