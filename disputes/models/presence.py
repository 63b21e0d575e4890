from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .claims import Claim


class ClaimPresence(models.Model):
    """Who has a claim's page open, and whether they are writing to the buyer.

    One row per claim, person and page load (`page`, a token the page sends with each poll),
    upserted by the page's poll (`disputes/presence.py`): the row says when that page last
    answered (`seen_at`) and, while its reply box holds a draft, when it last said so
    (`typing_at`). A row older than the freshness window means the page is gone. Leaving the
    page turns its row into a marker (`gone`) that no later poll of that page may write over,
    so a poll still on its way when the page went away cannot bring the person back; the
    hourly prune deletes markers and the rows of pages that went away without saying so."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="presence", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Made by the claim page's script when it starts (again when the page comes back from the
    # browser's page cache); empty from a page that sends none.
    page = models.CharField(max_length=32, blank=True, default="")
    seen_at = models.DateTimeField()
    typing_at = models.DateTimeField(null=True, blank=True)
    # The page said goodbye: the row stays (for the prune) only to refuse that page's late polls.
    gone = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("claim presence")
        verbose_name_plural = _("claim presence")
        constraints = [
            # The poll's upsert, and its read of who else is on the claim (leads with claim).
            models.UniqueConstraint(fields=["claim", "user", "page"], name="presence_once_per_page"),
        ]
        indexes = [
            # The hourly prune of rows whose page went away without saying so.
            models.Index(fields=["seen_at"], name="presence_seen"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on claim {self.claim_id}"
