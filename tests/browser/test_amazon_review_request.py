"""An agent who writes a review request by hand is pointed to Amazon's own, and sends that
from the order page, in Chromium, against the fake SP-API on loopback; a worker sends it."""

import pytest
from playwright.sync_api import expect

from connectors.platforms.amazon_models import AmazonOrderAction

from ..conftest import PASSWORD
from ..fakes.amazon_api import amazon_api
from ..test_connector_amazon import KEY, connect
from ..worker import celery_worker
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_composer_points_to_amazons_review_request_which_goes_once(page, world, settings, tmp_path):
    with amazon_api() as api:
        settings.DESK_CONNECTOR_BASE_URLS = {"amazon": api.base, "amazon_auth": api.base}
        settings.DESK_CONNECTOR_KEYS = [KEY]
        order_id = api.add_order(world.order_a.platform_order_id)
        api.review_open.add(order_id)
        connect(world.store_a, api)
        # The worker sends the queued request (connectors/outbox.py) to the same fake Amazon.
        env = {
            "DESK_CONNECTOR_BASE_URLS": f"amazon={api.base},amazon_auth={api.base}",
            "DESK_CONNECTOR_KEYS": KEY,
            "DESK_CONNECTOR_MAX_WAIT": "0.01",
        }
        with celery_worker(tmp_path / "worker.log", env=env, every_task=True):
            log_in(page, "agent_a", PASSWORD)
            page.goto(f"/claims/{world.claim_a.pk}/")
            page.locator("#compose-text").press_sequentially("Glad it arrived! Please leave us a review.")
            pointer = page.locator("#review-request-pointer")
            expect(pointer).to_be_visible()
            pointer.get_by_role("link").click()

            page.wait_for_url(f"**/orders/{world.order_a.pk}/#amazon-actions")
            card = page.locator("#amazon-actions")
            expect(card.locator("#request-review")).to_be_visible()  # Amazon lists it: inside the window
            card.locator("#request-review").click()
            # On its way (unless the worker was quicker), then, as the card polls, Amazon's answer.
            expect(page.locator("#amazon-pending-1, #amazon-done")).to_have_count(1)
            expect(page.locator("#amazon-done")).to_have_text(
                "Amazon will send its review request to the buyer.", timeout=30_000
            )
        expect(page.locator("#review-sent")).to_contain_text("agent_a")
        expect(page.locator("#request-review")).to_have_count(0)  # once per order
        assert api.solicited == [order_id]
        assert AmazonOrderAction.objects.filter(order=world.order_a).count() == 1

        page.goto(f"/claims/{world.claim_a.pk}/")
        expect(page.locator("#timeline")).to_contain_text("Amazon's own review request was sent to the buyer")
        # Back on the claim, the card says it was sent and offers it no more.
        expect(page.locator("#review-sent")).to_be_visible()
        assert page.csp_violations == []
