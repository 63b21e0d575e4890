from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .claims import Claim

# --- Alerts -------------------------------------------------------------------------------


class AlertThreshold(models.TextChoices):
    """The points of a deadline clock at which the sweep alerts. Besides these, a rule's
    warnings are "warn_<hours>h" (`warn_threshold`), as many as the rule names."""

    HALF = "half", _("Half the window gone")
    DUE = "due", _("Due now")
    # Escalated to the store's managers (see `sweep.recipients`).
    OVERDUE = "overdue", _("Overdue")
    # Not a deadline: the reminder of a snoozed claim, raised by `disputes/snooze.py`.
    SNOOZE_END = "snooze_end", _("Snooze ended")
    # Not a deadline: an automation rule asked for someone to look (`disputes/rules.py`).
    RULE = "rule", _("A rule asks you to look")


WARN_PREFIX = "warn_"


def warn_threshold(hours) -> str:
    """The threshold of a warning `hours` before the deadline, e.g. "warn_6h"."""
    return f"{WARN_PREFIX}{hours}h"


def threshold_hours(threshold: str) -> str | None:
    """The hours of a warning threshold ("6" for "warn_6h"); None for any other threshold."""
    if threshold.startswith(WARN_PREFIX) and threshold.endswith("h"):
        return threshold[len(WARN_PREFIX) : -1]
    return None


def threshold_label(threshold: str) -> str:
    """A threshold as people read it, in the active language; an unknown one as it is."""
    hours = threshold_hours(threshold)
    if hours is not None:
        return _("%(hours)s hours left") % {"hours": hours}
    try:
        return str(AlertThreshold(threshold).label)
    except ValueError:
        return threshold


class Alert(models.Model):
    """One threshold of one claim's deadline, or of one buyer message's reply clock, raised
    once per window by the sweep."""

    # The unique constraints (subject, window, threshold) serve every lookup by subject; no
    # second index.
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="alerts", null=True, blank=True, db_index=False
    )
    message = models.ForeignKey(
        "messaging.Message",
        on_delete=models.CASCADE,
        related_name="alerts",
        null=True,
        blank=True,
        db_index=False,
    )
    threshold = models.CharField(_("threshold"), max_length=20)
    # When the window this threshold belongs to began: a claim's response window starts again
    # when the platform asks for information, and owes every threshold again.
    window_start = models.DateTimeField(_("window began"))
    scheduled_for = models.DateTimeField(_("due to be raised"))
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    due_at = models.DateTimeField(_("deadline"))
    escalated = models.BooleanField(_("escalated to managers"), default=False)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "window_start", "threshold"], name="alert_once_per_threshold"
            ),
            models.UniqueConstraint(
                fields=["message", "window_start", "threshold"], name="alert_message_once_per_threshold"
            ),
            models.CheckConstraint(
                condition=Q(claim__isnull=False, message__isnull=True)
                | Q(claim__isnull=True, message__isnull=False),
                name="alert_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id or 'message ' + str(self.message_id)}: {self.threshold}"

    @property
    def threshold_label(self) -> str:
        return threshold_label(self.threshold)

    @property
    def lateness(self):
        return self.raised_at - self.scheduled_for


class Notification(models.Model):
    """An alert as one person receives it: in the header's bell and by e-mail."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # The e-mail is an outbox entry (disputes/outbox.py): `email_due_at` is when the next
    # attempt may start, NULL once nothing more is owed (sent, no address, no longer relevant,
    # refused for good). A sender claims a row by pushing it a lease ahead; `emailed_at` is set
    # only after the mail server accepted the message.
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_due_at = models.DateTimeField(null=True, blank=True, db_default=Now())
    email_attempts = models.PositiveSmallIntegerField(db_default=0)  # also for the sweep's raw INSERT

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="notification_once_per_user"),
        ]
        indexes = [
            # The bell: a user's unacknowledged notifications.
            models.Index(
                fields=["user", "alert"],
                name="notification_unread",
                condition=Q(acknowledged_at__isnull=True),
            ),
            # The outbox: e-mails still owed, by when they are next due.
            models.Index(
                fields=["email_due_at"],
                name="notification_email_due",
                condition=Q(email_due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ← {self.alert}"


class Digest(models.Model):
    """One person's daily digest e-mail for one of their local days, and its own outbox entry
    (disputes/digest.py): one row per user and day, so it is never sent twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    day = models.DateField(_("day"))  # the person's local date
    created_at = models.DateTimeField(default=timezone.now)
    # As the alert e-mails: when the next attempt may start, NULL once nothing more is owed.
    due_at = models.DateTimeField(null=True, blank=True, db_default=Now())
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_a_day")]
        indexes = [
            models.Index(fields=["due_at"], name="digest_due", condition=Q(due_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.day}"
