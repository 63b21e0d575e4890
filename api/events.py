"""Which changes the webhooks announce, heard where they are written: a claim's timeline entry
(opened, closed, an appeal decided), the sweep's overdue alert, a buyer's message. Each
announcement is written in the transaction of its change (`webhooks.announce`)."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse

from disputes.models import Alert, AlertThreshold, Claim, ClaimEvent, ClaimStatus
from disputes.sweep import alerts_raised
from disputes.timeline import Action
from messaging.models import Direction, Message

from .models import WebhookEvent
from .webhooks import announce


def claim_data(claim: Claim) -> dict:
    return {
        "claim": claim.pk,
        "order": claim.order_id,
        "kind": claim.kind,
        "reason": claim.reason,
        "status": claim.status,
        "outcome": claim.outcome,
        "respond_by": claim.respond_by.isoformat() if claim.respond_by else None,
        "url": settings.DESK_BASE_URL.rstrip("/") + reverse("disputes:claim", args=[claim.pk]),
    }


@receiver(post_save, sender=ClaimEvent)
def claim_event_written(sender, instance: ClaimEvent, created: bool, **kwargs) -> None:
    if not created:
        return
    event = None
    if instance.action == Action.OPENED:
        event = WebhookEvent.CLAIM_OPENED
    elif instance.action == Action.STATUS and instance.params.get("status") == ClaimStatus.CLOSED:
        event = WebhookEvent.CLAIM_CLOSED
    elif instance.action == Action.APPEAL_DECIDED:
        event = WebhookEvent.APPEAL_DECIDED
    if event is None:
        return
    claim = instance.claim
    data = claim_data(claim)
    if event == WebhookEvent.APPEAL_DECIDED:
        data |= {"appeal": instance.params.get("appeal"), "decision": instance.params.get("decision")}
    announce(claim.store_id, event, data)


@receiver(alerts_raised, sender=Alert)
def alerts_were_raised(sender, alerts: list[Alert], **kwargs) -> None:
    for alert in alerts:
        if alert.claim_id is not None and alert.threshold == AlertThreshold.OVERDUE:
            assert alert.claim is not None
            announce(alert.claim.store_id, WebhookEvent.CLAIM_OVERDUE, claim_data(alert.claim))


@receiver(post_save, sender=Message)
def message_written(sender, instance: Message, created: bool, **kwargs) -> None:
    if not created or instance.direction != Direction.FROM_BUYER:
        return
    announce(
        instance.store_id,
        WebhookEvent.MESSAGE_RECEIVED,
        {
            "message": instance.pk,
            "order": instance.thread.order_id,
            "channel": instance.channel,
            "at": instance.at.isoformat(),
            "body": instance.body,
        },
    )
