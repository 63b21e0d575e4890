import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from disputes.models import Membership, Role

from . import previews, services
from .models import EvidenceItem, Previews

log = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=300,
             max_retries=5)
def make_previews(item_id: int) -> str:
    """Thumbnail and preview of one evidence item, after its upload committed. Idempotent:
    an item whose previews exist is left alone."""
    item = EvidenceItem.objects.filter(pk=item_id).first()
    if item is None or item.previews != Previews.PENDING:
        return "skipped"
    try:
        status, thumb, preview = previews.make(item)
    except OSError:
        raise
    except Exception:
        log.exception("previews failed for evidence %s", item_id)
        status, thumb, preview = Previews.FAILED, "", ""
    services.mark_previews(item_id, status, thumb, preview)
    return status


@shared_task(acks_late=True)
def verify_fingerprints() -> dict:
    """Nightly: re-hash every present original; alert the store's managers on a mismatch."""
    counts = {"ok": 0, "mismatch": 0, "known": 0}
    failed: list[EvidenceItem] = []
    items = EvidenceItem.objects.present().select_related("order", "store").order_by("verified_at", "pk")
    for item in items.iterator(chunk_size=500):
        outcome = services.verify_item(item)
        counts[outcome] += 1
        if outcome == "mismatch":
            failed.append(item)
    for item in failed:
        log.error("evidence %s (%s) no longer matches its SHA-256", item.pk, item.storage_name)
        _alert_managers(item)
    return counts


def _alert_managers(item: EvidenceItem) -> None:
    emails = list(
        Membership.objects.filter(store_id=item.store_id, role=Role.MANAGER)
        .exclude(user__email="").values_list("user__email", flat=True)
    )
    if not emails:
        return
    url = settings.DESK_BASE_URL + reverse("disputes:order", args=[item.order_id])
    send_mail(
        f"[{item.store.name}] Evidence fingerprint mismatch: {item.order.platform_order_id}",
        "\n".join([
            f"The stored original of “{item.original_name}” ({item.get_kind_display()}) no longer "
            f"matches the SHA-256 recorded when it was added.",
            f"Recorded: {item.sha256}",
            "Check the storage and restore the file from a backup.",
            url,
        ]),
        None, emails,
    )
