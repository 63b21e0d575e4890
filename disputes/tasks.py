import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation

from .models import Notification, WorkerHeartbeat

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def record_heartbeat(source: str) -> None:
    """Beat sends this every minute; a worker running it proves the whole chain is alive."""
    WorkerHeartbeat.objects.update_or_create(source=source, defaults={"last_seen": timezone.now()})


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=300,
             max_retries=5)
def sweep_deadlines() -> int:
    """Raise every deadline alert that is due (beat, every minute)."""
    from messaging.sla import sweep as sweep_replies

    from .alerts import sweep

    raised = sweep() + sweep_replies()
    record_heartbeat(source="sweep")
    if raised:
        log.info("deadline sweep raised %d alert(s)", len(raised))
    return len(raised)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600,
             max_retries=8)
def send_alert_emails(alert_ids: list[int]) -> int:
    """E-mail each recipient of these alerts once; a failed send is retried, not lost."""
    from .alerts import describe

    sent = 0
    pending = Notification.objects.filter(alert_id__in=alert_ids, emailed_at__isnull=True).select_related(
        "user", "user__profile", "alert__claim__order", "alert__claim__store",
        "alert__message__thread__order", "alert__message__store",
    )
    for note in pending:
        if not note.user.email:
            continue
        # Claim this notification's e-mail first, so a retry never sends it twice.
        if not Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(emailed_at=timezone.now()):
            continue
        claim = note.alert.claim
        language = getattr(getattr(note.user, "profile", None), "language", settings.LANGUAGE_CODE)
        try:
            with translation.override(language):
                if claim is None:
                    subject, body = _reply_alert_mail(note.alert)
                else:
                    subject = f"[{claim.store.name}] {claim.order.platform_order_id}: {describe(note.alert)}"
                    body = "\n".join([
                        describe(note.alert),
                        f"{claim.get_kind_display()} · {claim.get_reason_display()}",
                        f"{claim.respond_by:%Y-%m-%d %H:%M} UTC",
                        settings.DESK_BASE_URL + reverse("disputes:claim", args=[claim.pk]),
                    ])
            send_mail(subject, body, None, [note.user.email])
        except Exception:
            Notification.objects.filter(pk=note.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent


def _reply_alert_mail(alert) -> tuple[str, str]:
    """A buyer message's reply clock: the order's page is where it is answered."""
    from messaging.sla import describe

    message = alert.message
    order = message.thread.order
    subject = f"[{message.store.name}] {order.platform_order_id}: {describe(alert)}"
    body = "\n".join([
        describe(alert),
        f"{message.reply_by:%Y-%m-%d %H:%M} UTC",
        settings.DESK_BASE_URL + reverse("disputes:order", args=[order.pk]),
    ])
    return subject, body
