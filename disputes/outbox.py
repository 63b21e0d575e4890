"""Alert e-mails, sent from an outbox: the notification rows themselves.

Every notification is written with `email_due_at` set (the column's default) in its alert's
transaction, so an owed e-mail can never be lost with a task: beat runs `alert_emails_send()`
every half minute and it sends whatever is due. The task the sweep queues after each batch is
only a fast path to the same function.

One e-mail goes like this:
1. The sender claims a batch of rows: locked, then a conditional UPDATE (still unsent and due)
   pushes them a lease ahead and counts the attempt. A second sender skips them.
2. It builds and sends the message, with a Message-ID made from the notification's id.
3. Only after the mail server accepted it is the row marked sent (`emailed_at`, no longer due).
   A failure puts it off with a growing wait instead; a refusal for good, or an alert nobody
   needs any more, ends it.

A sender that died holding a row (a killed worker, a lost host) leaves it leased: it is due
again once the lease ends. The lease is twice the task's hard time limit, so by then the old
sender has surely stopped.

What "exactly once" costs here: the mail server may accept a message and the sender die (or
the database fail) before the row is marked sent. Nothing can tell that apart from a send that
never happened, so the row is sent again after the lease, with the same Message-ID, which lets
the receiving server and mail programs recognise and drop the copy. Short of that window (one
SMTP reply and one UPDATE long) every e-mail is sent once; no e-mail is ever lost.

Managers see what is stuck at /set-aside/: an e-mail refused for good at once, one that failed
again and again (the mail server out of reach included) after a few attempts, with the reason.
Those still retry on their own while their alert matters; a manager's retry makes one due now."""

import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone, translation

from . import setaside
from .models import Notification, SetAsideKind
from .sweep import _subjects, label_of, open_set_aside, subject_of

log = logging.getLogger(__name__)

BATCH = 50
# Failures in a row after which an e-mail that still retries is shown to the managers.
SHOW_AFTER_ATTEMPTS = 3


class MailOutage(Exception):
    """The mail server is away or refuses the desk itself: every e-mail would fail alike."""


# The server is away, or refuses the desk as a whole (not one message).
_OUTAGES = (
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPHeloError,
    smtplib.SMTPSenderRefused,
)


def is_mail_outage(error: BaseException) -> bool:
    # Other SMTP errors concern one e-mail (a refused recipient, rejected content); any other
    # OSError (connection refused, a timeout, DNS) is the server being out of reach.
    if isinstance(error, _OUTAGES):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def is_temporary(error: BaseException) -> bool:
    """A 4xx answer: the server asks to try again later."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    return isinstance(error, smtplib.SMTPResponseException) and 400 <= error.smtp_code < 500


def message_id(note: Notification) -> str:
    """The same for every attempt at this e-mail, so a copy can be recognised."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<desk-alert-{note.pk}@{domain}>"


def lease() -> timedelta:
    return timedelta(seconds=2 * settings.DESK_OUTBOX_SECONDS)


@dataclass(frozen=True)
class Columns:
    """The three columns of an outbox row: when it was sent, when it is due (a lease pushes it
    ahead while a sender holds it), and how many times it was tried."""

    sent: str
    due: str
    attempts: str


def take_due(rows: QuerySet, columns: Columns, *, batch: int = BATCH) -> list[int]:
    """Take a batch of due rows for this sender: locked (another sender skips them), then pushed
    a lease ahead by a conditional UPDATE in the same transaction, so once committed they no
    longer look due to anyone. Every outbox (alert e-mails, chat messages, digests) takes its
    rows this way. Returns their ids, due soonest first."""
    now = timezone.now()
    due = {f"{columns.sent}__isnull": True, f"{columns.due}__lte": now}
    with transaction.atomic():
        ids = list(
            rows.filter(**due)
            .select_for_update(skip_locked=True)
            .order_by(columns.due, "pk")
            .values_list("pk", flat=True)[:batch]
        )
        if ids:
            rows.model.objects.filter(pk__in=ids, **due).update(
                **{columns.due: now + lease(), columns.attempts: F(columns.attempts) + 1}
            )
    return ids


def give_back(model: type[Model], columns: Columns, rows: list) -> None:
    """Rows taken but not tried: due again now rather than after the lease, the try uncounted."""
    if rows:
        model._default_manager.filter(
            pk__in=[row.pk for row in rows], **{f"{columns.sent}__isnull": True}
        ).update(**{columns.due: timezone.now(), columns.attempts: F(columns.attempts) - 1})


def drain(
    model: type[Model],
    columns: Columns,
    *,
    take: Callable[[], list],
    send: Callable[[Any], int | None],
    destination: Callable[[Any], object],
    budget: float | None,
    timeout: float,
) -> int:
    """Send what an outbox of HTTP deliveries owes (team chats, webhooks), batch after batch
    until nothing is due or `budget` seconds went by. `take` takes a batch (`take_due`);
    `send(row)` settles one row: 1 sent, 0 not, None when its destination could not be reached,
    whose other rows then wait for the next run rather than each waiting out the timeout. Rows
    taken but not tried are given back. Returns how many were sent."""
    sent = 0
    started = time.monotonic()
    claimed: list = []
    skipped: list = []
    unreachable: set[object] = set()

    def in_time() -> bool:
        # Room left for one more request, were it to wait its whole timeout (at most half the
        # budget, so a run always starts one).
        return budget is None or time.monotonic() - started + min(timeout, budget / 2) < budget

    try:
        while in_time():
            claimed = take()
            if not claimed:
                break
            while claimed and in_time():
                row = claimed.pop(0)
                if destination(row) in unreachable:
                    skipped.append(row)
                    continue
                outcome = send(row)
                if outcome is None:
                    unreachable.add(destination(row))
                sent += outcome or 0
    finally:
        give_back(model, columns, claimed + skipped)
    return sent


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt: doubling from the first, up to the cap."""
    seconds = settings.DESK_MAIL_RETRY_SECONDS * 2 ** max(0, min(attempts - 1, 20))
    return timedelta(seconds=min(seconds, settings.DESK_MAIL_RETRY_MAX_SECONDS))


def alert_emails_send(*, alert_ids: list[int] | None = None, budget: float | None = None) -> int:
    """Send every alert e-mail that is due (of these alerts only, when given), batch after
    batch until none is left or `budget` seconds went by. Stops at a mail outage: the e-mail
    that met it waits its turn, the others are due again at once for the next run. Returns
    how many were sent."""
    started = time.monotonic()
    sent = 0
    connection = mailers.default
    shown = open_set_aside(SetAsideKind.ALERT_EMAIL)
    claimed: list[Notification] = []

    def in_time() -> bool:
        return budget is None or time.monotonic() - started < budget

    try:
        while in_time():
            claimed = _claim_batch(alert_ids)
            if not claimed:
                break
            while claimed and in_time():
                sent += _send_one(claimed.pop(0), connection, shown)
    except MailOutage:
        pass  # logged with the e-mail that met it; the next run tries again
    finally:
        connection.close()
        # Claimed but not tried (out of time, an outage): due again now rather than after the
        # lease. The one in flight when a time limit struck is not among them: its outcome is
        # unknown, so it waits for its lease.
        _release(claimed)
    return sent


EMAIL = Columns(sent="emailed_at", due="email_due_at", attempts="email_attempts")


def _claim_batch(alert_ids: list[int] | None) -> list[Notification]:
    rows = Notification.objects.all()
    if alert_ids is not None:
        rows = rows.filter(alert_id__in=alert_ids)
    ids = take_due(rows, EMAIL)
    related = ["user", "user__profile"] + [
        f"alert__{name}__{r}" for name, subject in _subjects.items() for r in subject.mail_related
    ]
    return list(
        Notification.objects.filter(pk__in=ids).select_related(*related).order_by("email_due_at", "pk")
    )


def _release(notes: list[Notification]) -> None:
    give_back(Notification, EMAIL, notes)


def _send_one(note: Notification, connection, shown: set[int]) -> int:
    """Send and settle one claimed notification's e-mail. Returns 1 when it was sent."""
    try:
        subject, item = subject_of(note.alert), _item(note)
        if (
            not note.user.email
            or not subject.owes_alerts(item)
            or note.alert.window_start != subject.window_start(item)
        ):
            # Nobody to write to, or the claim was closed / the message answered meanwhile, or
            # the platform's request started the window again (the new one has its own alerts).
            _settle(note.pk, sent=False)
            return 0
        email = _build(note)
        connection.open()
        # A header that cannot be written (a line break in an order id) fails before any
        # command for this message goes to the server.
        connection.send_messages([email])
    except SoftTimeLimitExceeded:
        # The outcome of this one is unknown: its lease brings it back, with the same Message-ID.
        raise
    except Exception as error:
        connection.close()  # whatever state the conversation was left in, the next starts afresh
        _failed(note, error, shown)
        if is_mail_outage(error):
            raise MailOutage from error
        return 0
    _settle(note.pk, sent=True)
    if note.pk in shown:
        setaside.resolve(kind=SetAsideKind.ALERT_EMAIL, subject_id=note.pk)
    return 1


def _item(note: Notification):
    return getattr(note.alert, subject_of(note.alert).alert_field)


def _build(note: Notification) -> EmailMessage:
    language = getattr(getattr(note.user, "profile", None), "language", settings.LANGUAGE_CODE)
    with translation.override(language):
        subject, body = subject_of(note.alert).mail(note.alert)
    return EmailMessage(subject, body, None, [note.user.email], headers={"Message-ID": message_id(note)})


def _settle(pk: int, *, sent: bool) -> None:
    Notification.objects.filter(pk=pk).update(
        email_due_at=None, **({"emailed_at": timezone.now()} if sent else {})
    )


def _failed(note: Notification, error: Exception, shown: set[int]) -> None:
    """Put the e-mail off, or end it when it can never go; show it when it is stuck."""
    now = timezone.now()
    reason = setaside.describe_error(error)
    retry = is_mail_outage(error) or is_temporary(error)
    too_old = now - note.alert.raised_at > settings.DESK_ALERT_EMAIL_GIVE_UP_AFTER
    if retry and not too_old:
        Notification.objects.filter(pk=note.pk).update(email_due_at=now + backoff(note.email_attempts))
    else:
        _settle(note.pk, sent=False)
        if retry:
            reason = f"gave up after {note.email_attempts} attempts: {reason}"
    log.warning(
        "alert e-mail %s to user %s failed (attempt %d): %s",
        note.pk,
        note.user_id,
        note.email_attempts,
        reason,
    )
    if not retry or too_old or note.email_attempts >= SHOW_AFTER_ATTEMPTS:
        setaside.record(
            kind=SetAsideKind.ALERT_EMAIL,
            subject_id=note.pk,
            store_id=_item(note).store_id,
            label=_mail_label(note),
            reason=reason,
        )
        shown.add(note.pk)


def _mail_label(note: Notification) -> str:
    subject = subject_of(note.alert)
    item = label_of(subject, getattr(note.alert, f"{subject.alert_field}_id"))
    return f"{item} · {note.alert.threshold_label} → {note.user.email}"


def email_again(notification_id: int, task) -> None:
    """A manager's retry of an alert e-mail that was set aside: due now (if still unsent), and
    a send queued."""
    updated = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        email_due_at=timezone.now()
    )
    alert_id = Notification.objects.filter(pk=notification_id).values_list("alert_id", flat=True).first()
    if updated and alert_id is not None:
        transaction.on_commit(lambda: task.delay([alert_id]))


def notification_url(notification_id: int) -> str | None:
    note = Notification.objects.select_related("alert").filter(pk=notification_id).first()
    if note is None:
        return None
    subject = subject_of(note.alert)
    return subject.url(getattr(note.alert, f"{subject.alert_field}_id"))
