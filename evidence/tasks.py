import logging
import time
from functools import partial

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from disputes import setaside
from disputes.models import Membership, Role, SetAside, SetAsideKind

from . import previews, services
from .models import EvidenceItem, PreviewProblem, Previews

log = logging.getLogger(__name__)


# A file that kills the worker under it (it should not: the drawing has its own capped
# process) is redelivered after the worker's death; once this many deliveries started and
# never finished, the next one gives up on it.
PREVIEW_STARTS = 2
STORAGE_RETRIES = 5


# acks_late with reject_on_worker_lost: a delivery lost with its worker comes back, and
# preview_unfinished stops that from going on forever. The time limits only back up the
# renderer's own timeout (twice over, plus copying the original and storing the results).
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=STORAGE_RETRIES,
    soft_time_limit=settings.EVIDENCE_PREVIEW_SECONDS * 2 + 60,
    time_limit=settings.EVIDENCE_PREVIEW_SECONDS * 2 + 90,
)
def make_previews(self, item_id: int) -> str:
    """Thumbnail and preview of one evidence item, after its upload committed. Idempotent:
    an item whose previews are settled is left alone. Ends READY, NONE or FAILED with its
    reason; a failure is set aside for the managers."""
    item = services.previews_begin(item_id)
    if item is None:
        return "skipped"
    if item.preview_unfinished > PREVIEW_STARTS:
        outcome = previews.failed(
            PreviewProblem.INTERRUPTED,
            f"the worker stopped {item.preview_unfinished - 1} times while drawing it",
        )
    else:
        try:
            outcome = previews.make(item)
        except OSError as error:
            # The storage did not answer: worth trying again later, with the same file.
            services.previews_pause(item_id)
            if self.request.retries < self.max_retries and not self.request.called_directly:
                raise self.retry(exc=error, countdown=min(300, 10 * 2**self.request.retries)) from None
            outcome = previews.failed(PreviewProblem.STORAGE, setaside.describe_error(error))
        except SoftTimeLimitExceeded:
            outcome = previews.failed(PreviewProblem.TIME, "the task ran out of time")
        except Exception as error:
            log.exception("previews failed for evidence %s", item_id)
            outcome = previews.failed(PreviewProblem.UNREADABLE, setaside.describe_error(error))
    services.previews_end(item_id, outcome.status, outcome.thumb, outcome.preview, outcome.problem)
    if outcome.status == Previews.FAILED:
        log.warning("no preview for evidence %s: %s", item_id, outcome.detail)
        setaside.record(
            kind=SetAsideKind.EVIDENCE_PREVIEW,
            subject_id=item_id,
            store_id=item.store_id,
            label=_label(item),
            reason=f"No preview: {outcome.detail}",
        )
    else:
        setaside.resolve(kind=SetAsideKind.EVIDENCE_PREVIEW, subject_id=item_id)
    return outcome.status


# How long one chunk of the nightly re-hash goes on before it hands over to the next: well
# under the default time limit, itself under Redis's visibility timeout (config/settings.py),
# so a chunk held by a worker that died is soon run by another.
FINGERPRINT_CHUNK_SECONDS = 120


@shared_task(acks_late=True)
def verify_fingerprints(after: int = 0) -> dict:
    """Nightly: re-hash every present original; alert the store's managers on a mismatch. An
    item that cannot be checked (the storage fails on it) is set aside and the walk goes on.
    The walk goes by id in chunks: after a couple of minutes this task queues the next chunk
    (from the last id it checked) and ends. Returns this chunk's counts."""
    started = time.monotonic()
    counts = {"ok": 0, "mismatch": 0, "known": 0, "set_aside": 0}
    set_aside = set(
        SetAside.objects.filter(kind=SetAsideKind.EVIDENCE_FINGERPRINT, resolved_at__isnull=True).values_list(
            "subject_id", flat=True
        )
    )
    items = (
        EvidenceItem.objects.present().filter(pk__gt=after).select_related("order", "store").order_by("pk")
    )
    for item in items.iterator(chunk_size=100):
        # At least one item a chunk, so the walk always moves on.
        if any(counts.values()) and time.monotonic() - started > FINGERPRINT_CHUNK_SECONDS:
            transaction.on_commit(partial(verify_fingerprints.delay, after))
            break
        outcome = _verify_one(item)
        counts[outcome] += 1
        if outcome != "set_aside" and item.pk in set_aside:
            setaside.resolve(kind=SetAsideKind.EVIDENCE_FINGERPRINT, subject_id=item.pk)
        after = item.pk
    return counts


@shared_task(acks_late=True)
def verify_fingerprint(item_id: int) -> str:
    """One item's re-hash: how a manager's retry of a set-aside check runs it again."""
    item = EvidenceItem.objects.present().select_related("order", "store").filter(pk=item_id).first()
    if item is None:
        return "skipped"
    outcome = _verify_one(item)
    if outcome != "set_aside":
        setaside.resolve(kind=SetAsideKind.EVIDENCE_FINGERPRINT, subject_id=item_id)
    return outcome


def _verify_one(item: EvidenceItem) -> str:
    try:
        outcome = services.verify_item(item)
        if outcome == "mismatch":
            log.error("evidence %s (%s) no longer matches its SHA-256", item.pk, item.storage_name)
            _alert_managers(item)
        return outcome
    except Exception as error:
        log.exception("fingerprint check failed for evidence %s", item.pk)
        setaside.record(
            kind=SetAsideKind.EVIDENCE_FINGERPRINT,
            subject_id=item.pk,
            store_id=item.store_id,
            label=_label(item),
            reason=setaside.describe_error(error),
        )
        return "set_aside"


def _label(item: EvidenceItem) -> str:
    return f"{item.order.platform_order_id} · {item.original_name}"


def _alert_managers(item: EvidenceItem) -> None:
    emails = list(
        Membership.objects.filter(store_id=item.store_id, role=Role.MANAGER)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not emails:
        return
    url = settings.DESK_BASE_URL + reverse("disputes:order", args=[item.order_id])
    send_mail(
        f"[{item.store.name}] Evidence fingerprint mismatch: {item.order.platform_order_id}",
        "\n".join(
            [
                f"The stored original of “{item.original_name}” ({item.get_kind_display()}) no longer "
                f"matches the SHA-256 recorded when it was added.",
                f"Recorded: {item.sha256}",
                "Check the storage and restore the file from a backup.",
                url,
            ]
        ),
        None,
        emails,
    )
