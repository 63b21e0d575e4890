"""Appeals: written cases to the platform, kept as numbered versions.

The models moved here from `disputes` without touching the database: their tables keep the
names they had there (`db_table`), and so do their indexes and constraints."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Claim, Outcome, Store


class AppealKind(models.TextChoices):
    CLAIM_RESPONSE = "claim_response", _("Claim response")
    APPEAL = "appeal", _("Appeal of a granted claim")
    CHARGEBACK_RESPONSE = "chargeback_response", _("Chargeback response")
    DISPUTE_STATEMENT = "dispute_statement", _("Platform dispute statement")


class AppealDecision(models.TextChoices):
    WON = "won", _("Won: decided in the seller's favour")
    LOST = "lost", _("Lost: granted to the buyer")


class Funding(models.TextChoices):
    SELLER = "seller", _("Seller-funded")
    PLATFORM = "platform", _("Platform-funded")


class Appeal(models.Model):
    """A written case to the platform (facts → evidence → conclusion), kept as numbered
    versions. Once one version is submitted the appeal is frozen: no new version, and the
    evidence it used is locked in the vault."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appeals")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=AppealKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_version = models.ForeignKey(
        "AppealVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted version"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_where = models.CharField(_("submitted where"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    decision = models.CharField(_("decision"), max_length=10, choices=AppealDecision.choices, blank=True)
    funding = models.CharField(_("funded by"), max_length=10, choices=Funding.choices, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        db_table = "disputes_appeal"
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The claim page's "Build an appeal" card: a claim's appeals, newest first.
            models.Index(fields=["claim", "created_at"], name="appeal_by_claim"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(submitted_version__isnull=True) | Q(submitted_at__isnull=False),
                name="appeal_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=Q(decision="") | Q(submitted_at__isnull=False, decided_at__isnull=False),
                name="appeal_decided_after_submission",
            ),
            models.CheckConstraint(
                condition=~Q(decision="lost") | ~Q(funding=""),
                name="appeal_lost_has_funding",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.claim_id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def is_decided(self) -> bool:
        return bool(self.decision)

    @property
    def matching_outcome(self) -> str:
        """The claim outcome this decision amounts to (Amazon's vocabulary)."""
        if self.decision == AppealDecision.WON:
            return Outcome.DENIED
        if self.decision == AppealDecision.LOST:
            return (
                Outcome.GRANTED_PLATFORM_FUNDED
                if self.funding == Funding.PLATFORM
                else Outcome.GRANTED_SELLER_FUNDED
            )
        return ""


class AppealVersion(models.Model):
    """One saved state of an appeal. Never edited: saving writes the next number."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    facts = models.JSONField(_("facts"), default=list)
    conclusion = models.TextField(_("conclusion"))
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    saved_at = models.DateTimeField(_("saved"), default=timezone.now)

    class Meta:
        db_table = "disputes_appealversion"
        verbose_name = _("appeal version")
        verbose_name_plural = _("appeal versions")
        ordering = ["appeal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "number"], name="appeal_version_number_unique"),
            models.CheckConstraint(condition=Q(number__gt=0), name="appeal_version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} v{self.number}"


class AppealEvidence(models.Model):
    """An evidence item as one version presents it: its place and its one-line caption."""

    version = models.ForeignKey(AppealVersion, on_delete=models.CASCADE, related_name="evidence")
    item = models.ForeignKey("evidence.EvidenceItem", on_delete=models.PROTECT, related_name="appeal_uses")
    position = models.PositiveSmallIntegerField()
    caption = models.CharField(_("what it proves"), max_length=500)

    class Meta:
        db_table = "disputes_appealevidence"
        verbose_name = _("appeal evidence")
        verbose_name_plural = _("appeal evidence")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "item"], name="appeal_evidence_once_per_version"),
            models.UniqueConstraint(fields=["version", "position"], name="appeal_evidence_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.version} #{self.position}: {self.caption}"
