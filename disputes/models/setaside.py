from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .stores import Store

# --- Work set aside -------------------------------------------------------------------------


class SetAsideKind(models.TextChoices):
    """The worker loops that set an item aside rather than stop on it."""

    CLAIM_ALERTS = "claim_alerts", _("claim deadline alerts")
    CLAIM_DEADLINE = "claim_deadline", _("claim deadline recompute")
    MESSAGE_ALERTS = "message_alerts", _("reply alerts of a buyer message")
    ALERT_EMAIL = "alert_email", _("alert e-mail")
    INBOUND_MAIL = "inbound_mail", _("incoming mail")
    EVIDENCE_PREVIEW = "evidence_preview", _("evidence preview")
    EVIDENCE_FINGERPRINT = "evidence_fingerprint", _("evidence fingerprint check")
    CHAT_MESSAGE = "chat_message", _("team chat message")
    CONNECTOR_RECORD = "connector_record", _("record from a marketplace's API")
    RULE = "rule", _("automation rule")
    HAND_ON = "hand_on", _("handing on the claims of someone on leave")
    WEBHOOK_DELIVERY = "webhook_delivery", _("webhook delivery")
    PLATFORM_ACTION = "platform_action", _("action sent to a marketplace")


class SetAside(models.Model):
    """An item a worker loop could not handle: it was put aside with its reason so the rest of
    the batch went on. Managers of its store see it and can put it back (retry)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="set_aside", db_index=False)
    kind = models.CharField(_("what"), max_length=30, choices=SetAsideKind.choices)
    # The primary key of the claim, message, notification, mail or evidence item.
    subject_id = models.BigIntegerField()
    label = models.CharField(_("item"), max_length=200)
    reason = models.TextField(_("reason"))
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    first_at = models.DateTimeField(_("first failed"), default=timezone.now)
    last_at = models.DateTimeField(_("last failed"), default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("item set aside")
        verbose_name_plural = _("items set aside")
        constraints = [
            # A failing item that fails again updates its entry rather than adding one.
            models.UniqueConstraint(
                fields=["kind", "subject_id"],
                condition=Q(resolved_at__isnull=True),
                name="set_aside_open_once",
            ),
        ]
        indexes = [
            # The managers' page: what is still set aside in their stores, latest first.
            models.Index(
                fields=["store", "-last_at"],
                condition=Q(resolved_at__isnull=True),
                name="set_aside_open_by_store",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_id}: {self.reason[:60]}"
