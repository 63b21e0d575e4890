"""An agent opens "May become a claim" from the nav, sees why each order is there and from when
its buyer may open a claim, follows an order, and drafts an abuse report for a serial complainer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes.models import Claim, ClaimKind, Order, Reason
from messaging import services

from ..conftest import PASSWORD
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_acts_on_the_claims_seen_coming(page, world):
    now = timezone.now()
    quiet = Order.objects.create(
        store=world.store_a,
        platform_order_id="111-0000009-0000001",
        purchased_at=now - timedelta(days=6),
        currency="USD",
    )
    first = now - timedelta(hours=30)
    services.message_receive(order=quiet, body="Hello, when will it ship?", at=first)
    services.message_receive(
        order=quiet, body="This is unacceptable, it never arrived.", at=now - timedelta(hours=2)
    )
    # world.order_a's buyer: two more claimed orders make three.
    for n in range(2):
        order = Order.objects.create(
            store=world.store_a,
            buyer=world.order_a.buyer,
            platform_order_id=f"111-000000{n}-0000077",
            purchased_at=now - timedelta(days=40 + n),
            currency="USD",
        )
        Claim.objects.create(
            store=world.store_a,
            order=order,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.NOT_RECEIVED,
            opened_at=now - timedelta(days=30 + n),
            outcome="denied",
        )

    log_in(page, "agent_a", PASSWORD)
    page.click("nav >> text=May become a claim")
    page.wait_for_selector("h1:text('May become a claim')")
    row = page.locator('#coming tr[data-order="111-0000009-0000001"]')
    assert "The buyer wrote 2 times without an answer" in row.inner_text()
    assert "The buyer's message reads as a complaint" in row.inner_text()
    # 48 hours after the first message: 18 hours from now, shown as a <time> in the reader's zone.
    opens = row.locator("td.opens time").get_attribute("datetime")
    assert opens == (first + timedelta(hours=48)).isoformat()
    assert "48 calendar hours from the buyer's message" in row.inner_text()

    page.click('#serial-complainers a:text("Draft an abuse report")')
    page.wait_for_selector("h1:text('Abuse report')")
    draft = page.input_value("#abuse-draft")
    assert "this buyer opened 3 claims on 3 orders in 1 of our stores" in draft
    assert "111-0000000-0000077" in draft and "111-0000001-0000077" in draft

    page.go_back()
    page.click("#coming >> text=111-0000009-0000001")
    page.wait_for_url(f"**/orders/{quiet.pk}/**")
    assert page.csp_violations == []
