"""The messaging app's worker tasks. Each has a time limit (soft, then hard) suited to it; the
defaults and why no task is redelivered forever are in config/settings.py's Celery block."""

import hashlib
import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.smtp import EmailBackend

from disputes import sweep

from . import services, sla
from .models import StoreMessaging

log = logging.getLogger(__name__)


def _connection(account: StoreMessaging | None):
    """The store's own SMTP server when it has one, else the desk's default mailer."""
    if account is not None and account.smtp_host:
        # A named per-store mailer, configured from the store's row rather than settings.MAILERS.
        return EmailBackend(
            alias=f"store-{account.store_id}",
            host=account.smtp_host,
            port=account.smtp_port,
            username=account.smtp_user or None,
            password=account.smtp_password or None,
            use_tls=account.smtp_starttls,
            timeout=settings.DESK_MAIL_TIMEOUT,
        )
    return mailers.default


# One SMTP conversation, its connection bounded by DESK_MAIL_TIMEOUT, on the mail queue. The
# retries wait at most 5 minutes: a retry waits unacknowledged in its worker, and the limit plus
# that wait must stay under Redis's visibility timeout (config/settings.py).
@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=300,
    max_retries=6,
    soft_time_limit=90,
    time_limit=120,
)
def send_reply(self, message_id: int) -> str:
    """Relay one reply to the buyer's relay address from the store's authorised address.
    A failure is recorded on the message (visible, with a retry button) and retried with backoff."""
    message = services.claim_send(message_id)
    if message is None:
        return "not queued"
    account = services.sender_settings(message.store)
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=account.from_address if account else None,
        to=[message.recipient],
        headers={
            "Message-ID": f"<desk-{message.pk}@{(account.from_address if account else 'desk@localhost').split('@')[-1]}>"
        },
    )
    try:
        _attach(email, message)
        _connection(account).send_messages([email])
    except Exception as error:
        services.reply_failed(message_id=message.pk, error=f"{type(error).__name__}: {error}")
        log.warning("reply %s failed: %s", message.pk, error)
        raise
    services.reply_sent(message=message)
    return "sent"


class AttachmentChanged(Exception):
    """A stored attachment no longer matches the fingerprint taken when it was attached."""


def _attach(email: EmailMessage, message) -> None:
    """The reply's files, each read back from private storage and checked against its
    fingerprint: the buyer gets exactly what the agent attached, or nothing is sent."""
    for attachment in message.attachments.order_by("pk"):
        with attachment.file.open("rb") as f:
            content = f.read()
        if hashlib.sha256(content).hexdigest() != attachment.sha256:
            raise AttachmentChanged(
                f"the stored file of {attachment.name!r} no longer matches its fingerprint"
            )
        email.attach(attachment.name, content, attachment.content_type)


@shared_task(acks_late=True, soft_time_limit=30, time_limit=60)
def poll_mailboxes() -> int:
    """Beat, every two minutes: each store with polling on gets its own task."""
    accounts = [a.pk for a in StoreMessaging.objects.filter(polling_enabled=True) if a.can_poll]
    for pk in accounts:
        poll_mailbox.apply_async((pk,), queue=settings.DESK_MAIL_QUEUE or None)
    return len(accounts)


# A mailbox read in full, message by message; what was filed stays filed if the limit cuts it
# short, and the next poll (two minutes later) carries on.
@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=300,
    max_retries=3,
    soft_time_limit=240,
    time_limit=300,
)
def poll_mailbox(account_id: int) -> dict:
    from .inbound import poll

    account = StoreMessaging.objects.select_related("store").get(pk=account_id)
    if not account.can_poll:
        return {}
    try:
        return poll(account)
    except Exception as error:
        StoreMessaging.objects.filter(pk=account.pk).update(
            last_poll_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise


# No retries: beat starts a new sweep every minute, and the engine sets a failing message aside.
@shared_task(acks_late=True, soft_time_limit=100, time_limit=120)
def sweep_reply_alerts() -> int:
    """Raise every reply alert of buyer messages that is due (beat, every minute)."""
    return sweep.run(sla.REPLIES, heartbeat="reply-sweep")


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def refile_mail(unmatched_id: int) -> str:
    """A manager's retry of relay mail that failed to file: read the kept raw mail again."""
    from .inbound import mail_refile

    return mail_refile(mail_id=unmatched_id)
