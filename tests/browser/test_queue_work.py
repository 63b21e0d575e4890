"""The queue as an agent works it: bulk assignment, sorting, saved views."""

import pytest
from playwright.sync_api import expect

from disputes.models import Claim, Membership, Role

from ..conftest import PASSWORD
from ..test_queue import add_claims
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bulk_assign_needs_a_choice_assigns_what_it_can_and_keeps_the_ticks(page, world):
    # The manager works both stores; agent_a is a member of store A only.
    Membership.objects.create(user=world.manager_a, store=world.store_b, role=Role.MANAGER)
    own = add_claims(world, 2)
    other = add_claims(world, 1, store=world.store_b, start_hours=5)[0]
    everything = [world.claim_a, *own, other]
    log_in(page, "manager_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")
    rows = page.locator("tr.claim-row")
    expect(rows).to_have_count(4)

    # Nothing is chosen at first: an untouched select never means "unassign".
    assert page.locator("#bulk_assignee").input_value() == ""
    page.check("#select-all")
    assert page.locator("input[name=claims]:checked").count() == 4
    expect(page.locator("#selected-count")).to_have_text("4 claims selected")
    # Assigning without a choice is stopped by the browser's own required check (and the server
    # says "Choose whom…": tests/test_queue.py).
    page.click("button:text('Assign selected')")
    assert page.locator("#bulk_assignee:invalid").count() == 1
    assert Claim.objects.filter(assignee__isnull=False).count() == 0
    # The ticks survive the refusal.
    assert page.locator("input[name=claims]:checked").count() == 4

    # A batch mixing stores: what can be assigned is, the rest is named with the reason.
    page.select_option("#bulk_assignee", label="agent_a")
    page.click("button:text('Assign selected')")
    expect(page.locator(".message-success")).to_have_text("3 claims assigned to agent_a.")
    skipped = page.locator(".message-error")
    expect(skipped).to_have_count(1)
    expect(skipped).to_contain_text(f"Skipped #{other.pk} (order {other.order.platform_order_id})")
    expect(skipped).to_contain_text("agent_a is not a member of Bravo Ozon RU")
    assert sorted(Claim.objects.filter(assignee=world.agent_a).values_list("pk", flat=True)) == sorted(
        claim.pk for claim in everything if claim.store_id == world.store_a.pk
    )
    assert page.locator("input[name=claims]:checked").count() == 4
    expect(page.locator("#select-all")).to_be_checked()

    # Unassigning is its own, explicit choice.
    page.uncheck(f"input[name=claims][value='{other.pk}']")
    expect(page.locator("#select-all")).not_to_be_checked()
    page.select_option("#bulk_assignee", label="Nobody (unassign)")
    page.click("button:text('Assign selected')")
    expect(page.locator(".message-success")).to_have_text("3 claims unassigned.")
    assert Claim.objects.filter(assignee__isnull=False).count() == 0
    assert page.locator("input[name=claims]:checked").count() == 3
    assert page.csp_violations == []


def test_columns_sort_on_the_server_and_a_saved_view_brings_the_filters_back(page, world):
    add_claims(world, 3, start_hours=10)
    Claim.objects.filter(pk=world.claim_a.pk).update(amount="99.50")
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")
    rows = page.locator("tr.claim-row")
    expect(rows).to_have_count(4)
    # Each row names its claim "#id · reason" and links its order.
    first = rows.first
    expect(first.locator(".claim-link")).to_have_text(
        f"#{first.get_attribute('data-claim')} · Item not received"
    )
    assert first.locator("a.order-link").get_attribute("href").startswith("/orders/")

    # Sorting by amount, largest last; once more, largest first.
    page.click("th >> text=Amount")
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Amount")
    assert "sort=amount" in page.url
    page.click("th >> text=Amount")
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Amount")
    assert rows.first.get_attribute("data-claim") == str(world.claim_a.pk)

    # A filter keeps the sort; the filters are saved under a name and come back from it.
    page.select_option("select[name=kind]", "a_to_z")
    page.wait_for_url("**kind=a_to_z**")
    assert "sort=-amount" in page.url
    page.click("summary:text('Save these filters as a view…')")
    page.fill("#save-view-name", "big A-to-Z first")
    page.click("button:text('Save view')")
    expect(page.locator(".message-success")).to_have_text("View “big A-to-Z first” saved.")
    page.goto("/")
    page.click("a.saved-view:text('big A-to-Z first')")
    assert page.locator("select[name=kind]").input_value() == "a_to_z"
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Amount")
    expect(page.locator("a.saved-view[aria-current=page]")).to_have_text("big A-to-Z first")
    page.click("button[aria-label='Delete the view “big A-to-Z first”']")
    expect(page.locator(".message-success")).to_have_text("View “big A-to-Z first” deleted.")
    expect(page.locator("a.saved-view")).to_have_count(0)
    assert page.csp_violations == []
