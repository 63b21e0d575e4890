"""The composer's reply library, its placeholders and the countdown badges, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

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
