"""Photos and PDFs attached to our replies: checked by their content against the platform's
limits, kept privately, relayed by SMTP with the mail (a real listener), shown on the thread."""

import email
import email.policy
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from disputes.models import Platform, Store
from disputes.timeline import worded
from messaging import outgoing, services
from messaging.models import Attachment, Delivery, Direction, Message, StoreMessaging
from messaging.services import AttachmentData, MessagingError
from messaging.tasks import send_reply

from .capture_files import camera_jpeg, pdf_with_date
from .evidence_corpus import HTML, JS_ACTION, encrypted_pdf, one_page_pdf, photo
from .mailservers import smtp_listener

MB = 1024 * 1024


def jpeg() -> bytes:
    return camera_jpeg("2026:10:28 14:02:11", "+08:00")


def label() -> bytes:
    return pdf_with_date("D:20261101093000+01'00'")


def test_a_reply_with_a_photo_and_a_pdf_reaches_the_buyer_relay_intact(world):
    photo_bytes, pdf_bytes = jpeg(), label()
    with smtp_listener() as smtp:
        StoreMessaging.objects.create(
            store=world.store_a,
            from_address="support@alpha.example",
            smtp_host=smtp.host,
            smtp_port=smtp.port,
            smtp_starttls=False,
        )
        message = services.reply_send(
            order=world.order_a,
            body="Here is the photo of your lamp packed, and the carrier's label.",
            by=world.agent_a,
            attachments=[
                AttachmentData("IMG_4471.JPG", "image/jpeg", photo_bytes),
                AttachmentData("label.pdf", "application/octet-stream", pdf_bytes),
            ],
        )
        assert message.delivery == Delivery.QUEUED
        assert send_reply(message.pk) == "sent"
    kept = list(message.attachments.order_by("pk"))
    assert [(a.name, a.content_type, a.size) for a in kept] == [
        ("IMG_4471.JPG", "image/jpeg", len(photo_bytes)),
        ("label.pdf", "application/pdf", len(pdf_bytes)),
    ]
    assert kept[0].sha256 == hashlib.sha256(photo_bytes).hexdigest()

    mail = email.message_from_bytes(smtp.received[0].content, policy=email.policy.default)
    parts = {part.get_filename(): part for part in mail.iter_attachments()}
    assert set(parts) == {"IMG_4471.JPG", "label.pdf"}
    assert parts["IMG_4471.JPG"].get_content_type() == "image/jpeg"
    assert parts["IMG_4471.JPG"].get_content() == photo_bytes
    assert parts["label.pdf"].get_content_type() == "application/pdf"
    assert parts["label.pdf"].get_content() == pdf_bytes
    assert "carrier's label" in mail.get_body(("plain",)).get_content()

    # The claim's timeline says what went with the reply.
    event = world.claim_a.events.get(action="message_sent")
    assert worded(event).sentence == "Reply sent to the buyer, with IMG_4471.JPG, label.pdf attached"


def test_a_stored_attachment_that_changed_is_never_sent(world):
    with smtp_listener() as smtp:
        StoreMessaging.objects.create(
            store=world.store_a,
            from_address="support@alpha.example",
            smtp_host=smtp.host,
            smtp_port=smtp.port,
            smtp_starttls=False,
        )
        message = services.reply_send(
            order=world.order_a,
            body="The photo.",
            by=world.agent_a,
            attachments=[AttachmentData("box.jpg", "image/jpeg", jpeg())],
        )
        stored = message.attachments.get()
        with open(stored.file.path, "r+b") as f:
            f.seek(200)
            f.write(b"\x00" * 16)
        with pytest.raises(Exception, match="no longer matches its fingerprint"):
            send_reply.run(message.pk)
    assert smtp.received == []
    message.refresh_from_db()
    assert message.delivery == Delivery.FAILED and "box.jpg" in message.delivery_error


def ebay_store(world) -> Store:
    store = world.store_a
    store.platform = Platform.EBAY
    store.save(update_fields=["platform"])
    return store


@pytest.mark.parametrize(
    ("platform", "files", "expected"),
    [
        # Content decides, not the name.
        (Platform.AMAZON, [("photo.jpg", HTML)], "is not a photo (JPEG, PNG) or a PDF"),
        (Platform.AMAZON, [("photo.png", jpeg())], "is a JPEG file but not named as one"),
        (Platform.AMAZON, [("photo.jpg", jpeg()[: len(jpeg()) // 2])], "is damaged or incomplete"),
        (Platform.AMAZON, [("locked.pdf", encrypted_pdf())], "password-protected PDF"),
        (
            Platform.AMAZON,
            [("script.pdf", one_page_pdf(b"/OpenAction 5 0 R ", more=(JS_ACTION,)))],
            "scripts, actions or files embedded",
        ),
        # The platform's limits.
        (Platform.EBAY, [("label.pdf", label())], "eBay takes only JPEG, PNG with a message"),
        (Platform.AMAZON, [(f"p{i}.jpg", photo(40 + i, 30)) for i in range(6)], "at most 5 files"),
        (
            Platform.OZON,
            [("big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (6 * MB))],
            "takes files of at most 5.0",
        ),
        (
            Platform.AMAZON,
            [("a.pdf", b"%PDF-" + b"\x00" * (6 * MB)), ("b.pdf", b"%PDF-" + b"\x00" * (5 * MB))],
            "at most 10.0\xa0MB with one message",
        ),
    ],
)
def test_attachments_the_platform_or_the_content_check_refuses(world, platform, files, expected):
    store = world.store_a
    store.platform = platform
    store.save(update_fields=["platform"])
    with pytest.raises(MessagingError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        services.reply_send(
            order=world.order_a,
            body="Please see the attached file.",
            by=world.agent_a,
            attachments=[AttachmentData(name, "", content) for name, content in files],
        )
    assert not Message.objects.filter(direction=Direction.TO_BUYER).exists()
    assert not Attachment.objects.exists()


def test_the_limits_are_said_per_platform():
    assert outgoing.limits_for(Platform.AMAZON).describe() == (
        "JPEG, PNG, PDF; at most 5 files, 10.0\xa0MB each, 10.0\xa0MB in all"
    )
    assert outgoing.limits_for(Platform.EBAY).kinds == ("jpeg", "png")
    # A platform without figures gets the strictest.
    assert outgoing.limits_for(Platform.WALMART) == outgoing.STRICTEST


def test_the_composer_sends_attachments_and_shows_them_on_the_thread(world, agent_client):
    page = agent_client.get(reverse("disputes:claim", args=[world.claim_a.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="attachments"' in page
    assert "Amazon takes JPEG, PNG, PDF; at most 5 files" in page
    photo_bytes = jpeg()
    response = agent_client.post(
        reverse("messaging:send", args=[world.order_a.pk]),
        {
            "body": "Here is the photo of your lamp, packed before shipping.",
            "channel": "platform",
            "attachments": [
                SimpleUploadedFile("IMG_4471.JPG", photo_bytes, content_type="image/jpeg"),
                SimpleUploadedFile("label.pdf", label(), content_type="application/pdf"),
            ],
        },
    )
    assert response.status_code == 302
    message = Message.objects.get(direction=Direction.TO_BUYER)
    assert [a.name for a in message.attachments.order_by("pk")] == ["IMG_4471.JPG", "label.pdf"]
    page = agent_client.get(reverse("disputes:claim", args=[world.claim_a.pk])).content.decode()
    first = message.attachments.order_by("pk").first()
    download = reverse("messaging:attachment", args=[first.pk])
    assert f'href="{download}" data-attachment>IMG_4471.JPG</a>' in page
    assert agent_client.get(download).getvalue() == photo_bytes
    # Private: nobody signed out gets it.
    assert Client().get(download).status_code == 302


def test_a_refused_attachment_keeps_the_text_and_sends_nothing(world, agent_client):
    response = agent_client.post(
        reverse("messaging:send", args=[world.order_a.pk]),
        {
            "body": "Here is the photo of your lamp.",
            "channel": "platform",
            "attachments": [SimpleUploadedFile("lamp.jpg", HTML, content_type="image/jpeg")],
        },
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "“lamp.jpg” is not a photo (JPEG, PNG) or a PDF" in body
    assert "Attach the files again before sending." in body
    assert "Here is the photo of your lamp." in body
    assert not Message.objects.filter(direction=Direction.TO_BUYER).exists()
    assert not Attachment.objects.exists()


def test_an_oversized_attachment_is_refused_from_its_size(world, agent_client):
    ebay_store(world)
    response = agent_client.post(
        reverse("messaging:send", args=[world.order_a.pk]),
        {
            "body": "Photos attached.",
            "channel": "platform",
            "attachments": [SimpleUploadedFile("huge.jpg", b"\xff\xd8\xff" + b"\x00" * (13 * MB))],
        },
        HTTP_HX_REQUEST="true",
    )
    assert "“huge.jpg” is 13.0\xa0MB; eBay takes files of at most 12.0\xa0MB." in response.content.decode()
    assert not Message.objects.filter(direction=Direction.TO_BUYER).exists()
