"""The claim page laid out for working the claim: conversation first, the bar of actions at hand."""

import pytest
from playwright.sync_api import expect

from disputes.models import Claim, ClaimStatus
from messaging.models import Direction, Message
from messaging.services import message_receive

from ..conftest import PASSWORD
from ..test_queue import add_claims
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reply_and_mark_responded_in_one_action_then_go_to_the_next_claim(page, world):
    message_receive(order=world.order_a, body="The parcel has not arrived, please help.")
    following = add_claims(world, 1, start_hours=60)[0]  # due after claim_a (46 h)
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")
    page.goto(f"/claims/{world.claim_a.pk}/")

    # The header names the claim, its order, buyer and amount; the conversation comes before the
    # order facts and the evidence.
    expect(page.locator("h1")).to_contain_text(f"#{world.claim_a.pk}")
    head = page.inner_text(".claim-meta")
    assert "111-0000001-0000001" in head and "q7x2buyer@marketplace.example" in head and "25.00 USD" in head
    top = {
        name: page.locator(selector).bounding_box()["y"]
        for name, selector in {"thread": "#thread", "order": ".claim-side h2:text('Order')"}.items()
    }
    assert top["thread"] < top["order"]
    # Every time says whose it is: the deadline in the bar names the reader's zone.
    assert page.inner_text("#claim-bar .bar-due time").endswith(" UTC")

    # The bar stays in view while the agent reads down the thread.
    page.evaluate("() => window.scrollTo(0, 1500)")
    assert page.evaluate("() => window.scrollY") > 500
    bar = page.locator("#claim-bar").bounding_box()
    assert -1 <= bar["y"] <= 5

    page.fill(
        "#compose-text", "Thank you for your patience: the carrier has the parcel and it is on its way."
    )
    page.locator("#compose-text").press("End")  # the policy check runs on keyup
    page.wait_for_selector("#policy-findings .finding-ok")
    page.click("#send-respond-button")
    page.wait_for_selector("text=Message sent; the claim is marked responded.")
    expect(page.locator("#claim-status")).to_have_text("Responded, under review")
    world.claim_a.refresh_from_db()
    assert world.claim_a.status == ClaimStatus.RESPONDED
    assert Message.objects.filter(thread__order=world.order_a, direction=Direction.TO_BUYER).count() == 1
    timeline = page.inner_text(".timeline")
    assert "Status changed from New to Responded, under review" in timeline
    # Already responded: the combined button is gone, Send stays.
    expect(page.locator("#send-respond-button")).to_have_count(0)
    expect(page.locator("#send-button")).to_be_visible()

    # After the action, the next claim in the queue is one click away.
    expect(page.locator("#next-claim.button-primary")).to_be_visible()
    page.click("#next-claim")
    page.wait_for_url(f"**/claims/{following.pk}/")
    expect(page.locator("h1")).to_contain_text(f"#{following.pk}")
    assert Claim.objects.get(pk=following.pk).status == ClaimStatus.NEW
    assert page.csp_violations == []
