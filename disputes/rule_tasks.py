"""Applying an edited deadline rule to the open claims it governs, in the worker."""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model

from . import services
from .deadlines import governed_open_claims
from .models import Claim, DeadlineRule

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def recompute_rule_claims(rule_ids: list[int], by_id: int | None = None) -> dict[str, int]:
    """Recompute the response deadline of every open claim these rules govern, each claim in
    its own transaction and recorded on its timeline. A claim that fails is logged with its id
    and skipped; the others go on."""
    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    claim_ids: set[int] = set()
    for rule in DeadlineRule.objects.filter(pk__in=rule_ids):
        claim_ids.update(governed_open_claims(rule).values_list("pk", flat=True))
    counts = {"recomputed": 0, "skipped": 0, "failed": 0}
    for claim_id in sorted(claim_ids):
        try:
            services.claim_recompute_deadline(claim=Claim(pk=claim_id), by=by, version=None)
        except (services.ClaimError, Claim.DoesNotExist):
            # Closed or deleted since the list was read: nothing left to recompute.
            counts["skipped"] += 1
        except Exception:
            log.exception("Could not recompute the deadline of claim %s", claim_id)
            counts["failed"] += 1
        else:
            counts["recomputed"] += 1
    log.info("Deadline rules %s: %s", rule_ids, counts)
    return counts
