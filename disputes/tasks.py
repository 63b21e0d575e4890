from celery import shared_task
from django.utils import timezone

from .models import WorkerHeartbeat


@shared_task(acks_late=True)
def record_heartbeat(source: str) -> None:
    """Beat sends this every minute; a worker running it proves the whole chain is alive."""
    WorkerHeartbeat.objects.update_or_create(source=source, defaults={"last_seen": timezone.now()})
