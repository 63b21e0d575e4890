from datetime import date, timedelta

import pytest
from django.utils import timezone

from disputes.models import Claim, ClaimStatus, Outcome

from ..conftest import PASSWORD
from ..test_import import amazon_report, amazon_row
from ..test_queue import add_claims
from .conftest import log_in, nav_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_imports_opens_an_a_to_z_claim_and_works_it_to_an_outcome(page, world, tmp_path, import_worker):
    bought = (timezone.now() - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    report = tmp_path / "All Orders.txt"
    report.write_bytes(
        amazon_report(
            amazon_row(**{"amazon-order-id": "112-5550001-0000001", "purchase-date": bought}),
            amazon_row(**{"amazon-order-id": "112-5550002-0000002", "purchase-date": bought, "sku": "LID-1"}),
        )
    )
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")

    page.click("text=Import orders")
    page.set_input_files("input[type=file]", str(report))
    page.click("button:text('Import')")
    page.wait_for_selector(".import-done", timeout=60_000)

    # Store page before: the fixture's open claim is the one defect among three orders.
    page.goto(f"/stores/{world.store_a.pk}/")
    assert page.inner_text("#odr-percent") == "33.33%"

    page.click("nav >> text=Orders")
    page.fill("main input[name=q]", "112-5550001")
    page.press("main input[name=q]", "Enter")
    page.wait_for_selector("h2:text('Open a claim')")
    page.select_option("#id_kind", "a_to_z")
    page.select_option("#id_reason", "not_received")
    page.fill("#id_platform_requested_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.click("button:text('Open the claim')")

    page.wait_for_selector("h2:text('Deadline')")
    assert "72 calendar hours from the platform's request" in page.inner_text(".explained")
    assert page.locator(".deadline .badge").is_visible()

    page.select_option("#assign-form select", label="agent_a")
    page.click("#assign-form button")
    page.wait_for_selector("text=Assignee saved.")
    page.click("button:text('Mark “Responded, under review”')")
    page.wait_for_selector("text=Status changed.")

    page.goto(f"/stores/{world.store_a.pk}/")
    assert page.inner_text("#odr-percent") == "66.67%"

    claim = Claim.objects.get(order__platform_order_id="112-5550001-0000001")
    page.goto(f"/claims/{claim.pk}/")
    page.select_option("#id_outcome", Outcome.DENIED)
    # Closing without the post-mortem is refused in place.
    page.click("#close-form button")
    assert page.locator("#close-form :invalid").count() >= 1  # the browser's own required check
    page.select_option("#id_root_cause", "buyer_abuse")
    page.fill("#id_decided_by", "Tracking shows delivery to the buyer's address.")
    page.fill("#id_action", "Ask for a signature on orders over 30 USD")
    page.fill("#id_due_on", (date.today() + timedelta(days=7)).isoformat())
    page.click("#close-form button")
    page.wait_for_selector("text=Claim closed, with its post-mortem.")
    timeline = page.inner_text(".timeline")
    for step in [
        "Claim opened: A-to-Z Guarantee claim, Item not received",
        "Deadline set: respond by ",
        "Assigned to agent_a",
        "Status changed from New to Responded, under review",
        "Status changed from Responded, under review to Closed",
        "Outcome: Denied / closed in the seller's favour",
        "Post-mortem written; root cause: Buyer abuse",
        "Tracking shows delivery to the buyer's address.",
        "Ask for a signature on orders over 30 USD",
    ]:
        assert step in timeline
    assert "Buyer abuse" in page.inner_text(".post-mortem")

    # The action waits on its owner's queue until it is done.
    page.goto("/")
    page.click("#my-actions summary")  # folded above the claims, with its count
    assert page.inner_text("#my-actions summary .count") == "1"
    page.click("#my-actions button:text('Mark done')")
    page.wait_for_selector("text=Action marked done.")
    assert page.locator("#my-actions").count() == 0

    page.goto(f"/stores/{world.store_a.pk}/")
    assert page.inner_text("#odr-percent") == "33.33%"
    claim.refresh_from_db()
    assert (claim.status, claim.assignee, claim.counts_toward_odr) == (
        ClaimStatus.CLOSED,
        world.agent_a,
        False,
    )
    assert page.csp_violations == []


def test_manager_clicks_from_overdue_to_the_filtered_queue(page, world):
    add_claims(world, 2, start_hours=-3)
    add_claims(world, 3, start_hours=30)
    log_in(page, "manager_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")
    nav_to(page, "Dashboard")
    assert page.inner_text("#tile-overdue .tile-number") == "2"
    page.click("#tile-overdue")
    page.wait_for_selector("h1:text('Queue')")
    assert "due=overdue" in page.url
    assert page.locator("tr.claim-row").count() == 2
    assert page.locator("tr.claim-row .badge-overdue").count() == 2
    # Changing a filter updates the list in place and the URL follows.
    page.select_option("select[name=due]", "any")
    page.locator("tr.claim-row").nth(5).wait_for()
    assert page.locator("tr.claim-row").count() == 6
    assert "due=any" in page.url
    assert page.csp_violations == []
