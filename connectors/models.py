"""A store's link to its marketplace's API, and how far each of its streams has been read."""

from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Claim, Order, Store

from . import crypto


class ConnectionState(models.TextChoices):
    NEW = "new", _("Not synced yet")
    OK = "ok", _("Syncing")
    FAILING = "failing", _("Failing")
    PAUSED = "paused", _("Paused")


class Connection(models.Model):
    """One per store. The credentials are sealed (connectors/crypto.py) and never shown again;
    `settings` holds what is not secret (region, marketplace ids, seller id, site…)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="connection")
    credentials = models.TextField(_("credentials (sealed)"), blank=True, editable=False)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    is_paused = models.BooleanField(_("paused"), default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=ConnectionState.choices, default=ConnectionState.NEW
    )
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    # Words a manager understands; never a secret (sync.py writes it from ConnectorError).
    last_error = models.TextField(_("last error"), blank=True)
    next_sync_at = models.DateTimeField(_("next sync"), null=True, blank=True)
    # A sync holds the connection until this time; a worker that died lets go when it passes.
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    interval = models.PositiveIntegerField(_("minutes between syncs"), default=15)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("marketplace connection")
        verbose_name_plural = _("marketplace connections")
        indexes = [
            # Beat's minute: connections due for a sync (paused ones have no next time).
            models.Index(
                fields=["next_sync_at"],
                name="connection_sync_due",
                condition=Q(next_sync_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(interval__gte=1), name="connection_interval_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.store} ({self.get_state_display()})"

    # --- credentials --------------------------------------------------------------------------

    def secrets(self) -> dict[str, str]:
        """The saved credentials, opened. Raises crypto.Unreadable when no key opens them."""
        return crypto.unseal(self.credentials) if self.credentials else {}

    def keep_secrets(self, values: dict[str, str]) -> None:
        """Seal `values` over the saved ones: a blank value keeps what was saved (caller saves)."""
        try:
            merged = self.secrets()
        except crypto.Unreadable:
            merged = {}  # sealed under a key the desk no longer has: what is entered now replaces it
        merged.update({name: value for name, value in values.items() if value})
        self.credentials = crypto.seal(merged)

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials)

    # --- schedule -----------------------------------------------------------------------------

    def pause(self) -> None:
        self.is_paused = True
        self.state = ConnectionState.PAUSED
        self.next_sync_at = None

    def resume(self, now: datetime | None = None) -> None:
        self.is_paused = False
        self.state = ConnectionState.OK if self.last_success_at else ConnectionState.NEW
        self.next_sync_at = now or timezone.now()

    def next_after(self, now: datetime) -> datetime | None:
        return None if self.is_paused else now + timedelta(minutes=self.interval)


class SyncCursor(models.Model):
    """How far one stream of a connection was read: moved in the same transaction as the page
    of records it follows, so a sync cut short resumes after the last page it committed."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="cursors")
    stream = models.CharField(max_length=40)
    value = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "stream"], name="sync_cursor_one_per_stream"),
        ]

    def __str__(self) -> str:
        return f"{self.connection_id}/{self.stream}: {self.value[:40]}"


class FailedRecord(models.Model):
    """A record of the platform's that could not be written, kept as the platform gave it so a
    manager's retry (from /set-aside/) writes it again; the set-aside entry carries the reason."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="failed_records")
    stream = models.CharField(max_length=40)
    record_type = models.CharField(max_length=20)  # order / claim / message
    platform_id = models.CharField(max_length=200)
    record = models.JSONField()
    reason = models.TextField()
    failed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "record_type", "platform_id"], name="failed_record_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_type} {self.platform_id}"


class ActionState(models.TextChoices):
    PENDING = "pending", _("Sending")
    DONE = "done", _("Accepted")
    REFUSED = "refused", _("Refused")


class PlatformAction(models.Model):
    """Something a person asked the desk to do on a marketplace (answer an eBay claim, have
    Amazon send a review request or a message), kept as an outbox row: written by the page,
    sent by the worker (connectors/outbox.py). `due_at` is when the next attempt may start
    (pushed a lease ahead while a worker holds the row, NULL once settled); `settled_at` is set
    when the platform accepted it (state done) or refused it for good (state refused)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="platform_actions")
    # eBay answers a claim; Amazon's actions are per order.
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="platform_actions"
    )
    # eBay: tracking / refund / accept / received; Amazon: the Solicitations or Messaging kind.
    name = models.CharField(max_length=40)
    # What goes with it: carrier and tracking number, the message's text.
    params = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=10, choices=ActionState.choices, default=ActionState.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # The platform's reason in words, when it refused (or the last failure while retrying).
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("marketplace action")
        verbose_name_plural = _("marketplace actions")
        indexes = [
            models.Index(fields=["due_at"], name="platform_action_due", condition=Q(due_at__isnull=False)),
            models.Index(fields=["claim", "created_at"], name="platform_action_claim"),
            models.Index(fields=["order", "created_at"], name="platform_action_order"),
        ]
        constraints = [
            # A second click (or a second person) while one is on its way is refused.
            models.UniqueConstraint(
                fields=["claim", "name"],
                condition=Q(state="pending", claim__isnull=False),
                name="platform_action_pending_per_claim",
            ),
            models.UniqueConstraint(
                fields=["order", "name"],
                condition=Q(state="pending", claim__isnull=True),
                name="platform_action_pending_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.claim_id or self.order_id} ({self.state})"

    @property
    def pending(self) -> bool:
        return self.state == ActionState.PENDING

    def backing_off(self, now: datetime) -> bool:
        """Pending after a failed try and not due yet: waiting out its growing wait (outbox
        `backoff`). A worker's new try on it looks the same for the seconds the try takes."""
        return self.pending and bool(self.reason) and self.due_at is not None and self.due_at > now


# Platform-specific models live beside their platform's code.
from .platforms.amazon_models import AmazonOrderAction  # noqa: E402, F401
