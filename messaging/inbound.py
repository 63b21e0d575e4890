"""Relay mail in: parse a raw message, find its order, file it once (by Message-ID), or keep it
in the unmatched list for an agent. Also the IMAP poll of one store's mailbox.

Relay mail is hostile input: any header, part or name may be missing, malformed or huge. A mail
that cannot be read or filed never stops the others: it is kept whole in the unmatched list with
its reason, and when the cause was an error (not a mail that simply names no order) it is also
set aside for a manager, whose retry files it again from the kept raw mail."""

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
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import setaside
from disputes.models import Buyer, Order, SetAsideKind, Store

from . import notices
from .mailtext import html_to_text, split_words
from .models import Message, PlatformNotice, StoreMessaging, UnmatchedMail
from .services import AttachmentData, MessagingError, message_receive, sent_copy_record

log = logging.getLogger(__name__)

AMAZON_ORDER_ID = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{4,62}[A-Za-z0-9]")
MAX_TOKENS = 300
# Relay headers are a few kilobytes. Python's header parser slows down with the square of some
# header shapes, so a mail with more than this before its body is not parsed at all.
MAX_HEADER_BYTES = 64 * 1024
HEADER_END = re.compile(rb"\r?\n\r?\n")
NAME_LIMIT = 100
# The platform's own sending addresses. From one of them, a mail that reads as a copy of a
# message the seller sent is filed as sent; any other is not a buyer's and stays unmatched.
PLATFORM_SENDER = re.compile(
    r"^(?:donotreply|do-not-reply|noreply|no-reply)@(?:[a-z0-9-]+\.)*amazon\."
    r"(?:com|ca|com\.mx|com\.br|co\.uk|de|fr|it|es|nl|se|pl|com\.be|com\.tr|ae|sa|eg|in|sg|com\.au|co\.jp)$"
)
# The receiving server's verdict on the sender's domain (RFC 8601), in the topmost
# Authentication-Results header: the ones below it may have been written by anyone.
DMARC_PASS = re.compile(r"\bdmarc=pass\b[^;]*\bheader\.from=([a-z0-9.-]+)", re.IGNORECASE)
SENT_COPY = re.compile(
    r"your (?:e-?mail|message) to|copy of (?:your|the) (?:e-?mail|message)|message you sent|sent message",
    re.IGNORECASE,
)


class MailRefused(Exception):
    """The desk does not take this mail as it is; the message says why, for the unmatched list."""


@dataclass
class ParsedMail:
    message_id: str
    sender: str
    subject: str
    body: str
    at: datetime
    attachments: list[AttachmentData] = field(default_factory=list)
    folded: str = ""  # the platform's template and the quoted history around the body
    dmarc_domain: str = ""  # the From domain the receiving server verified (DMARC pass), if any

    @property
    def from_platform(self) -> bool:
        """Sent from the platform's own address (verified or not)."""
        return bool(PLATFORM_SENDER.match(self.sender))

    @property
    def platform_verified(self) -> bool:
        return self.from_platform and self.sender.partition("@")[2] == self.dmarc_domain

    @property
    def is_sent_copy(self) -> bool:
        """The platform's copy of a message the seller sent (not the buyer's words), verified as
        the platform's by the receiving server."""
        return self.platform_verified and bool(
            SENT_COPY.search(f"{self.subject}\n{self.folded}\n{self.body}")
        )


def _text(value: str) -> str:
    """Text safe to store: raw 8-bit header bytes read as UTF-8, anything undecodable replaced,
    no NUL (PostgreSQL refuses it in text)."""
    try:
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value.replace("\x00", "")


def safe_name(name: str) -> str:
    """The file name a sender gave, made safe to show and to store: its last path part only,
    printable characters only, at most NAME_LIMIT characters (keeping the extension), never
    empty, "." or ".."."""
    name = re.split(r"[/\\]", _text(name))[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if name in ("", ".", ".."):
        return "attachment"
    if len(name) > NAME_LIMIT:
        stem, dot, extension = name.rpartition(".")
        extension = extension[:10] if dot else ""
        name = (
            stem[: NAME_LIMIT - len(extension) - 1].rstrip() + "." + extension
            if extension
            else name[:NAME_LIMIT]
        )
    return name


def _fingerprint_id(raw: bytes) -> str:
    # Without a Message-ID, the content's fingerprint keeps a re-poll from filing it twice.
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@desk.invalid>"


def _body(mail) -> tuple[str, str]:
    """The writer's words and the rest (template, quoted history) of the mail's text."""
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", ""
    try:
        body = part.get_content()
    except LookupError:
        # A charset Python does not know: most relay mail is UTF-8 whatever it claims.
        body = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        body = html_to_text(body)
    return split_words(_text(body))


def _attachments(mail) -> list[AttachmentData]:
    limit = settings.DESK_MAIL_ATTACHMENT_MAX_BYTES
    found = []
    for part in mail.iter_attachments():
        name = safe_name(part.get_filename() or "")
        content = part.get_payload(decode=True) or b""
        if len(content) > limit:
            raise MailRefused(
                _("The attachment “%(name)s” is %(size)s; the desk keeps attachments up to %(limit)s.")
                % {"name": name, "size": filesizeformat(len(content)), "limit": filesizeformat(limit)}
            )
        found.append(
            AttachmentData(name=name, content_type=_text(part.get_content_type())[:100], content=content)
        )
    return found


def parse(raw: bytes) -> ParsedMail:
    """The parts of a raw mail the desk files. Raises MailRefused for a mail it does not take
    (headers too large, an attachment over the limit); other errors are left to the caller."""
    header_end = HEADER_END.search(raw)
    header_size = header_end.start() if header_end else len(raw)
    if header_size > MAX_HEADER_BYTES:
        raise MailRefused(
            _("The mail's headers take %(size)s; the desk reads at most %(limit)s.")
            % {"size": filesizeformat(header_size), "limit": filesizeformat(MAX_HEADER_BYTES)}
        )
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = _text(str(mail.get("Message-ID") or "")).strip() or _fingerprint_id(raw)
    try:
        at = parsedate_to_datetime(str(mail["Date"])) if mail["Date"] else timezone.now()
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        at = timezone.now()
    body, folded = _body(mail)
    verdict = DMARC_PASS.search(_text(str(mail.get("Authentication-Results", ""))))
    return ParsedMail(
        message_id=message_id[:500],
        sender=_text(parseaddr(str(mail.get("From", "")))[1]).lower()[:255],
        # A folded header keeps its line break and indent: one line, no leading space.
        subject=" ".join(_text(str(mail.get("Subject", ""))).split())[:500],
        body=body,
        folded=folded,
        dmarc_domain=verdict.group(1).lower() if verdict else "",
        at=min(at, timezone.now()),
        attachments=_attachments(mail),
    )


def _as_it_stands(raw: bytes) -> ParsedMail:
    """What can be shown of a mail that could not be parsed: its headers as written (the lenient
    compat32 parser does not interpret them), or nothing."""
    try:
        mail = email.message_from_bytes(raw[:MAX_HEADER_BYTES], policy=email.policy.compat32)
        message_id, sender, subject = (
            _text(str(mail.get(name, ""))).strip()[:limit]
            for name, limit in (("Message-ID", 500), ("From", 255), ("Subject", 500))
        )
    except Exception:  # the fallback itself must never fail
        message_id = sender = subject = ""
    return ParsedMail(
        message_id=message_id or _fingerprint_id(raw),
        sender=sender.lower(),
        subject=subject,
        body="",
        at=timezone.now(),
    )


def base_address(address: str) -> str:
    """A relay address without its "+..." part: Amazon writes alias+CASE@marketplace.amazon.com
    for the same buyer alias@marketplace.amazon.com."""
    local, at, domain = address.lower().partition("@")
    return local.split("+", 1)[0] + at + domain


def find_order(store: Store, mail: ParsedMail) -> tuple[Order | None, str]:
    """The order this mail belongs to, or why it cannot be told. The platform's copy of the
    seller's own message is placed by its order id alone (its sender is the platform)."""
    text = f"{mail.subject}\n{mail.body}\n{mail.folded}"
    order_ids = set(AMAZON_ORDER_ID.findall(text))
    tokens = order_ids | set(TOKEN.findall(text)[:MAX_TOKENS])
    orders = list(Order.objects.filter(store=store, platform_order_id__in=tokens).select_related("buyer"))
    if mail.from_platform:
        if not mail.platform_verified:
            return None, _(
                "The mail says it comes from the platform (%(sender)s), but the receiving server did not "
                "verify that (no DMARC pass)."
            ) % {"sender": mail.sender}
        if len(orders) == 1 and mail.is_sent_copy:
            return orders[0], ""
        if not mail.is_sent_copy:
            return None, _("A mail from the platform (%(sender)s), not from a buyer.") % {
                "sender": mail.sender
            }
        if orders:
            return None, _("The mail names several orders.")
        return None, _not_here(store, order_ids)
    sender = base_address(mail.sender) if mail.sender else ""
    buyer = _buyer(store, sender)
    if len(orders) > 1:
        mine = [order for order in orders if buyer and order.buyer_id == buyer.pk]
        if len(mine) == 1:
            return mine[0], ""
        return None, _("The mail names several orders.")
    if len(orders) == 1:
        order = orders[0]
        if order.buyer and sender and base_address(order.buyer.alias) != sender:
            return None, _("Order %(order)s belongs to another buyer.") % {"order": order.platform_order_id}
        return order, ""
    if buyer is not None:
        buyer_orders = list(Order.objects.filter(buyer=buyer).order_by("-purchased_at")[:2])
        if len(buyer_orders) == 1:
            return buyer_orders[0], ""
    if order_ids:
        return None, _not_here(store, order_ids)
    if buyer is None:
        return None, _("No order id in the mail, and the sender is not a known buyer.")
    return None, _("No order id in the mail, and the buyer has several orders.")


def _buyer(store: Store, sender: str) -> Buyer | None:
    """The store's buyer with this relay address, with or without a "+..." part."""
    if not sender:
        return None
    local, _at, domain = sender.partition("@")
    for buyer in Buyer.objects.filter(store=store, alias__istartswith=local, alias__iendswith=domain):
        if base_address(buyer.alias) == sender:
            return buyer
    return None


def _not_here(store: Store, order_ids: set[str]) -> str:
    """Why order ids named in a mail place it nowhere in this store: what they are."""
    named = ", ".join(sorted(order_ids)[:3])
    if Order.objects.filter(platform_order_id__in=order_ids).exclude(store=store).exists():
        return _("Order %(order)s is an order of another store, not of %(store)s.") % {
            "order": named,
            "store": store.name,
        }
    return _("Order %(order)s is not among the orders of %(store)s (not imported yet?).") % {
        "order": named,
        "store": store.name,
    }


def _file_into(order: Order, mail: ParsedMail, rfc_message_id: str, by=None) -> Message | None:
    """File a parsed mail in the order's thread: a buyer's message, or the platform's copy of
    the seller's own message (None when the thread holds it already)."""
    if mail.is_sent_copy:
        return sent_copy_record(
            order=order,
            body=mail.body or mail.subject,
            at=mail.at,
            subject=mail.subject,
            author_name=mail.sender,
            rfc_message_id=rfc_message_id,
            folded=mail.folded,
            attachments=mail.attachments,
            by=by,
        )
    return message_receive(
        order=order,
        body=mail.body or mail.subject,
        at=mail.at,
        subject=mail.subject,
        author_name=mail.sender,
        rfc_message_id=rfc_message_id,
        attachments=mail.attachments,
        folded=mail.folded,
        by=by,
    )


def already_filed(store: Store, message_id: str) -> bool:
    return (
        Message.objects.filter(store=store, rfc_message_id=message_id).exists()
        or UnmatchedMail.objects.filter(store=store, rfc_message_id=message_id).exists()
        or PlatformNotice.objects.filter(store=store, rfc_message_id=message_id).exists()
    )


def file_mail(store: Store, raw: bytes) -> str:
    """File one raw message; returns what `file_mail_explained` does, without the reason."""
    return file_mail_explained(store, raw)[0]


def file_mail_explained(store: Store, raw: bytes) -> tuple[str, str]:
    """File one raw message; returns "filed", "unmatched" or "duplicate", or for a platform's
    claim notice "claim opened", "claim updated" or "claim closed" (`notices`), and for
    unmatched mail why. Never raises for the mail's sake: one that cannot be read or filed is
    kept as unmatched with its reason."""
    try:
        mail = parse(raw)
    except MailRefused as refused:
        return _keep_unmatched(store, raw, _as_it_stands(raw), str(refused))
    except Exception as error:  # hostile input can break the parser in many ways
        log.exception("relay mail for store %s could not be read", store.pk)
        return _keep_unmatched(store, raw, _as_it_stands(raw), _("The mail could not be read."), error=error)
    if already_filed(store, mail.message_id):
        return "duplicate", ""
    try:
        verdict = notices.classify(store, mail, raw)
        if verdict is not None:
            result, why = (
                notices.act(store, verdict, mail, raw) if verdict.notice else ("unmatched", verdict.refused)
            )
            return _keep_unmatched(store, raw, mail, why) if result == "unmatched" else (result, why)
        order, why = find_order(store, mail)
        with transaction.atomic():
            if order is not None:
                if _file_into(order, mail, mail.message_id) is None:
                    return "duplicate", ""
                return "filed", ""
            UnmatchedMail.objects.create(
                store=store,
                rfc_message_id=mail.message_id,
                sender=mail.sender,
                subject=mail.subject,
                body=mail.body,
                received_at=mail.at,
                raw=raw,
                why=why[:300],
            )
            return "unmatched", why
    except IntegrityError:
        # Another poller filed the same Message-ID between our check and our insert.
        return "duplicate", ""
    except Exception as error:
        log.exception("relay mail %s for store %s could not be filed", mail.message_id, store.pk)
        return _keep_unmatched(store, raw, mail, _("The mail could not be filed."), error=error)


def _keep_unmatched(
    store: Store, raw: bytes, mail: ParsedMail, why: str, *, error: Exception | None = None
) -> tuple[str, str]:
    """Keep a mail that did not go through in the unmatched list, whole, with the reason; an
    error also sets it aside for a manager's retry."""
    if error is not None:
        why = f"{why} {setaside.describe_error(error)}"
    if already_filed(store, mail.message_id):
        return "duplicate", ""
    try:
        with transaction.atomic():
            kept = UnmatchedMail.objects.create(
                store=store,
                rfc_message_id=mail.message_id,
                sender=mail.sender,
                subject=mail.subject,
                body=mail.body,
                received_at=mail.at,
                raw=raw,
                why=why[:300],
            )
    except IntegrityError:
        return "duplicate", ""
    if error is not None:
        setaside.record(
            kind=SetAsideKind.INBOUND_MAIL,
            subject_id=kept.pk,
            store_id=store.pk,
            label=mail.subject or mail.message_id,
            reason=why,
        )
    return "unmatched", why


def mail_refile(*, mail_id: int) -> str:
    """A manager's retry of a mail set aside: read the kept raw mail again and file it if it
    now goes through. Returns "filed", "unmatched" (still no order, or refused) or "failed"."""
    mail = UnmatchedMail.objects.select_related("store").filter(pk=mail_id, filed_at__isnull=True).first()
    if mail is None:
        return "filed"
    try:
        parsed = parse(bytes(mail.raw))
        verdict = notices.classify(mail.store, parsed, bytes(mail.raw))
        if verdict is not None:
            # A platform's notice acts on its claim, or stays unmatched with the reason.
            result, why = (
                notices.act(mail.store, verdict, parsed, bytes(mail.raw), message_id=mail.rfc_message_id)
                if verdict.notice
                else ("unmatched", verdict.refused)
            )
            if result == "unmatched":
                UnmatchedMail.objects.filter(pk=mail.pk).update(why=why[:300])
                return "unmatched"
            UnmatchedMail.objects.filter(pk=mail.pk).update(filed_at=timezone.now())
            return "filed"
        order, why = find_order(mail.store, parsed)
        with transaction.atomic():
            if order is None:
                UnmatchedMail.objects.filter(pk=mail.pk).update(why=why[:300])
                return "unmatched"
            message = _file_into(order, parsed, mail.rfc_message_id)
            UnmatchedMail.objects.filter(pk=mail.pk).update(filed_at=timezone.now(), filed_message=message)
            return "filed"
    except MailRefused as refused:
        UnmatchedMail.objects.filter(pk=mail.pk).update(why=str(refused)[:300])
        return "unmatched"
    except Exception as error:
        log.exception("unmatched mail %s could not be filed again", mail.pk)
        setaside.record(
            kind=SetAsideKind.INBOUND_MAIL,
            subject_id=mail.pk,
            store_id=mail.store_id,
            label=mail.subject or mail.rfc_message_id,
            reason=setaside.describe_error(error),
        )
        return "failed"


@transaction.atomic
def unmatched_file(*, mail: UnmatchedMail, order: Order, by) -> Message:
    """An agent files an unmatched mail into an order's thread by hand."""
    mail = UnmatchedMail.objects.select_for_update().get(pk=mail.pk)
    if mail.filed_at is not None:
        raise MessagingError(_("This mail was filed already."))
    if order.store_id != mail.store_id:
        raise MessagingError(_("Choose an order of the same store."))
    try:
        parsed = parse(bytes(mail.raw))
    except MailRefused as refused:
        raise MessagingError(str(refused)) from refused
    except Exception as error:  # hostile raw mail: the agent is told why, not shown an error page
        raise MessagingError(
            f"{_('The mail could not be read.')} {setaside.describe_error(error)}"
        ) from error
    message = _file_into(order, parsed, mail.rfc_message_id, by=by)
    if message is None:
        raise MessagingError(_("This order's thread holds this message already."))
    mail.filed_at, mail.filed_by, mail.filed_message = timezone.now(), by, message
    mail.save(update_fields=["filed_at", "filed_by", "filed_message"])
    return message


def poll(account: StoreMessaging, *, lookback: timedelta = timedelta(days=14)) -> dict[str, int]:
    """Read the store's relay mailbox and file what is new. Messages are read with BODY.PEEK so
    their flags stay as they were; the Message-ID keeps a re-read from filing twice."""
    from imapclient import IMAPClient

    counts = {"filed": 0, "unmatched": 0, "duplicate": 0}  # and claim notices' results, once any
    since = (account.last_polled_at or timezone.now()) - lookback
    started = timezone.now()
    with IMAPClient(
        account.imap_host, port=account.imap_port, ssl=account.imap_ssl, timeout=settings.DESK_MAIL_TIMEOUT
    ) as client:
        client.login(account.imap_user, account.imap_password)
        client.select_folder(account.imap_folder, readonly=True)
        uids = client.search(["SINCE", since.date()])
        for start in range(0, len(uids), 50):
            batch = uids[start : start + 50]
            for uid, raw in _fetch(client, batch):
                try:
                    result = file_mail(account.store, raw)
                    counts[result] = counts.get(result, 0) + 1
                except Exception:
                    # file_mail keeps what it cannot file; this is the database itself failing.
                    log.exception("relay mail uid %s of store %s was not filed", uid, account.store_id)
    StoreMessaging.objects.filter(pk=account.pk).update(last_polled_at=started, last_poll_error="")
    return counts


def _fetch(client, uids: list[int]) -> list[tuple[int, bytes]]:
    """The raw messages of these UIDs, read in one request; if the server refuses that, one by
    one, skipping (and logging) a message it will not give."""
    from imapclient.exceptions import IMAPClientError

    try:
        fetched = client.fetch(uids, ["BODY.PEEK[]"])
    except IMAPClientError:
        log.warning("mailbox refused a batch of %s messages; reading them one by one", len(uids))
        fetched = {}
        for uid in uids:
            try:
                fetched.update(client.fetch([uid], ["BODY.PEEK[]"]))
            except IMAPClientError as error:
                log.warning("relay mail uid %s could not be read: %s", uid, error)
    return [(uid, raw) for uid in uids if (raw := fetched.get(uid, {}).get(b"BODY[]"))]
