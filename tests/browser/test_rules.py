"""A manager writes a rule, sees its dry run, switches it on, and the next claim — opened by a
platform's notice — is assigned and tagged by it."""

from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from disputes.models import Claim, ClaimKind, Order, Rule

from ..conftest import PASSWORD
from .conftest import log_in, nav_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILED = Path(__file__).parent.parent / "notices" / "amazon_en_atoz_filed.eml"


def test_manager_writes_a_rule_sees_its_dry_run_switches_it_on_and_a_notice_claim_follows_it(page, world):
    Order.objects.create(
        store=world.store_a,
        platform_order_id="112-3456789-0123456",
        purchased_at=datetime(2026, 11, 20, 10, tzinfo=UTC),
        currency="USD",
        total="48.97",
    )
    log_in(page, "manager_a", PASSWORD)
    nav_to(page, "Rules")
    page.wait_for_selector("h1:text('Rules and tags of Alpha Amazon US')")

    page.fill("#tags input[name=name]", "A-to-z watch")
    page.select_option("#tags select[name=colour]", "orange")
    page.click("#tags button:text('Add tag')")
    page.wait_for_selector("#tags .tag-orange:text('A-to-z watch')")

    page.click("a:text('New rule')")
    page.fill("input[name=name]", "A-to-z claims to Alice")
    page.select_option("select[name=trigger]", "claim_opened")
    page.check("input[name=if_platform][value=amazon]")
    page.check("input[name=if_kind][value=a_to_z]")
    page.select_option("select[name=then_assign_to]", label="agent_a")
    page.check("label:has-text('A-to-z watch') input[name=then_tags]")

    # The world's A-to-z claim, opened two hours ago, is the one claim of the last 30 days.
    page.click("button:text('Dry run')")
    page.wait_for_selector("#dry-run-count")
    assert page.inner_text("#dry-run-count") == "It would have matched 1 claim of the 1 opened."
    assert "Assign to: 1 claim" in page.inner_text("#dry-run")
    assert not Rule.objects.exists()  # a dry run saves nothing

    page.click("#rule-form button[type=submit]:text('Save')")
    page.wait_for_selector("text=This rule is off.")
    page.click("#switch-on")
    page.wait_for_selector("text=Rule “A-to-z claims to Alice” is on.")
    assert Rule.objects.get().is_active

    # Amazon's "claim filed" mail opens the claim; the rule runs in the same transaction.
    with translation.override("en"):
        call_command("import_eml", str(FILED), "--store", world.store_a.name, stdout=StringIO())
    claim = Claim.objects.get(order__platform_order_id="112-3456789-0123456", kind=ClaimKind.A_TO_Z)
    assert claim.assignee == world.agent_a
    assert [tag.name for tag in claim.tags.all()] == ["A-to-z watch"]

    page.goto(f"/claims/{claim.pk}/")
    assert "A-to-z watch" in page.inner_text("#claim-tags")
    timeline = page.inner_text("#timeline")
    assert "Rule “A-to-z claims to Alice” assigned the claim to agent_a" in timeline
    assert "Rule “A-to-z claims to Alice” tagged the claim “A-to-z watch”" in timeline

    # A person undoes the tag the rule put on.
    page.locator("li.timeline-entry:has-text('tagged the claim') button:text('Undo')").click()
    page.wait_for_selector("text=Undone.")
    assert list(claim.tags.all()) == []
    assert "Undid rule “A-to-z claims to Alice”: tag “A-to-z watch” removed" in page.inner_text("#timeline")
    assert page.csp_violations == []
