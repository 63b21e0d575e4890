from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .claims import Claim, Outcome
from .stores import Store

# --- Post-mortems -------------------------------------------------------------------------


class RootCause(models.TextChoices):
    LISTING_UNCLEAR = "listing_unclear", _("Listing unclear")
    PACKAGING = "packaging", _("Packaging too weak")
    CARRIER = "carrier", _("Carrier")
    MESSAGE_WORDING = "message_wording", _("Message wording")
    PRODUCT_DEFECT = "product_defect", _("Product defect")
    BUYER_ABUSE = "buyer_abuse", _("Buyer abuse")
    OTHER = "other", _("Other")


class PostMortem(models.Model):
    """What the team learnt when a claim closed, win or lose. A claim reopened (for an appeal,
    or because the case came back: `services.claim_reopen`) keeps this one and gets a second
    when it closes again."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="post_mortems")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    root_cause = models.CharField(_("root cause"), max_length=20, choices=RootCause.choices)
    decided_by = models.TextField(_("what decided the outcome"), max_length=2000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    written_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("post-mortem")
        verbose_name_plural = _("post-mortems")
        ordering = ["-written_at"]
        indexes = [
            # The managers' report: post-mortems of their stores over a period.
            models.Index(fields=["store", "written_at"], name="postmortem_report"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.get_root_cause_display()}"

    @property
    def won(self) -> bool:
        return Outcome(self.outcome).is_win


class ImprovementAction(models.Model):
    """Something to change so the next claim goes better, owned by one person until done."""

    post_mortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="actions")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    description = models.CharField(_("improvement action"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="improvement_actions",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["due_on", "pk"]
        indexes = [
            # The owner's queue: their actions not yet done, soonest first.
            models.Index(
                fields=["owner", "due_on"], name="action_open_by_owner", condition=Q(done_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
