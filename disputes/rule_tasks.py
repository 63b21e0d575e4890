"""Applying an edited deadline rule to the open claims it governs, in the worker."""

import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from . import services, setaside
from .deadlines import governed_open_claims
from .models import Claim, DeadlineRule, SetAsideKind

log = logging.getLogger(__name__)

# Claims one task run recomputes; the rest go to the next run, so no run nears its time limit.
CHUNK = 500


@shared_task(acks_late=True, soft_time_limit=100, time_limit=120)
def recompute_rule_claims(rule_ids: list[int], by_id: int | None = None, after_id: int = 0) -> dict[str, int]:
    """Recompute the response deadline of every open claim these rules govern, each claim in
    its own transaction and recorded on its timeline, in order of id from `after_id`. A claim
    that fails is logged and set aside with its reason; the others go on."""
    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    claim_ids: set[int] = set()
    for rule in DeadlineRule.objects.filter(pk__in=rule_ids):
        claim_ids.update(governed_open_claims(rule).filter(pk__gt=after_id).values_list("pk", flat=True))
    ordered = sorted(claim_ids)
    counts = {"recomputed": 0, "skipped": 0, "failed": 0}
    for claim_id in ordered[:CHUNK]:
        counts[recompute_one(claim_id, by)] += 1
    if len(ordered) > CHUNK:
        recompute_rule_claims.apply_async(
            args=[rule_ids, by_id, ordered[CHUNK - 1]], queue=settings.DEADLINE_TASK_QUEUE
        )
    log.info("Deadline rules %s after claim %s: %s", rule_ids, after_id, counts)
    return counts


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def recompute_claim(claim_id: int) -> str:
    """A manager's retry of one claim whose recompute failed."""
    return recompute_one(claim_id, None)


def recompute_one(claim_id: int, by) -> str:
    try:
        services.claim_recompute_deadline(claim=Claim(pk=claim_id), by=by, version=None)
    except (services.ClaimError, Claim.DoesNotExist):
        # Closed or deleted since the list was read: nothing left to recompute.
        setaside.resolve(kind=SetAsideKind.CLAIM_DEADLINE, subject_id=claim_id)
        return "skipped"
    except Exception as error:
        log.exception("Could not recompute the deadline of claim %s", claim_id)
        claim = (
            Claim.objects.filter(pk=claim_id)
            .select_related("order")
            .only("store_id", "order__platform_order_id")
            .first()
        )
        if claim is not None:
            setaside.record(
                kind=SetAsideKind.CLAIM_DEADLINE,
                subject_id=claim_id,
                store_id=claim.store_id,
                label=claim.order.platform_order_id,
                reason=setaside.describe_error(error),
            )
        return "failed"
    setaside.resolve(kind=SetAsideKind.CLAIM_DEADLINE, subject_id=claim_id)
    return "recomputed"
