from celery import shared_task
from django.conf import settings

from . import webhooks


@shared_task(
    acks_late=True, soft_time_limit=settings.DESK_OUTBOX_SECONDS - 5, time_limit=settings.DESK_OUTBOX_SECONDS
)
def send_webhooks() -> int:
    """Beat, every half minute, and after each event: send the webhook deliveries that are due."""
    # Start no new batch past half the limit, so a run ends well before its soft limit.
    return webhooks.webhooks_send(budget=settings.DESK_OUTBOX_SECONDS / 2)
