"""API tokens and outgoing webhooks.

A token is shown once, when it is made; only its SHA-256 is kept (it is 32 random bytes, so a
plain hash is enough: nothing to guess). A webhook subscription belongs to a store; each event
it wants becomes one `WebhookDelivery`, an outbox row sent by the mail worker (`webhooks.py`)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Store


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the token, shown so its owner can tell tokens apart.
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WebhookEvent(models.TextChoices):
    CLAIM_OPENED = "claim.opened", _("Claim opened")
    CLAIM_OVERDUE = "claim.overdue", _("Claim overdue")
    CLAIM_CLOSED = "claim.closed", _("Claim closed")
    MESSAGE_RECEIVED = "message.received", _("Buyer message received")
    APPEAL_DECIDED = "appeal.decided", _("Appeal decided")


def new_secret() -> str:
    return secrets.token_hex(32)


class WebhookSubscription(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("address"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["store", "pk"]

    def __str__(self) -> str:
        return f"{self.store} → {self.url}"

    def wants(self, event: str) -> bool:
        return self.enabled and event in self.events


class WebhookDelivery(models.Model):
    """One event as one subscription receives it. `due_at` is when the next attempt may start
    (NULL once nothing more is owed); `sent_at` is set only after a 2xx answer. The receiver
    gets the row's `event_id` with every attempt, so it can recognise a copy."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    event_id = models.CharField(max_length=40, unique=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    last_tried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["due_at"], name="webhook_delivery_due", condition=Q(due_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription.url}"
