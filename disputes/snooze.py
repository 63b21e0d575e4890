"""Snoozed claims coming back: the worker's half of a snooze.

Whether a claim is asleep is read from `claim.snoozed_until` by the queue itself, so a claim
comes back on time even with no worker running. The worker only tells the owner (the
assignee, else whoever snoozed it) through the header's bell: every minute it reads the claims
whose `snooze_alert_at` has passed (a partial index), takes each with a conditional UPDATE and
writes one `Alert` (unique per claim, snooze end and threshold) with its notification and a
timeline entry. Two sweepers, or a re-run, never remind twice; one bad row is logged and set
aside, and the others go on."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from . import setaside
from .models import Alert, AlertThreshold, Claim, ClaimEvent, Notification, SetAsideKind
from .timeline import Action, entry

log = logging.getLogger(__name__)

BATCH = 500
RETRY_AFTER = timedelta(hours=1)


def remind_due(now: datetime | None = None) -> int:
    """Remind the owners of every claim whose snooze has ended; returns how many were reminded."""
    now = now or timezone.now()
    due = list(
        Claim.objects.filter(snooze_alert_at__lte=now)
        .order_by("snooze_alert_at")
        .values_list("pk", "snooze_alert_at")[:BATCH]
    )
    reminded = 0
    for pk, at in due:
        assert at is not None  # filtered on it
        try:
            with transaction.atomic():
                reminded += _remind(pk, at, now)
        except Exception as error:
            log.exception("snooze reminder of claim %s failed", pk)
            # Tried again in an hour, not every minute; managers see it meanwhile.
            Claim.objects.filter(pk=pk, snooze_alert_at=at).update(snooze_alert_at=now + RETRY_AFTER)
            store_id = Claim.objects.filter(pk=pk).values_list("store_id", flat=True).first()
            if store_id is not None:
                setaside.record(
                    store_id=store_id,
                    kind=SetAsideKind.CLAIM_ALERTS,
                    subject_id=pk,
                    label=f"claim {pk}",
                    reason=setaside.describe_error(error),
                )
    return reminded


def _remind(pk: int, at: datetime, now: datetime) -> int:
    # Whoever moves the column on owns the reminder; anyone else finds nothing left to do.
    if not Claim.objects.filter(pk=pk, snooze_alert_at=at).update(snooze_alert_at=None):
        return 0
    claim = Claim.objects.select_related("assignee", "snoozed_by").get(pk=pk)
    if not claim.is_open or claim.snoozed_until is None:
        return 0
    owner = claim.assignee or claim.snoozed_by
    alert, _created = Alert.objects.get_or_create(
        claim=claim,
        window_start=claim.snoozed_until,
        threshold=AlertThreshold.SNOOZE_END,
        defaults={"scheduled_for": at, "due_at": claim.snoozed_until, "raised_at": now},
    )
    if owner is not None:
        # The bell only: a reminder the owner set is no deadline worth an e-mail.
        Notification.objects.get_or_create(alert=alert, user=owner, defaults={"email_due_at": None})
    entry(ClaimEvent(claim=claim), Action.SNOOZE_ENDED, at=now, owner=owner).save()
    return 1
