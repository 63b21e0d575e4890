import json
import math

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .stores import Platform, Store

# --- Deadline rules -----------------------------------------------------------------------


class ClaimKind(models.TextChoices):
    A_TO_Z = "a_to_z", _("A-to-Z Guarantee claim")
    EBAY_CASE = "ebay_case", _("eBay case / return request")
    OZON_DISPUTE = "ozon_dispute", _("Ozon dispute")
    DHGATE_DISPUTE = "dhgate_dispute", _("DHgate dispute")
    WALMART_DISPUTE = "walmart_dispute", _("Walmart dispute")
    CHARGEBACK = "chargeback", _("Chargeback")
    NEGATIVE_FEEDBACK = "negative_feedback", _("Negative feedback / 1–2 star review")
    BUYER_COMPLAINT = "buyer_complaint", _("Buyer complaint")


class DeadlineKind(models.TextChoices):
    RESPOND = "respond", _("Respond")
    APPEAL = "appeal", _("Appeal")
    REPLY = "reply", _("Reply to a buyer message")
    # When a buyer may first open a claim: the team's last chance to act before it.
    OPENS_AFTER_CONTACT = "opens_after_contact", _("Buyer may open a claim, after writing to the seller")
    OPENS_AFTER_DELIVERY = "opens_after_delivery", _("Buyer may open a claim, after the latest delivery date")


class DeadlineUnit(models.TextChoices):
    CALENDAR_HOURS = "calendar_hours", _("calendar hours")
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    BUSINESS_DAYS = "business_days", _("business days")


class DeadlineStart(models.TextChoices):
    CLAIM_OPENED = "claim_opened", _("the claim was opened")
    PLATFORM_REQUEST = "platform_request", _("the platform's request")
    CLAIM_CLOSED = "claim_closed", _("the decision")
    MESSAGE_RECEIVED = "message_received", _("the buyer's message")
    LATEST_DELIVERY = "latest_delivery", _("the latest delivery date")


# A warning more than a year ahead means nothing; the bound also keeps the arithmetic and the
# threshold's name ("warn_<hours>h") within range.
MAX_WARNING_HOURS = 24 * 365


def is_warning_hour(value) -> bool:
    """Whether one entry of a `warn_hours_before` list can be used: a finite number of hours
    above 0 and at most a year. JSON's `true` arrives as a bool, which Python counts as an int."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 < value <= MAX_WARNING_HOURS
    )


def warning_hours(value) -> list[int | float]:
    """The one reader of a `warn_hours_before` list (a rule's, or the copy a buyer message
    keeps): its usable entries in hours, rounded to the hundredth, each once, largest first.

    A value stored before it was validated, or written around the admin form (strings, zero,
    negatives, nested lists, a dict, `true`), is read as far as it makes sense and the rest
    skipped, so no page and no sweep fails on it."""
    if not isinstance(value, list):
        return []
    found = set()
    for entry in value:
        if is_warning_hour(entry):
            hours = round(entry, 2)
            if hours > 0:
                found.add(int(hours) if hours == int(hours) else hours)
    return sorted(found, reverse=True)


# A deadline whose rule names no usable warning is still warned a day ahead, claim or buyer
# message alike: the first warning alert fires then, and from then on its badge says "due soon".
DEFAULT_WARNING_HOURS = 24


def warnings_or_default(value) -> list[int | float]:
    """The warnings of a `warn_hours_before` list, or the desk's default one."""
    return warning_hours(value) or [DEFAULT_WARNING_HOURS]


class DeadlineRule(models.Model):
    """A platform's deadline for one kind of claim, as data admins can edit.

    A rule with a store applies to that store only, in place of its platform's rule (an Ozon
    rFBS store has 3 days where FBS stores have 24 hours). Editing a rule does not move the due
    time of claims already open; they are recomputed when someone asks (one claim from its page,
    or all a rule governs from admin), and each claim's timeline records it."""

    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    store = models.ForeignKey(
        Store,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadline_rules",
        verbose_name=_("store"),
        help_text=_("Only this store, in place of the platform's rule. Empty: every store of the platform."),
    )
    claim_kind = models.CharField(_("claim kind"), max_length=30, choices=ClaimKind.choices)
    deadline = models.CharField(_("deadline"), max_length=20, choices=DeadlineKind.choices)
    length = models.PositiveIntegerField(_("length"))
    unit = models.CharField(_("unit"), max_length=20, choices=DeadlineUnit.choices)
    starts_from = models.CharField(
        _("counted from"),
        max_length=20,
        choices=DeadlineStart.choices,
        default=DeadlineStart.CLAIM_OPENED,
    )
    warn_hours_before = models.JSONField(
        _("warn hours before"),
        default=list,
        blank=True,
        help_text=_("Hours before the due time at which to warn, e.g. [24, 6]."),
    )
    source = models.TextField(
        _("source"), blank=True, help_text=_("Where the platform states this rule, and when it was checked.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["platform", "claim_kind", "deadline"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "claim_kind", "deadline"],
                condition=Q(store__isnull=True),
                name="deadline_rule_unique",
                violation_error_message=_(
                    "The platform already has a rule for this kind of claim and deadline; "
                    "edit it, or choose a store for a rule of that store's own."
                ),
            ),
            models.UniqueConstraint(
                fields=["store", "claim_kind", "deadline"],
                condition=Q(store__isnull=False),
                name="deadline_rule_unique_per_store",
                violation_error_message=_(
                    "This store already has a rule for this kind of claim and deadline."
                ),
            ),
            models.CheckConstraint(condition=Q(length__gt=0), name="deadline_rule_length_positive"),
        ]

    def __str__(self) -> str:
        scope = self.store.name if self.store is not None else self.get_platform_display()
        return f"{scope} · {self.get_claim_kind_display()} · {self.get_deadline_display()}: {self.length} {self.get_unit_display()}"

    def clean(self) -> None:
        if self.store is not None and self.platform and self.store.platform != self.platform:
            raise ValidationError(
                {
                    "store": _("%(store)s sells on %(platform)s, not on this rule's platform.")
                    % {"store": self.store, "platform": self.store.get_platform_display()}
                }
            )
        # Admins type this JSON by hand: refuse what the sweep and the pages could not read.
        if self.warn_hours_before is None:  # the field was emptied
            self.warn_hours_before = []
        hours = self.warn_hours_before
        if not isinstance(hours, list):
            raise ValidationError({"warn_hours_before": _("Enter a list of hours, e.g. [24, 6].")})
        for entry in hours:
            if not is_warning_hour(entry):
                raise ValidationError(
                    {
                        "warn_hours_before": _(
                            "%(entry)s is not a number of hours: each warning must be a number above 0 and at most "
                            "%(most)d, e.g. [24, 6]."
                        )
                        % {"entry": json.dumps(entry, ensure_ascii=False), "most": MAX_WARNING_HOURS}
                    }
                )
