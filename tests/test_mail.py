"""Relay mail out (a real SMTP listener) and in (.eml files, the parser, the unmatched list)."""

from email.message import EmailMessage
from email.utils import format_datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from disputes.models import Buyer, Order
from messaging import inbound, services
from messaging.models import Delivery, Direction, Message, ReplyState, StoreMessaging, UnmatchedMail
from messaging.tasks import send_reply

from .mailservers import free_port, smtp_listener


def relay_mail(
    *,
    sender="q7x2buyer@marketplace.example",
    subject="Question about order 111-0000001-0000001",
    body="Hello, when will my lamp arrive?",
    message_id="<m1@marketplace.example>",
    attachment=None,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Sam - Marketplace <{sender}>"
    mail["To"] = "support@alpha.example"
    mail["Subject"] = subject
    mail["Message-ID"] = message_id
    mail["Date"] = format_datetime(timezone.now())
    mail.set_content(body)
    if attachment:
        mail.add_attachment(attachment, maintype="image", subtype="jpeg", filename="damage.jpg")
    return bytes(mail)


@pytest.fixture
def relay(world):
    return StoreMessaging.objects.create(
        store=world.store_a,
        from_address="support@alpha.example",
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_starttls=False,
    )


# --- outbound ------------------------------------------------------------------------------


def test_a_reply_is_relayed_by_smtp_from_the_store_to_the_buyer_relay_address(world, relay):
    with smtp_listener() as smtp:
        StoreMessaging.objects.filter(pk=relay.pk).update(smtp_port=smtp.port)
        waiting = services.message_receive(order=world.order_a, body="Where is it?")
        message = services.reply_send(
            order=world.order_a, body="Your parcel is on its way.", by=world.agent_a
        )
        assert send_reply(message.pk) == "sent"
    assert len(smtp.received) == 1
    envelope = smtp.received[0]
    assert envelope.mail_from == "support@alpha.example"
    assert envelope.rcpt_tos == ["q7x2buyer@marketplace.example"]
    assert b"Your parcel is on its way." in envelope.content
    assert b"111-0000001-0000001" in envelope.content
    message.refresh_from_db()
    waiting.refresh_from_db()
    assert (message.delivery, message.delivery_attempts) == (Delivery.SENT, 1)
    assert waiting.reply_state == ReplyState.REPLIED
    # A retried task finds nothing left to send.
    assert send_reply(message.pk) == "not queued"
    assert len(smtp.received) == 1


def test_a_failed_send_is_visible_and_can_be_retried(world, relay, agent_client):
    message = services.reply_send(order=world.order_a, body="Your parcel is on its way.", by=world.agent_a)
    with pytest.raises(OSError):
        send_reply.run(message.pk)  # nothing listens on the store's SMTP port
    message.refresh_from_db()
    assert message.delivery == Delivery.FAILED
    assert "ConnectionRefusedError" in message.delivery_error
    page = agent_client.get(reverse("disputes:order", args=[world.order_a.pk])).content.decode()
    assert "Retry sending" in page and "ConnectionRefusedError" in page

    response = agent_client.post(reverse("messaging:retry", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.delivery == Delivery.QUEUED
    with smtp_listener() as smtp:
        StoreMessaging.objects.filter(pk=relay.pk).update(smtp_port=smtp.port)
        assert send_reply(message.pk) == "sent"
    assert len(smtp.received) == 1
    message.refresh_from_db()
    assert (message.delivery, message.delivery_error, message.delivery_attempts) == (Delivery.SENT, "", 2)


def test_a_sent_message_cannot_be_retried(world, relay):
    message = services.reply_send(order=world.order_a, body="On its way.", by=world.agent_a)
    services.reply_sent(message=message)
    with pytest.raises(services.MessagingError):
        services.reply_retry(message=message, by=world.agent_a)


def test_without_relay_settings_the_reply_is_recorded_and_stops_the_clock(world):
    waiting = services.message_receive(order=world.order_a, body="Where is it?")
    message = services.reply_send(order=world.order_a, body="On its way.", by=world.agent_a)
    assert message.delivery == Delivery.NONE
    waiting.refresh_from_db()
    assert waiting.reply_state == ReplyState.REPLIED


# --- inbound -------------------------------------------------------------------------------


def test_relay_mail_is_filed_into_the_order_thread_once(world):
    assert inbound.file_mail(world.store_a, relay_mail()) == "filed"
    assert inbound.file_mail(world.store_a, relay_mail()) == "duplicate"
    message = Message.objects.get()
    assert (message.thread.order, message.direction, message.author_name) == (
        world.order_a,
        Direction.FROM_BUYER,
        "q7x2buyer@marketplace.example",
    )
    assert message.body == "Hello, when will my lamp arrive?"
    assert message.reply_state == ReplyState.AWAITING


def test_the_buyer_alias_places_mail_without_an_order_id(world):
    assert inbound.file_mail(world.store_a, relay_mail(subject="Hello", message_id="<m2@x>")) == "filed"
    assert Message.objects.get().thread.order == world.order_a


def test_unplaceable_mail_goes_to_the_unmatched_list(world):
    other = Buyer.objects.create(store=world.store_a, alias="zz9@marketplace.example")
    Order.objects.create(
        store=world.store_a,
        buyer=other,
        platform_order_id="111-0000009-0000009",
        purchased_at=timezone.now(),
        currency="USD",
    )
    cases = [
        relay_mail(sender="stranger@example.com", subject="Hello", message_id="<u1@x>"),
        relay_mail(subject="About 111-0000009-0000009", message_id="<u2@x>"),  # someone else's order
    ]
    assert [inbound.file_mail(world.store_a, raw) for raw in cases] == ["unmatched", "unmatched"]
    assert inbound.file_mail(world.store_a, cases[0]) == "duplicate"
    whys = list(UnmatchedMail.objects.order_by("pk").values_list("why", flat=True))
    assert "not a known buyer" in whys[0] and "belongs to another buyer" in whys[1]
    assert not Message.objects.exists()


def test_an_agent_files_unmatched_mail_by_hand(world, agent_client, outsider_client):
    inbound.file_mail(
        world.store_a, relay_mail(sender="stranger@example.com", subject="Lamp?", message_id="<u3@x>")
    )
    mail = UnmatchedMail.objects.get()
    page = agent_client.get(reverse("messaging:unmatched")).content.decode()
    assert "stranger@example.com" in page
    assert "stranger@example.com" not in outsider_client.get(reverse("messaging:unmatched")).content.decode()
    bad = agent_client.post(
        reverse("messaging:unmatched_file", args=[mail.pk]), {"order": "no-such-order"}, follow=True
    )
    assert "No order no-such-order" in bad.content.decode()
    agent_client.post(
        reverse("messaging:unmatched_file", args=[mail.pk]), {"order": world.order_a.platform_order_id}
    )
    message = Message.objects.get()
    assert (message.thread.order, message.rfc_message_id) == (world.order_a, "<u3@x>")
    mail.refresh_from_db()
    assert mail.filed_message == message and mail.filed_by == world.agent_a
    # Polling the same mail again changes nothing.
    assert inbound.file_mail(world.store_a, bytes(mail.raw)) == "duplicate"
    assert "stranger@example.com" not in agent_client.get(reverse("messaging:unmatched")).content.decode()


def test_attachments_are_kept_privately_and_served_to_members_only(
    world, agent_client, outsider_client, settings, tmp_path
):
    from django.utils.functional import empty

    from messaging.storage import _storage

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    _storage._wrapped = empty  # the lazy storage picks up the new root
    inbound.file_mail(world.store_a, relay_mail(attachment=b"\xff\xd8\xff\xe0 not really a photo"))
    attachment = Message.objects.get().attachments.get()
    assert attachment.size == len(b"\xff\xd8\xff\xe0 not really a photo")
    assert (tmp_path / "messages").exists()
    url = reverse("messaging:attachment", args=[attachment.pk])
    response = agent_client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert outsider_client.get(url).status_code == 404
    _storage._wrapped = empty


def test_import_eml_files_messages_and_reports_each_file(world, tmp_path):
    first, second = tmp_path / "a.eml", tmp_path / "b.eml"
    first.write_bytes(relay_mail())
    second.write_bytes(relay_mail(sender="stranger@example.com", subject="Hi", message_id="<other@x>"))
    out = StringIO()
    call_command("import_eml", str(first), str(second), str(first), "--store", world.store_a.name, stdout=out)
    assert "1 filed, 1 unmatched, 1 duplicate" in out.getvalue()
    assert Message.objects.count() == 1 and UnmatchedMail.objects.count() == 1


def test_import_eml_refuses_an_unknown_store(tmp_path, db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No store"):
        call_command("import_eml", str(tmp_path / "x.eml"), "--store", "Nowhere")


def test_html_only_mail_is_filed_as_text(world):
    mail = EmailMessage()
    mail["From"] = "q7x2buyer@marketplace.example"
    mail["Subject"] = "Order 111-0000001-0000001"
    mail["Message-ID"] = "<html@x>"
    mail.set_content("<p>The <b>lid</b> is missing.</p>", subtype="html")
    inbound.file_mail(world.store_a, bytes(mail))
    assert Message.objects.get().body == "The lid is missing."
