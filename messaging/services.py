"""Every change to a thread happens here, in one transaction with its audit rows: messages in
and out, the reply clock, the policy check on sending, the harassment guard and the
off-platform protocol."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import tagging
from disputes.access import is_manager
from disputes.models import Claim, ClaimEvent, ClaimStatus, Order, Tag
from disputes.timeline import Action, entry, record_for_claims

from . import automation, filling, outgoing, policy, sla
from .models import (
    Attachment,
    Channel,
    Delivery,
    Direction,
    Message,
    OffPlatformReason,
    OffPlatformState,
    Purpose,
    ReplyState,
    ReplyTemplate,
    RuleDraft,
    StoreMessaging,
    TemplateUse,
    Thread,
)


class MessagingError(Exception):
    """A step the rules do not allow; the message says why, for the user."""


class PolicyBlocked(MessagingError):
    """The text has blocking findings and nobody with the right to override did."""

    def __init__(self, findings: list[policy.Finding]) -> None:
        self.findings = findings
        super().__init__(
            _(
                "The message breaks the platform's messaging policy; fix the highlighted "
                "findings (or a manager may override them with a reason)."
            )
        )


@dataclass(frozen=True)
class AttachmentData:
    name: str
    content_type: str
    content: bytes


def thread_for(order: Order) -> Thread:
    thread, _created = Thread.objects.get_or_create(order=order, defaults={"store": order.store})
    return thread


def _locked_thread(order: Order) -> Thread:
    thread_for(order)
    return (
        Thread.objects.select_for_update(of=("self",))
        .select_related("store", "order", "order__buyer")
        .get(order=order)
    )


def _open_claims(order_id: int) -> list[int]:
    """The claim timeline is the audit trail: a step in the thread goes on each open claim of
    the order."""
    return list(
        Claim.objects.filter(order_id=order_id)
        .filter(~Q(status=ClaimStatus.CLOSED))
        .values_list("pk", flat=True)
    )


def _save_attachments(message: Message, attachments: list[AttachmentData]) -> None:
    for item in attachments:
        record = Attachment(
            message=message,
            name=item.name[:255],
            content_type=item.content_type[:100],
            size=len(item.content),
            sha256=hashlib.sha256(item.content).hexdigest(),
        )
        record.file.save(item.name[-100:] or "attachment", ContentFile(item.content), save=False)
        record.save()


@transaction.atomic
def message_receive(
    *,
    order: Order,
    body: str,
    at: datetime | None = None,
    channel: str = Channel.PLATFORM,
    subject: str = "",
    author_name: str = "",
    rfc_message_id: str = "",
    attachments: list[AttachmentData] | None = None,
    folded: str = "",
    by=None,
    now: datetime | None = None,
) -> Message:
    """A buyer's message: filed in the order's thread, its reply clock started."""
    thread = _locked_thread(order)
    if thread.is_closed:
        # The buyer wrote again: the thread is open until someone answers or closes it anew.
        thread.is_closed, thread.closed_at = False, None
        thread.save(update_fields=["is_closed", "closed_at"])
    message = Message(
        store=order.store,
        thread=thread,
        direction=Direction.FROM_BUYER,
        channel=channel,
        body=body,
        folded=folded,
        at=at or timezone.now(),
        subject=subject[:500],
        rfc_message_id=rfc_message_id[:500],
        author=by,
        author_name=author_name or (order.buyer.alias if order.buyer else ""),
        reads_as_complaint=policy.reads_as_complaint(f"{subject}\n{body}"),
    )
    sla.start_clock(message, now)
    message.save()
    _save_attachments(message, attachments or [])
    record_for_claims(_open_claims(order.pk), Action.BUYER_MESSAGE, by=by, note=body[:200])
    automation.buyer_message_arrived(message, order)
    return message


@transaction.atomic
def sent_copy_record(
    *,
    order: Order,
    body: str,
    at: datetime,
    subject: str = "",
    author_name: str = "",
    rfc_message_id: str = "",
    folded: str = "",
    attachments: list[AttachmentData] | None = None,
    by=None,
) -> Message | None:
    """The platform's copy of a reply the seller sent on the platform itself (Seller Central):
    filed as our message to the buyer, so it starts no clock and answers the buyer messages
    before it. None when the thread already holds that reply (sent from the desk)."""
    thread = _locked_thread(order)
    same = " ".join(body.split())
    for earlier in Message.objects.filter(thread=thread, direction=Direction.TO_BUYER).values_list(
        "body", flat=True
    ):
        if " ".join(earlier.split()) == same:
            return None
    message = Message.objects.create(
        store=order.store,
        thread=thread,
        direction=Direction.TO_BUYER,
        channel=Channel.PLATFORM,
        body=body,
        folded=folded,
        at=at,
        subject=subject[:500],
        rfc_message_id=rfc_message_id[:500],
        author=by,
        author_name=author_name,
        sent_at=at,
    )
    _save_attachments(message, attachments or [])
    _stop_clocks(thread, message)
    record_for_claims(_open_claims(order.pk), Action.MESSAGE_SENT, by=by, note=body[:200])
    return message


@transaction.atomic
def message_no_response(*, message: Message, reason: str, by) -> Message:
    """ "No response needed" stops a buyer message's clock; the reason is kept."""
    message = Message.objects.select_for_update().select_related("thread").get(pk=message.pk)
    if not reason.strip():
        raise MessagingError(_("Say why no response is needed."))
    if message.reply_state != ReplyState.AWAITING:
        raise MessagingError(_("This message is not waiting for a reply."))
    sla.stop_clock(message, ReplyState.NOT_NEEDED, timezone.now())
    message.no_response_reason = reason.strip()[:300]
    message.save(
        update_fields=[
            "reply_state",
            "answered_at",
            "next_alert_at",
            "next_alert_threshold",
            "no_response_reason",
        ]
    )
    record_for_claims(
        _open_claims(message.thread.order_id),
        Action.NO_RESPONSE_NEEDED,
        by=by,
        note=message.no_response_reason,
    )
    return message


def _stop_clocks(thread: Thread, reply: Message) -> int:
    """A reply in the platform thread answers every buyer message before it."""
    return Message.objects.filter(
        thread=thread,
        direction=Direction.FROM_BUYER,
        reply_state=ReplyState.AWAITING,
        at__lte=reply.at,
    ).update(
        reply_state=ReplyState.REPLIED,
        answered_at=reply.sent_at or reply.at,
        answered_by=reply,
        answered_by_author=reply.author,
        next_alert_at=None,
        next_alert_threshold="",
    )


def has_review_request(thread: Thread) -> bool:
    return Message.objects.filter(
        thread=thread, direction=Direction.TO_BUYER, purpose=Purpose.REVIEW_REQUEST
    ).exists()


def relay_address(order: Order) -> str:
    alias = order.buyer.alias if order.buyer else ""
    return alias if "@" in alias else ""


def sender_settings(store) -> StoreMessaging | None:
    try:
        return store.messaging
    except ObjectDoesNotExist:
        return None


def _purpose_for(text: str, purpose: str, template: ReplyTemplate | None) -> str:
    if not purpose and template is not None:
        purpose = template.purpose
    if not purpose and policy.is_review_request(text):
        purpose = Purpose.REVIEW_REQUEST
    return purpose


def _check_off_platform_step(thread: Thread, channel: str, purpose: str) -> None:
    if purpose == Purpose.OFF_PLATFORM_NOTICE:
        if thread.off_platform != OffPlatformState.STARTED:
            raise MessagingError(
                _(
                    "Record why the conversation leaves the platform (an internal note with "
                    "one of the two allowed reasons) before sending the notice."
                )
            )
        if channel != Channel.PLATFORM:
            raise MessagingError(_("The off-platform notice must be sent in the platform thread."))
    elif purpose == Purpose.CLOSING_SUMMARY:
        if thread.off_platform != OffPlatformState.NOTICE_SENT:
            raise MessagingError(
                _(
                    "A closing summary follows an off-platform contact that the buyer was told "
                    "about; this thread has none open."
                )
            )
        if channel != Channel.PLATFORM:
            raise MessagingError(_("The closing summary must be sent in the platform thread."))
    if channel != Channel.PLATFORM and thread.off_platform != OffPlatformState.NOTICE_SENT:
        raise MessagingError(
            _(
                "Contact outside the platform thread needs the off-platform protocol: an "
                "internal note with the reason, then the notice in the platform thread."
            )
        )


@transaction.atomic
def reply_send(
    *,
    order: Order,
    body: str,
    by,
    channel: str = Channel.PLATFORM,
    purpose: str = "",
    template: ReplyTemplate | None = None,
    override_reason: str = "",
    attachments: list[AttachmentData] | None = None,
    now: datetime | None = None,
) -> Message:
    """Our message to the buyer, with the files attached to it (photos and PDFs within what the
    platform carries, checked by their content: messaging.outgoing). In the platform thread it is relayed by e-mail when the store has
    an authorised sender and the buyer a relay address (its clock stops once it is sent), else
    recorded as sent on the platform (the clock stops now). Outside the platform it is only
    recorded, and only within the off-platform protocol."""
    now = now or timezone.now()
    text = body.strip()
    if not text:
        raise MessagingError(_("Write the message first."))
    if too_long := policy.length_error(text):
        raise MessagingError(too_long)
    if left := filling.unfilled(text):
        raise MessagingError(
            _(
                "The text still holds %(placeholders)s: a fact this order lacks. Write it in yourself "
                "or take the sentence out; the desk never guesses it."
            )
            % {"placeholders": ", ".join(f"{{{name}}}" for name in left)}
        )
    if (
        channel not in Channel.values
        or purpose not in Purpose.values
        or purpose == Purpose.OFF_PLATFORM_REASON
    ):
        raise MessagingError(_("Choose a channel and a purpose from the list."))
    thread = _locked_thread(order)
    if thread.is_closed:
        raise MessagingError(_("This thread is closed."))
    findings = policy.check(text, order.store.platform)
    override_reason = override_reason.strip()
    if policy.blocking(findings):
        if not override_reason:
            raise PolicyBlocked(findings)
        if not is_manager(by, order.store):
            raise MessagingError(_("Only a manager of this store can override a blocking finding."))
    purpose = _purpose_for(text, purpose, template)
    if purpose == Purpose.REVIEW_REQUEST and has_review_request(thread):
        raise MessagingError(
            _("The buyer was already asked for a review on this order; a second request is not allowed.")
        )
    _check_off_platform_step(thread, channel, purpose)
    try:
        files = outgoing.check(order.store.platform, [(a.name, a.content) for a in attachments or []])
    except outgoing.AttachmentRefused as refused:
        raise MessagingError(str(refused)) from None

    mail = sender_settings(order.store)
    to = relay_address(order)
    relayed = channel == Channel.PLATFORM and mail is not None and mail.can_send and bool(to)
    message = Message.objects.create(
        store=order.store,
        thread=thread,
        direction=Direction.TO_BUYER,
        channel=channel,
        purpose=purpose,
        author=by,
        author_name=by.get_username() if by else "",
        at=now,
        body=text,
        template=template,
        subject=_("Re: order %(order)s") % {"order": order.platform_order_id},
        delivery=Delivery.QUEUED if relayed else Delivery.NONE,
        recipient=to if relayed else "",
        policy_findings=[f.as_dict() for f in findings],
        override_reason=override_reason if policy.blocking(findings) else "",
        override_by=by if override_reason and policy.blocking(findings) else None,
    )
    _save_attachments(message, [AttachmentData(f.name, f.content_type, f.content) for f in files])
    if channel == Channel.PLATFORM and not relayed:
        _stop_clocks(thread, message)
    if purpose == Purpose.OFF_PLATFORM_NOTICE:
        thread.off_platform = OffPlatformState.NOTICE_SENT
        thread.save(update_fields=["off_platform"])
    elif purpose == Purpose.CLOSING_SUMMARY:
        thread.off_platform = OffPlatformState.SUMMARISED
        thread.save(update_fields=["off_platform"])
    claims = _open_claims(order.pk)
    record_for_claims(
        claims,
        Action.MESSAGE_SENT if channel == Channel.PLATFORM else Action.OFF_PLATFORM_CONTACT,
        by=by,
        purpose=purpose,
        attachments=", ".join(f.name for f in files),
        note=text[:200],
    )
    if message.override_reason:
        record_for_claims(claims, Action.POLICY_OVERRIDE, by=by, note=override_reason)
    if template is not None and by is not None and by.pk:
        _template_use(by, template, last_used_at=now)
    # A draft a rule put in has served once a person has sent a reply.
    RuleDraft.objects.filter(thread=thread, dismissed_at__isnull=True).update(
        dismissed_at=now or timezone.now()
    )
    if relayed:
        _enqueue_send(message.pk)
    return message


def _template_use(user, template: ReplyTemplate, **fields) -> None:
    """Write the user's row for this template (created on first use), in one statement: two
    agents' sends never race into a duplicate."""
    TemplateUse.objects.bulk_create(
        [TemplateUse(user=user, template=template, **fields)],
        update_conflicts=True,
        unique_fields=["user", "template"],
        update_fields=list(fields),
    )


def template_favourite(*, user, template: ReplyTemplate, favourite: bool) -> None:
    """Star or unstar a library template for this user: their favourites list first."""
    _template_use(user, template, is_favourite=favourite)


def _enqueue_send(message_id: int) -> None:
    from .tasks import send_reply

    transaction.on_commit(
        lambda: send_reply.apply_async((message_id,), queue=settings.DESK_MAIL_QUEUE or None)
    )


@transaction.atomic
def reply_retry(*, message: Message, by) -> Message:
    """Queue a failed (or stuck) send again; nothing is ever dropped silently.

    A send is stuck only long after its attempt began (not after the message was written: a
    reply queued behind a slow mail server would look stuck at once), by which time its task
    surely ended. A sender that died after the mail server accepted the reply but before it
    was marked sent leaves it "sending": the retry sends it again, with the same Message-ID,
    so the buyer's mail service can recognise the copy. That window is what "once" costs."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    began = message.sending_at or message.at
    stuck = (
        message.delivery == Delivery.SENDING
        and timezone.now() - began > settings.DESK_MESSAGING_SENDING_STUCK_AFTER
    )
    if message.delivery != Delivery.FAILED and not stuck:
        raise MessagingError(_("Only a failed send can be retried."))
    message.delivery = Delivery.QUEUED
    message.save(update_fields=["delivery"])
    record_for_claims(_open_claims(message.thread.order_id), Action.MESSAGE_RETRY, by=by)
    _enqueue_send(message.pk)
    return message


def claim_send(message_id: int) -> Message | None:
    """Take the send for this worker (a conditional UPDATE), so a retried task never sends twice."""
    taken = Message.objects.filter(pk=message_id, delivery__in=[Delivery.QUEUED, Delivery.FAILED]).update(
        delivery=Delivery.SENDING, delivery_attempts=F("delivery_attempts") + 1, sending_at=timezone.now()
    )
    if not taken:
        return None
    return Message.objects.select_related("thread", "thread__order", "store").get(pk=message_id)


@transaction.atomic
def reply_sent(*, message: Message, at: datetime | None = None) -> None:
    message = Message.objects.select_for_update().select_related("thread").get(pk=message.pk)
    message.delivery, message.sent_at, message.delivery_error = Delivery.SENT, at or timezone.now(), ""
    message.save(update_fields=["delivery", "sent_at", "delivery_error"])
    if message.channel == Channel.PLATFORM:
        _stop_clocks(message.thread, message)


def reply_failed(*, message_id: int, error: str) -> None:
    Message.objects.filter(pk=message_id).update(delivery=Delivery.FAILED, delivery_error=error[:2000])


@transaction.atomic
def off_platform_start(*, order: Order, reason: str, detail: str, by) -> Message:
    """Step 1 of the protocol: an internal note with one of the two allowed reasons."""
    if reason not in OffPlatformReason.values:
        raise MessagingError(
            _(
                "Only a file the platform cannot carry or an urgent safety matter justifies "
                "leaving the platform; tracking, returns and refunds never do."
            )
        )
    if not detail.strip():
        raise MessagingError(_("Describe the file or the safety matter in the note."))
    thread = _locked_thread(order)
    if thread.owes_summary:
        raise MessagingError(_("This thread is already off the platform; send the closing summary first."))
    note = Message.objects.create(
        store=order.store,
        thread=thread,
        direction=Direction.NOTE,
        channel=Channel.OTHER,
        purpose=Purpose.OFF_PLATFORM_REASON,
        author=by,
        author_name=by.get_username() if by else "",
        body=f"{OffPlatformReason(reason).label}: {detail.strip()}",
    )
    thread.off_platform, thread.off_platform_reason = OffPlatformState.STARTED, reason
    thread.off_platform_started_at = note.at
    thread.save(update_fields=["off_platform", "off_platform_reason", "off_platform_started_at"])
    record_for_claims(
        _open_claims(order.pk),
        Action.OFF_PLATFORM_STARTED,
        by=by,
        off_platform_reason=reason,
        note=detail.strip()[:300],
    )
    return note


@transaction.atomic
def note_add(*, order: Order, body: str, by) -> Message:
    if not body.strip():
        raise MessagingError(_("Write the note first."))
    thread = _locked_thread(order)
    return Message.objects.create(
        store=order.store,
        thread=thread,
        direction=Direction.NOTE,
        channel=Channel.OTHER,
        author=by,
        author_name=by.get_username(),
        body=body.strip(),
    )


def refuse_close_while_off_platform(order_id: int) -> None:
    thread = Thread.objects.filter(order_id=order_id).only("off_platform").first()
    if thread is not None and thread.owes_summary:
        raise MessagingError(
            _(
                "The conversation went off the platform: send the closing summary in the "
                "platform thread before closing."
            )
        )


@transaction.atomic
def thread_close(*, order: Order, by) -> Thread:
    thread = _locked_thread(order)
    refuse_close_while_off_platform(order.pk)
    if thread.is_closed:
        raise MessagingError(_("This thread is already closed."))
    thread.is_closed, thread.closed_at = True, timezone.now()
    thread.save(update_fields=["is_closed", "closed_at"])
    record_for_claims(_open_claims(order.pk), Action.THREAD_CLOSED, by=by)
    return thread


@transaction.atomic
def thread_set_tags(*, order: Order, tag_ids: Iterable[int], by) -> tuple[list[Tag], list[Tag]]:
    """Make the order's thread carry exactly these tags of its store (another store's ids are
    ignored); each tag added or removed is noted on the order's open claims. Returns (added,
    removed)."""
    thread = _locked_thread(order)
    added, removed = tagging.set_links(Thread.tags.through, "thread_id", thread.pk, thread.store_id, tag_ids)
    claims, at = _open_claims(order.pk), timezone.now()
    ClaimEvent.objects.bulk_create(
        [
            entry(ClaimEvent(claim_id=pk), Action.THREAD_TAGGED, by=by, at=at, tag=tag.name)
            for tag in added
            for pk in claims
        ]
        + [
            entry(ClaimEvent(claim_id=pk), Action.THREAD_UNTAGGED, by=by, at=at, tag=tag.name)
            for tag in removed
            for pk in claims
        ]
    )
    return added, removed
