"""A reply with a photo and a PDF attached, from the composer to a local SMTP listener, the
files intact; the thread shows them."""

import email
import email.policy

import pytest

from messaging import services
from messaging.models import Delivery, Direction, Message, StoreMessaging

from ..capture_files import camera_jpeg, pdf_with_date
from ..conftest import PASSWORD
from ..evidence_corpus import HTML
from ..mailservers import smtp_listener
from ..worker import celery_worker, wait_for
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_reply_with_attachments_reaches_the_relay_with_the_files_intact(page, world, tmp_path, settings):
    photo = camera_jpeg("2026:10:28 14:02:11", "+08:00")
    letter = pdf_with_date("D:20261101093000+01'00'")
    (tmp_path / "IMG_4471.JPG").write_bytes(photo)
    (tmp_path / "carrier-letter.pdf").write_bytes(letter)
    (tmp_path / "receipt.jpg").write_bytes(HTML)
    services.message_receive(
        order=world.order_a, body="The lamp arrived broken. Can you prove it was packed well?"
    )
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
        assert "Amazon takes JPEG, PNG, PDF" in page.inner_text("#compose-attachments-help")
        text = "Here is the photo of your lamp packed before shipping, and the carrier's letter."

        # A disguised web page is refused; the text stays and nothing is sent.
        page.fill("#compose-text", text)
        page.locator("#compose-text").press("End")  # the policy check runs on keyup
        page.set_input_files("#compose-attachments", str(tmp_path / "receipt.jpg"))
        page.wait_for_selector("#policy-findings .finding-ok")
        page.click("#send-button")
        page.wait_for_selector("#compose-error")
        assert "“receipt.jpg” is not a photo (JPEG, PNG) or a PDF" in page.inner_text("#compose-error")
        assert page.input_value("#compose-text") == text
        assert not Message.objects.filter(direction=Direction.TO_BUYER).exists()

        page.set_input_files(
            "#compose-attachments", [str(tmp_path / "IMG_4471.JPG"), str(tmp_path / "carrier-letter.pdf")]
        )
        page.locator("#compose-text").press("End")
        page.wait_for_selector("#policy-findings .finding-ok")
        page.click("#send-button")
        page.wait_for_selector("text=Message sent.")
        wait_for(lambda: len(smtp.received) == 1, log_path=log)
        wait_for(
            lambda: Message.objects.get(direction=Direction.TO_BUYER).delivery == Delivery.SENT, log_path=log
        )
        # The thread shows what went with the reply.
        page.reload()
        shown = page.locator("#thread-messages [data-attachment]").all_inner_texts()
        assert shown == ["IMG_4471.JPG", "carrier-letter.pdf"]

    mail = email.message_from_bytes(smtp.received[0].content, policy=email.policy.default)
    assert smtp.received[0].rcpt_tos == ["q7x2buyer@marketplace.example"]
    parts = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    assert parts == {"IMG_4471.JPG": photo, "carrier-letter.pdf": letter}
    assert "carrier's letter" in mail.get_body(("plain",)).get_content()
    assert page.csp_violations == []
