import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disputes.models import Shipment
from messaging import services
from messaging.library import install_reply_library
from messaging.models import Delivery, Direction, Message, ReplyState, ReplyTemplate, StoreMessaging

from ..conftest import PASSWORD
from ..mailservers import smtp_listener
from ..worker import celery_worker, wait_for
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_agent_picks_a_template_fixes_a_policy_finding_and_the_reply_reaches_the_relay(
    page, world, tmp_path, settings
):
    install_reply_library(ReplyTemplate)
    # The template states the shipment's facts: the order has them (else Send waits for them).
    Shipment.objects.create(
        order=world.order_a,
        carrier="USPS",
        tracking_number="9400111899223344556677",
        shipped_at=timezone.now(),
    )
    waiting = services.message_receive(order=world.order_a, body="My lamp never arrived. What now?")
    log = tmp_path / "worker.log"
    with smtp_listener() as smtp, celery_worker(log) as queue:
        settings.DESK_MAIL_QUEUE = queue
        StoreMessaging.objects.create(
            store=world.store_a,
            from_address="support@alpha.example",
            smtp_host=smtp.host,
            smtp_port=smtp.port,
            smtp_starttls=False,
        )
        log_in(page, "agent_a", PASSWORD)
        page.wait_for_selector("h1:text('Queue')")
        page.goto(f"/claims/{world.claim_a.pk}/")
        assert "My lamp never arrived." in page.inner_text("#thread-messages")

        page.fill("#template-search", "calm")
        page.click("button.template-pick[data-template='claim-first-reply']")
        expect(page.locator("#compose-text")).to_have_value(re.compile("111-0000001-0000001"))
        expect(page.locator("#template-results li")).to_have_count(0)  # the picker closes
        page.wait_for_selector("#policy-findings .finding-ok")

        # The agent adds a contact detail: the finding appears while they type and Send locks.
        page.locator("#compose-text").press("End")
        page.locator("#compose-text").press_sequentially(" Or message us on WhatsApp.")
        page.wait_for_selector(".finding[data-code='contact.messenger']")
        assert "WhatsApp" in page.inner_text("#policy-findings mark.finding-blocking")
        assert page.is_disabled("#send-button")

        # They take it out again: the check clears and Send is back.
        text = page.input_value("#compose-text").replace(" Or message us on WhatsApp.", "")
        page.fill("#compose-text", text)
        page.locator("#compose-text").press("End")
        page.wait_for_selector("#policy-findings .finding-ok")
        assert page.is_enabled("#send-button")
        page.click("#send-button")
        page.wait_for_selector("text=Message sent.")

        wait_for(lambda: len(smtp.received) == 1, log_path=log)
        wait_for(
            lambda: Message.objects.get(direction=Direction.TO_BUYER).delivery == Delivery.SENT, log_path=log
        )

    envelope = smtp.received[0]
    assert envelope.rcpt_tos == ["q7x2buyer@marketplace.example"]
    assert envelope.mail_from == "support@alpha.example"
    assert b"WhatsApp" not in envelope.content and b"111-0000001-0000001" in envelope.content
    waiting.refresh_from_db()
    assert waiting.reply_state == ReplyState.REPLIED
    assert page.csp_violations == []
