"""Relay mail in: parse a raw message, find its order, file it once (by Message-ID), or keep it
in the unmatched list for an agent. Also the IMAP poll of one store's mailbox."""

import email
import email.policy
import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr, parsedate_to_datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from disputes.models import Buyer, Order, Store

from .models import Message, StoreMessaging, UnmatchedMail
from .services import AttachmentData, MessagingError, message_receive

log = logging.getLogger(__name__)

AMAZON_ORDER_ID = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{4,62}[A-Za-z0-9]")
MAX_TOKENS = 300


@dataclass
class ParsedMail:
    message_id: str
    sender: str
    subject: str
    body: str
    at: datetime
    attachments: list[AttachmentData] = field(default_factory=list)


def parse(raw: bytes) -> ParsedMail:
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = (mail.get("Message-ID") or "").strip()
    if not message_id:
        # Without one, the content's fingerprint keeps a re-poll from filing it twice.
        message_id = "<sha256-%s@desk.invalid>" % hashlib.sha256(raw).hexdigest()
    try:
        at = parsedate_to_datetime(mail["Date"]) if mail["Date"] else timezone.now()
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
    except (TypeError, ValueError):
        at = timezone.now()
    part = mail.get_body(preferencelist=("plain", "html"))
    body = ""
    if part is not None:
        body = part.get_content()
        if part.get_content_type() == "text/html":
            body = strip_tags(body)
    attachments = [
        AttachmentData(name=a.get_filename() or "attachment", content_type=a.get_content_type(),
                       content=a.get_payload(decode=True) or b"")
        for a in mail.iter_attachments()
    ]
    return ParsedMail(message_id=message_id[:500], sender=parseaddr(mail.get("From", ""))[1].lower(),
                      subject=str(mail.get("Subject", ""))[:500], body=body.strip(), at=min(at, timezone.now()),
                      attachments=attachments)


def find_order(store: Store, mail: ParsedMail) -> tuple[Order | None, str]:
    """The order this mail belongs to, or why it cannot be told."""
    text = f"{mail.subject}\n{mail.body}"
    tokens = set(AMAZON_ORDER_ID.findall(text)) | set(TOKEN.findall(text)[:MAX_TOKENS])
    orders = list(Order.objects.filter(store=store, platform_order_id__in=tokens).select_related("buyer"))
    buyer = Buyer.objects.filter(store=store, alias__iexact=mail.sender).first() if mail.sender else None
    if len(orders) > 1:
        mine = [order for order in orders if buyer and order.buyer_id == buyer.pk]
        if len(mine) == 1:
            return mine[0], ""
        return None, _("The mail names several orders.")
    if len(orders) == 1:
        order = orders[0]
        if order.buyer and mail.sender and order.buyer.alias.lower() != mail.sender:
            return None, _("Order %(order)s belongs to another buyer.") % {"order": order.platform_order_id}
        return order, ""
    if buyer is None:
        return None, _("No order id in the mail, and the sender is not a known buyer.")
    buyer_orders = list(Order.objects.filter(buyer=buyer).order_by("-purchased_at")[:2])
    if len(buyer_orders) == 1:
        return buyer_orders[0], ""
    return None, _("No order id in the mail, and the buyer has several orders.")


def already_filed(store: Store, message_id: str) -> bool:
    return (Message.objects.filter(store=store, rfc_message_id=message_id).exists()
            or UnmatchedMail.objects.filter(store=store, rfc_message_id=message_id).exists())


def file_mail(store: Store, raw: bytes) -> str:
    """File one raw message; returns "filed", "unmatched" or "duplicate"."""
    mail = parse(raw)
    if already_filed(store, mail.message_id):
        return "duplicate"
    order, why = find_order(store, mail)
    try:
        with transaction.atomic():
            if order is not None:
                message_receive(order=order, body=mail.body or mail.subject, at=mail.at, subject=mail.subject,
                                author_name=mail.sender, rfc_message_id=mail.message_id,
                                attachments=mail.attachments)
                return "filed"
            UnmatchedMail.objects.create(store=store, rfc_message_id=mail.message_id, sender=mail.sender,
                                         subject=mail.subject, body=mail.body, received_at=mail.at, raw=raw,
                                         why=why)
            return "unmatched"
    except IntegrityError:
        # Another poller filed the same Message-ID between our check and our insert.
        return "duplicate"


@transaction.atomic
def unmatched_file(*, mail: UnmatchedMail, order: Order, by) -> Message:
    """An agent files an unmatched mail into an order's thread by hand."""
    mail = UnmatchedMail.objects.select_for_update().get(pk=mail.pk)
    if mail.filed_at is not None:
        raise MessagingError(_("This mail was filed already."))
    if order.store_id != mail.store_id:
        raise MessagingError(_("Choose an order of the same store."))
    parsed = parse(bytes(mail.raw))
    message = message_receive(order=order, body=parsed.body or parsed.subject, at=parsed.at, subject=parsed.subject,
                              author_name=parsed.sender, rfc_message_id=mail.rfc_message_id,
                              attachments=parsed.attachments, by=by)
    mail.filed_at, mail.filed_by, mail.filed_message = timezone.now(), by, message
    mail.save(update_fields=["filed_at", "filed_by", "filed_message"])
    return message


def poll(account: StoreMessaging, *, lookback: timedelta = timedelta(days=14)) -> dict[str, int]:
    """Read the store's relay mailbox and file what is new. Messages are read with BODY.PEEK so
    their flags stay as they were; the Message-ID keeps a re-read from filing twice."""
    from imapclient import IMAPClient

    counts = {"filed": 0, "unmatched": 0, "duplicate": 0}
    since = (account.last_polled_at or timezone.now()) - lookback
    started = timezone.now()
    with IMAPClient(account.imap_host, port=account.imap_port, ssl=account.imap_ssl,
                    timeout=settings.DESK_MAIL_TIMEOUT) as client:
        client.login(account.imap_user, account.imap_password)
        client.select_folder(account.imap_folder, readonly=True)
        uids = client.search(["SINCE", since.date()])
        for start in range(0, len(uids), 50):
            fetched = client.fetch(uids[start:start + 50], ["BODY.PEEK[]"])
            for uid in uids[start:start + 50]:
                raw = fetched.get(uid, {}).get(b"BODY[]")
                if raw:
                    counts[file_mail(account.store, raw)] += 1
    StoreMessaging.objects.filter(pk=account.pk).update(last_polled_at=started, last_poll_error="")
    return counts
