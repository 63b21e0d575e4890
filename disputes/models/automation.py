from datetime import timedelta

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .claims import Claim
from .stores import Store

# --- Tags and automation rules ---------------------------------------------------------------


class TagColour(models.TextChoices):
    GREY = "grey", _("Grey")
    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    GREEN = "green", _("Green")
    TEAL = "teal", _("Teal")
    BLUE = "blue", _("Blue")
    PURPLE = "purple", _("Purple")


class Tag(models.Model):
    """A label a store's team puts on claims and buyer threads ("fragile", "repeat buyer"),
    by hand or by a rule; the queue filters on it."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="tags", db_index=False)
    name = models.CharField(
        _("name"),
        max_length=40,
        validators=[
            RegexValidator(r"^[^,\s][^,]*$", _("A tag name cannot start with a space or hold a comma."))
        ],
    )
    colour = models.CharField(_("colour"), max_length=10, choices=TagColour.choices, default=TagColour.GREY)
    claims = models.ManyToManyField(Claim, related_name="tags", blank=True, verbose_name=_("claims"))

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [
            # A store's tags by name (the filter and the rules name them); leads every lookup by store.
            models.UniqueConstraint(fields=["store", "name"], name="tag_unique_name_per_store"),
        ]

    def __str__(self) -> str:
        return self.name


class Trigger(models.TextChoices):
    """When a rule is asked, of what happens in `disputes`. Apps above register their own
    (a buyer message arrives: messaging; an appeal is decided: appeals) with
    `disputes.rules.register_trigger` and fire them through `disputes.rules.run`."""

    CLAIM_OPENED = "claim_opened", _("a claim is opened")
    CLAIM_OVERDUE = "claim_overdue", _("a claim turns overdue")


class Rule(models.Model):
    """When something happens to a store's claim, if its conditions match, do its actions.

    `conditions` and `actions` map a registered name (`disputes.rules`) to its setting, e.g.
    {"platform": "amazon", "amount_over": "50"} and {"add_tags": [3], "set_priority": 3}.
    Rules of a store run in `position` order; a new rule stays off until a manager has seen its
    dry run and switched it on."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="rules", db_index=False)
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveIntegerField(_("order"), default=0)
    # A `Trigger` or a code an app above registered: no choices on the column, so a new
    # trigger needs no migration.
    trigger = models.CharField(_("when"), max_length=30)
    conditions = models.JSONField(_("if"), default=dict, blank=True)
    actions = models.JSONField(_("then"), default=dict, blank=True)
    is_active = models.BooleanField(_("switched on"), default=False)
    # The last failure of this rule (shown to managers on the rules page), cleared by an edit.
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last failed"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["store", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="rule_unique_name_per_store"),
        ]
        indexes = [
            # Every triggering event: the active rules of one store for one trigger, in order.
            models.Index(
                fields=["store", "trigger", "position"],
                name="rule_active_by_trigger",
                condition=Q(is_active=True),
            ),
            # The rules page: a store's rules in order (leads with store for the unique name too).
            models.Index(fields=["store", "position"], name="rule_store_order"),
        ]

    def __str__(self) -> str:
        return self.name


class RuleFailure(models.Model):
    """One event a rule failed on: which claim, which trigger and (for a buyer message) which
    message, so that a manager's retry from the set-aside page runs the rule on that event again
    once it is fixed. Closed (`retried_at`) when a retry went through."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="failures", db_index=False)
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=30)
    # The buyer message the event was about (messaging's), kept as a plain id: `disputes` knows
    # no message model, and a deleted message leaves the retry to the order's latest one.
    message_id = models.BigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    failed_at = models.DateTimeField(default=timezone.now)
    # How many times the rule failed on this event: once at the event, then once per retry
    # that failed again (`error` is the latest reason).
    attempts = models.PositiveIntegerField(default=1)
    retried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rule failure")
        verbose_name_plural = _("rule failures")
        indexes = [
            # A retry: the rule's failures not yet put right, oldest first.
            models.Index(
                fields=["rule", "failed_at"], name="rule_failure_open", condition=Q(retried_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} on claim {self.claim_id}"


class RuleRetry(models.Model):
    """A manager's retry of a rule's failed events, run by the worker (`rules.retry_failures`).
    `events` is how many were open when it was queued; `went` and `again` are counted as the
    worker goes, each in the transaction of its event, and `last_at` with them; `finished_at`
    is set when the last one is done. The set-aside page shows it while it runs, then its
    outcome for a while."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="retries")
    events = models.PositiveIntegerField()
    went = models.PositiveIntegerField(default=0)
    again = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    # The last sign of the retry: queued, or an event done. One silent for long lost its worker.
    last_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rule retry")
        verbose_name_plural = _("rule retries")
        indexes = [
            # The set-aside page: the retries heard from lately.
            models.Index(fields=["last_at"], name="rule_retry_recent"),
        ]

    # A retry silent for this long lost its worker (twice the task's hard limit).
    LEASE = timedelta(minutes=4)

    def __str__(self) -> str:
        return f"retry of {self.rule_id} ({self.went + self.again}/{self.events})"

    @property
    def running(self) -> bool:
        """Queued or under way, and heard from within its lease."""
        return self.finished_at is None and self.last_at >= timezone.now() - self.LEASE

    @property
    def stopped(self) -> bool:
        """Left unfinished by a worker that died or ran out of time."""
        return self.finished_at is None and not self.running
