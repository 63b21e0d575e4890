"""The composer's reply library, its placeholders and the countdown badges, in Chromium."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disputes.models import Claim
from messaging.library import install_reply_library
from messaging.models import ReplyTemplate

from ..conftest import PASSWORD
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_claim(page, world) -> None:
    log_in(page, "agent_a", PASSWORD)
    page.goto(f"/claims/{world.claim_a.pk}/")


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
    page.locator("#template-search").press_sequentially("upset")
    expect(results).to_have_count(1)
    page.click("button.template-pick[data-template='upset-buyer-first']")
    expect(page.locator("#compose-text")).to_have_value(re.compile("so frustrating"))
    assert "disputed with your bank" not in page.input_value("#compose-text")
    expect(results).to_have_count(0)
    assert page.csp_violations == []


def test_a_countdown_badge_changes_colour_as_its_deadline_comes_closer(page, world):
    warn = timedelta(hours=world.claim_a.warnings[0])
    now = timezone.now()
    due = now + warn + timedelta(seconds=90)
    Claim.objects.filter(pk=world.claim_a.pk).update(respond_by=due)
    # The page's clock starts at the server's now and only moves when the test moves it.
    page.clock.install(time=now)
    _open_claim(page, world)
    badge = page.locator(".badge[data-due]").first
    expect(badge).to_have_class(re.compile(r"\bbadge-fine\b"))

    page.clock.fast_forward("02:00")  # within the rule's first warning now
    expect(badge).to_have_class(re.compile(r"\bbadge-warning\b"))
    expect(badge).not_to_have_class(re.compile(r"\bbadge-fine\b"))

    page.clock.fast_forward(int((warn - timedelta(minutes=1)).total_seconds() * 1000))  # on its day
    expect(badge).to_have_class(re.compile(r"\bbadge-today\b"))
    expect(badge).to_have_text(re.compile(r"left$"))

    page.clock.fast_forward("03:00")  # past the due time
    expect(badge).to_have_class(re.compile(r"\bbadge-overdue\b"))
    expect(badge).to_have_text(re.compile(r"^overdue by"))
    assert badge.get_attribute("class").split() == ["badge", "badge-overdue"]
