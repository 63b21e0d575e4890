"""Amazon's buyer-seller relay mail as it arrives (tests/relay_mail/: HTML-only and
multipart/alternative, quoted-printable and base64, the relay's template and footer, the
+CASE alias, the donotreply copy of the seller's own reply and a look-alike of it), through `import_eml` and the IMAP
poll against a real Dovecot."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from imapclient import IMAPClient

from disputes.models import Buyer, Order, Platform, Store
from messaging import inbound, services
from messaging.models import Direction, Message, ReplyState, StoreMessaging, UnmatchedMail
from messaging.tasks import poll_mailbox

from .test_mail import relay_mail
from .test_mail_imap import imap  # noqa: F401  (the Dovecot fixture)

MAILS = Path(__file__).parent / "relay_mail"
QUESTION = MAILS / "buyer_question_html_only_qp.eml"
FOLLOW_UP = MAILS / "buyer_followup_alternative_base64.eml"
COPY = MAILS / "seller_reply_copy_donotreply.eml"
OTHER_STORE = MAILS / "other_store_order.eml"
DIGEST = MAILS / "platform_digest_donotreply.eml"
FORGED = MAILS / "forged_copy_dmarc_fail.eml"
ALL = [QUESTION, FOLLOW_UP, COPY, OTHER_STORE, DIGEST, FORGED]
NOT_VERIFIED = (
    "The mail says it comes from the platform (donotreply@amazon.com), but the receiving server did not "
    "verify that (no DMARC pass)."
)

QUESTION_WORDS = (
    "Hello,\n\nthe lamp arrived today but the glass shade is cracked – see the photo in my earlier "
    "message.\nCan you send a new shade or should I return it?\n\nThanks, Sam"
)
REPLY_WORDS = (
    "Hello Sam,\n\nwe are sorry about the cracked shade. A new shade ships tomorrow with UPS; there is "
    "no need to return the lamp.\n\nKind regards,\nAlpha Lighting"
)


@pytest.fixture
def amazon(world):
    """The world's buyer with an Amazon relay alias, and a second (Amazon.de) store of the seller
    with its own order."""
    Buyer.objects.filter(pk=world.order_a.buyer_id).update(alias="q7x2buyer@marketplace.amazon.com")
    germany = Store.objects.create(
        name="Alpha Amazon DE",
        platform=Platform.AMAZON,
        marketplace="DE",
        time_zone="Europe/Berlin",
        currency="EUR",
    )
    Order.objects.create(
        store=germany,
        buyer=Buyer.objects.create(store=germany, alias="x9k4buyer@marketplace.amazon.de"),
        platform_order_id="302-1234567-7654321",
        purchased_at=timezone.now(),
        currency="EUR",
    )
    return world


def import_eml(world, *paths: Path) -> list[str]:
    out = StringIO()
    with translation.override("en"):
        call_command("import_eml", *map(str, paths), "--store", world.store_a.name, stdout=out)
    return out.getvalue().splitlines()


def check_the_thread(world) -> None:
    """What the five mails leave in the database, however they came in."""
    question, follow_up, copy = Message.objects.filter(thread__order=world.order_a).order_by("at")
    # The buyer's words alone, without the template's CSS, header and footer or the quoted history.
    assert question.body == QUESTION_WORDS
    assert question.subject == "Inquiry from Amazon customer Sam Porter (Order: 111-0000001-0000001)"
    for kept in (question, follow_up, copy):
        assert "{" not in kept.body and "Copyright" not in kept.body and "Begin message" not in kept.body
        assert "Copyright 2026 Amazon.com" in kept.folded
    assert "> On Sat, Nov 28, 2026 at 6:02 PM, Alpha Lighting wrote:" in question.folded
    assert "Item: Brass Desk Lamp, Warm White" in question.folded
    assert "color:" not in question.folded
    assert follow_up.body == (
        "Ich habe noch ein Foto gemacht: die Glasschirm-Kante ist gesplittert.\nBitte um Ersatz – danke!"
    )
    # The +CASE alias is the known buyer.
    assert (question.direction, follow_up.direction) == (Direction.FROM_BUYER, Direction.FROM_BUYER)
    # Amazon's copy of the seller's reply is our message: no clock, and it answers the buyer.
    assert copy.direction == Direction.TO_BUYER
    assert (copy.reply_state, copy.reply_by, copy.next_alert_at) == ("", None, None)
    assert copy.body == REPLY_WORDS and copy.author_name == "donotreply@amazon.com"
    for answered in (question, follow_up):
        answered.refresh_from_db()
        assert answered.reply_state == ReplyState.REPLIED and answered.answered_by == copy
    assert not Message.objects.filter(reply_state=ReplyState.AWAITING).exists()
    # The other mails wait in the unmatched list, each saying what it is.
    forged, other, digest = UnmatchedMail.objects.order_by("received_at")
    assert forged.why == NOT_VERIFIED
    assert other.why == "Order 302-1234567-7654321 is an order of another store, not of Alpha Amazon US."
    assert digest.why == "A mail from the platform (donotreply@amazon.com), not from a buyer."
    assert other.body == "Wo bleibt meine Lampe? Die Lieferung war für Montag angekündigt."


def test_amazon_relay_mail_through_import_eml(amazon):
    lines = import_eml(amazon, *ALL)
    assert lines == [
        f"{QUESTION}: filed",
        f"{FOLLOW_UP}: filed",
        f"{COPY}: filed",
        f"{OTHER_STORE}: unmatched (Order 302-1234567-7654321 is an order of another store, not of Alpha Amazon US.)",
        f"{DIGEST}: unmatched (A mail from the platform (donotreply@amazon.com), not from a buyer.)",
        f"{FORGED}: unmatched ({NOT_VERIFIED})",
        "3 filed, 3 unmatched, 0 duplicate",
    ]
    check_the_thread(amazon)
    assert import_eml(amazon, *ALL)[-1] == "0 filed, 0 unmatched, 6 duplicate"
    assert Message.objects.count() == 3 and UnmatchedMail.objects.count() == 3


@pytest.mark.slow
def test_amazon_relay_mail_through_the_imap_poll(amazon, imap):  # noqa: F811
    account = StoreMessaging.objects.create(
        store=amazon.store_a,
        imap_host=imap.host,
        imap_port=imap.port,
        imap_ssl=False,
        imap_user=imap.user,
        imap_password=imap.password,
        polling_enabled=True,
    )
    with IMAPClient(imap.host, port=imap.port, ssl=False) as client:
        client.login(imap.user, imap.password)
        for path in ALL:
            client.append("INBOX", path.read_bytes())
    with translation.override("en"):
        assert poll_mailbox(account.pk) == {"filed": 3, "unmatched": 3, "duplicate": 0}
        assert poll_mailbox(account.pk) == {"filed": 0, "unmatched": 0, "duplicate": 6}
    check_the_thread(amazon)


def test_the_copy_of_a_reply_sent_from_the_desk_is_not_filed_twice(amazon):
    assert import_eml(amazon, QUESTION)[0].endswith("filed")
    sent = services.reply_send(order=amazon.order_a, body=REPLY_WORDS, by=amazon.agent_a)
    assert import_eml(amazon, COPY)[0] == f"{COPY}: duplicate"
    assert list(Message.objects.filter(direction=Direction.TO_BUYER)) == [sent]


def test_a_copy_alone_starts_no_clock(amazon):
    assert import_eml(amazon, COPY)[0] == f"{COPY}: filed"
    message = Message.objects.get()
    assert (message.direction, message.reply_state) == (Direction.TO_BUYER, "")


def test_the_case_part_of_an_alias_never_makes_another_buyer_the_owner(amazon):
    with translation.override("en"):
        result = inbound.file_mail_explained(
            amazon.store_a,
            relay_mail(sender="zz9buyer+q7x2buyer@marketplace.amazon.com", message_id="<case@x>"),
        )
    assert result == ("unmatched", "Order 111-0000001-0000001 belongs to another buyer.")


def test_an_order_id_the_desk_does_not_know_is_named(amazon):
    with translation.override("en"):
        result = inbound.file_mail_explained(
            amazon.store_a,
            relay_mail(
                sender="new@marketplace.amazon.com", subject="Order 113-7654321-1234567", message_id="<n@x>"
            ),
        )
    assert result == (
        "unmatched",
        "Order 113-7654321-1234567 is not among the orders of Alpha Amazon US (not imported yet?).",
    )


def test_the_thread_shows_the_buyers_words_and_folds_the_rest(amazon, agent_client):
    import_eml(amazon, QUESTION)
    page = agent_client.get(reverse("disputes:order", args=[amazon.order_a.pk])).content.decode()
    assert "the lamp arrived today but the glass shade is cracked" in page
    folded = page.split('<details class="message-folded">', 1)[1].split("</details>", 1)[0]
    assert "Copyright 2026 Amazon.com" in folded and "Thank you for your order." in folded
    assert "text-decoration" not in page


def test_a_look_alike_copy_never_stops_the_buyers_clock(amazon):
    import_eml(amazon, QUESTION)
    assert import_eml(amazon, FORGED)[0] == f"{FORGED}: unmatched ({NOT_VERIFIED})"
    question = Message.objects.get()
    assert question.reply_state == ReplyState.AWAITING and question.reply_by is not None
    # An agent who files it by hand files a buyer-side mail, never a reply of ours.
    message = inbound.unmatched_file(
        mail=UnmatchedMail.objects.get(), order=amazon.order_a, by=amazon.agent_a
    )
    assert message.direction == Direction.FROM_BUYER
    question.refresh_from_db()
    assert question.reply_state == ReplyState.AWAITING
