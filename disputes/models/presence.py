from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .claims import Claim


class ClaimPresence(models.Model):
    """Who has a claim's page open, and whether they are writing to the buyer.

    One row per claim and person, upserted by the page's poll (`disputes/presence.py`): the
    row says when that page last answered (`seen_at`) and, while its reply box holds a draft,
    when it last said so (`typing_at`). A row older than the freshness window means the page is
    gone; leaving the page deletes the row, and the hourly prune deletes the ones left behind."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="presence", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()
    typing_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("claim presence")
        verbose_name_plural = _("claim presence")
        constraints = [
            # The poll's upsert, and its read of who else is on the claim (leads with claim).
            models.UniqueConstraint(fields=["claim", "user"], name="presence_once_per_claim_user"),
        ]
        indexes = [
            # The hourly prune of rows whose page went away without saying so.
            models.Index(fields=["seen_at"], name="presence_seen"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on claim {self.claim_id}"
