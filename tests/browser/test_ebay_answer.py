import pytest
from playwright.sync_api import expect

from connectors.sync import sync_connection
from disputes.models import Claim, ClaimStatus

from ..conftest import PASSWORD
from ..test_connector_ebay import connect, ebay, seed, store  # noqa: F401  (fixtures)
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_gives_ebay_the_tracking_from_the_claim_page(page, world, store, ebay):  # noqa: F811
    seed(ebay)
    assert sync_connection(connect(store, ebay)).outcome == "synced"
    claim = Claim.objects.get(store=store, platform_claim_id="inr-5100000002")
    log_in(page, "manager_a", PASSWORD)
    page.goto(f"/claims/{claim.pk}/")
    card = page.locator("#ebay-answers")
    expect(card).to_contain_text("Answer on eBay")
    # Without a tracking number the browser asks for it; with a blank one eBay is never asked.
    card.locator("#ebay-carrier").fill("USPS")
    card.locator("#ebay-tracking").fill("   ")
    card.locator("#ebay-tracking").evaluate("el => el.removeAttribute('required')")
    card.locator("#ebay-tracking").press("Enter")
    expect(page.locator("#ebay-answers [role=alert]")).to_contain_text(
        "Give both the carrier and the tracking number"
    )
    assert not [c for c in ebay.calls if c.path.endswith("/shipment_info")]
    page.locator("#ebay-tracking").fill("9400111899223197428490")
    with page.expect_navigation(wait_until="load"):
        page.locator("#ebay-tracking").press("Enter")
    expect(page.locator("#timeline")).to_contain_text(
        "Tracking given to the platform: USPS 9400111899223197428490"
    )
    expect(page.locator("body")).to_contain_text("eBay accepted it")
    assert [c.body["trackingNumber"] for c in ebay.calls if c.path.endswith("/shipment_info")] == [
        "9400111899223197428490"
    ]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RESPONDED
    assert page.csp_violations == []
