import pytest
from playwright.sync_api import expect

from connectors.sync import sync_connection
from disputes.models import Claim, ClaimStatus

from ..conftest import PASSWORD
from ..test_connector_ebay import connect, ebay, seed, store  # noqa: F401  (fixtures)
from ..worker import celery_worker
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_gives_ebay_the_tracking_from_the_claim_page(
    page,
    world,
    store,  # noqa: F811
    ebay,  # noqa: F811
    settings,
    tmp_path,
):
    seed(ebay)
    assert sync_connection(connect(store, ebay)).outcome == "synced"
    claim = Claim.objects.get(store=store, platform_claim_id="inr-5100000002")
    # The worker sends the queued answer (connectors/outbox.py) to the same fake eBay.
    env = {
        "DESK_CONNECTOR_BASE_URLS": f"ebay={settings.DESK_CONNECTOR_BASE_URLS['ebay']}",
        "DESK_CONNECTOR_MAX_WAIT": "0.01",
    }
    with celery_worker(tmp_path / "worker.log", env=env, every_task=True):
        log_in(page, "manager_a", PASSWORD)
        page.goto(f"/claims/{claim.pk}/")
        card = page.locator("#ebay-answers")
        expect(card).to_contain_text("Answer on eBay")
        # Without a tracking number the browser asks for it; with a blank one nothing is queued.
        card.locator("#ebay-carrier").fill("USPS")
        card.locator("#ebay-tracking").fill("   ")
        card.locator("#ebay-tracking").evaluate("el => el.removeAttribute('required')")
        card.locator("#ebay-tracking").press("Enter")
        expect(page.locator("#ebay-answers [role=alert]")).to_contain_text(
            "Give both the carrier and the tracking number"
        )
        assert not claim.platform_actions.exists()
        page.locator("#ebay-tracking").fill("9400111899223197428490")
        page.locator("#ebay-tracking").press("Enter")
        # The card says it is on its way (or the worker was quicker and the page reloaded); the
        # poll reloads the page once eBay accepted it, with the status and timeline it changed.
        expect(page.locator("#ebay-pending-tracking, #ebay-outcome")).to_have_count(1)
        expect(page.locator("#timeline")).to_contain_text(
            "Tracking given to the platform: USPS 9400111899223197428490", timeout=30_000
        )
        expect(page.locator("#ebay-outcome")).to_contain_text("eBay accepted it")
    assert [c.body["trackingNumber"] for c in ebay.calls if c.path.endswith("/shipment_info")] == [
        "9400111899223197428490"
    ]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RESPONDED
    assert page.csp_violations == []
