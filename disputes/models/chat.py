"""Team chat destinations: a store's group chat robots that hear of its deadline alerts, and
one delivery row per (alert, destination) that the chat outbox (`disputes/chat.py`) sends."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .alerts import Alert, AlertThreshold
from .stores import Store


class ChatPlatform(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk custom robot (钉钉)")
    FEISHU = "feishu", _("Feishu / Lark custom bot (飞书)")
    SLACK = "slack", _("Slack incoming webhook")


# The platforms that sign a request with a secret of the robot's own.
SIGNING_PLATFORMS = {ChatPlatform.DINGTALK, ChatPlatform.FEISHU}


class ChatDestination(models.Model):
    """One group chat robot of one store, set up in Django admin."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="chat_destinations")
    name = models.CharField(_("name"), max_length=100, help_text=_("What the team calls this chat."))
    platform = models.CharField(_("chat platform"), max_length=20, choices=ChatPlatform.choices)
    url = models.URLField(
        _("webhook address"),
        max_length=500,
        help_text=_("The robot's webhook address, as the chat platform shows it."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk (starts with SEC) and Feishu/Lark only, when the robot signs its requests."),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    send_warnings = models.BooleanField(
        _("warnings"), default=False, help_text=_("Half the window gone, and the rule's hours-left warnings.")
    )
    send_due = models.BooleanField(_("due now"), default=True)
    send_overdue = models.BooleanField(
        _("overdue and escalations"), default=True, help_text=_("Alerts escalated to the store's managers.")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("team chat destination")
        verbose_name_plural = _("team chat destinations")
        ordering = ["store", "name"]

    def __str__(self) -> str:
        return f"{self.store} · {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.url and urlsplit(self.url).scheme not in {"http", "https"}:
            raise ValidationError({"url": _("The webhook address must start with https:// or http://.")})
        if self.secret and self.platform not in SIGNING_PLATFORMS:
            raise ValidationError(
                {"secret": _("Only DingTalk and Feishu/Lark robots have a signing secret.")}
            )

    def wants(self, threshold: str, escalated: bool) -> bool:
        """Whether this chat hears of an alert at this threshold."""
        if escalated or threshold == AlertThreshold.OVERDUE:
            return self.send_overdue
        if threshold == AlertThreshold.DUE:
            return self.send_due
        if threshold == AlertThreshold.SNOOZE_END:
            return False  # one person's reminder, not the team's
        return self.send_warnings


class ChatDelivery(models.Model):
    """One alert as one chat destination receives it: an outbox row. `due_at` is when the next
    attempt may start (NULL once nothing more is owed); `sent_at` is set only after the
    platform answered that it took the message."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="chat_deliveries")
    destination = models.ForeignKey(
        ChatDestination, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    due_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("team chat message")
        verbose_name_plural = _("team chat messages")
        constraints = [
            models.UniqueConstraint(fields=["destination", "alert"], name="chat_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["due_at"], name="chat_delivery_due", condition=Q(due_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.destination} ← {self.alert}"
