"""The disputes app's worker tasks. Each has a time limit (soft, then hard) suited to it; the
defaults and why no task is redelivered forever are in config/settings.py's Celery block."""

from celery import shared_task
from django.utils import timezone

from . import alerts, sweep
from .models import WorkerHeartbeat


@shared_task(acks_late=True, soft_time_limit=20, time_limit=30)
def record_heartbeat(source: str) -> None:
    """Beat sends this every minute; a worker running it proves the whole chain is alive."""
    WorkerHeartbeat.objects.update_or_create(source=source, defaults={"last_seen": timezone.now()})


# No retries: beat starts a new sweep every minute, and a row that fails is set aside by the
# engine. A catch-up longer than the limit goes on in the next minute's sweep: each batch
# commits on its own.
@shared_task(acks_late=True, soft_time_limit=100, time_limit=120)
def sweep_claim_alerts() -> int:
    """Raise every claim deadline alert that is due (beat, every minute)."""
    return sweep.run(alerts.CLAIMS, heartbeat="sweep")


# A mail outage retries the task with backoff (what was sent stays sent); an e-mail that fails
# on its own is set aside by the engine. The soft limit also ends in a retry that carries on.
@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600,
             max_retries=8, soft_time_limit=240, time_limit=300)
def send_alert_emails(alert_ids: list[int]) -> int:
    """E-mail each recipient of these alerts once."""
    return sweep.alert_emails_send(alert_ids=alert_ids)
