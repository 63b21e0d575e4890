"""Demo threads for `seed_demo`: buyer messages in every state of the reply clock, a failed
relay send, an unmatched relay mail and a conversation that went off the platform."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from disputes.demo import DemoData
from disputes.models import Order, Store

from . import services
from .library import install_reply_library
from .models import Delivery, Message, ReplyTemplate, StoreMessaging, UnmatchedMail

BUYER_LINES = [
    (50, "Hello, my order still has not arrived and the tracking has not moved for a week. What can you do?"),
    (30, "The lamp arrived but the base is cracked. Can I get a replacement?"),
    (20, "Is it possible to change the colour before it ships?"),
    (5, "Could you tell me when the parcel will arrive? Thanks."),
    (1, "Thank you, the replacement arrived today."),
]


def seed_messaging(store: Store, agent) -> None:
    """Idempotent: does nothing when the store already has threads."""
    install_reply_library(ReplyTemplate)
    if Message.objects.filter(store=store).exists():
        return
    StoreMessaging.objects.get_or_create(
        store=store,
        defaults={
            "from_address": f"support@{store.platform}.demo.example",
            "return_address": "Returns, 1200 Harbor Way, Unit 5, Oakland, CA 94607, USA",
        },
    )
    now = timezone.now()
    orders = list(Order.objects.filter(store=store).order_by("platform_order_id")[: len(BUYER_LINES) + 2])
    for order, (hours_ago, text) in zip(orders, BUYER_LINES, strict=False):
        services.message_receive(order=order, body=text, at=now - timedelta(hours=hours_ago))
    # Answered (its relay send shown as failed; the demo worker picks the queued task up and sends it
    # to the console mailer), and one marked "no response needed".
    services.reply_send(
        order=orders[2],
        body="Thank you for asking. The colour can still be changed: "
        "reply with the one you would like and we will update the order.",
        by=agent,
    )
    Message.objects.filter(thread__order=orders[2], direction="to_buyer").update(
        delivery=Delivery.FAILED, delivery_error="SMTPServerDisconnected: Connection unexpectedly closed"
    )
    services.message_no_response(
        message=Message.objects.get(thread__order=orders[4], direction="from_buyer"),
        reason="The buyer confirms the replacement arrived.",
        by=agent,
    )
    # A defect video too large for the platform: the notice went out, the summary is still owed.
    services.off_platform_start(
        order=orders[5],
        reason="large_file",
        detail="The buyer has a 1.5 GB video of the flickering lamp.",
        by=agent,
    )
    services.reply_send(
        order=orders[5],
        purpose="off_platform_notice",
        by=agent,
        body="The video is larger than the platform's messages can carry. For that file only, we "
        "will send you an upload link by e-mail; our final answer will come back in this thread.",
    )
    UnmatchedMail.objects.get_or_create(
        store=store,
        rfc_message_id="<demo-unmatched@relay.example>",
        defaults={
            "sender": "unknown.buyer@relay.example",
            "subject": "Question about my lamp",
            "body": "Hi, I bought a lamp last month and it stopped working. Can you help?",
            "received_at": now - timedelta(hours=3),
            "why": "No order id in the mail, and the sender is not a known buyer.",
            "raw": b"From: unknown.buyer@relay.example\r\nSubject: Question about my lamp\r\n"
            b"Message-ID: <demo-unmatched@relay.example>\r\n\r\n"
            b"Hi, I bought a lamp last month and it stopped working. Can you help?\r\n",
        },
    )


def seed_demo_messaging(data: DemoData) -> None:
    """The `seed_demo` seeder: the threads go to the Amazon store, answered by lin.agent."""
    store, agent = data.stores.get("Amazon US"), data.users.get("lin.agent")
    if store is None or agent is None:
        return
    with transaction.atomic():
        seed_messaging(store, agent)
