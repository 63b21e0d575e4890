from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Order, Store, TimelineEntry


class EvidenceKind(models.TextChoices):
    ORDER_DETAILS = "order_details", _("Order details")
    MESSAGE_LOG = "message_log", _("Message log")
    TRACKING_HISTORY = "tracking_history", _("Tracking history")
    PROOF_OF_DELIVERY = "proof_of_delivery", _("Proof of delivery")
    PRE_SHIPMENT_PHOTO = "pre_shipment_photo", _("Pre-shipment photo")
    PACKING_VIDEO = "packing_video", _("Packing video")
    LISTING_SCREENSHOT = "listing_screenshot", _("Listing screenshot")
    PACKING_LIST = "packing_list", _("Packing list")
    QC_REPORT = "qc_report", _("Quality inspection report")
    CARRIER_CORRESPONDENCE = "carrier_correspondence", _("Carrier correspondence")
    BUYER_MEDIA = "buyer_media", _("Buyer's photo or video")
    REFUND_RECORD = "refund_record", _("Refund or replacement record")
    OTHER = "other", _("Other")


class FileType(models.TextChoices):
    """What the content is, as the vault detected it (never what the name or browser said)."""

    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"
    WEBP = "webp", "WebP"
    HEIC = "heic", "HEIC"
    PDF = "pdf", "PDF"
    MP4 = "mp4", "MP4"
    MOV = "mov", "QuickTime MOV"
    WEBM = "webm", "WebM"


class CapturedFrom(models.TextChoices):
    """Where an item's capture time came from: the card says it beside the time."""

    FILE = "file", _("from the file")
    FILE_LOCAL = "file_local", _("from the file, read in the store's time zone")
    ENTERED = "entered", _("entered")
    UPLOAD = "upload", _("time of upload")


class Previews(models.TextChoices):
    PENDING = "pending", _("Being made")
    READY = "ready", _("Ready")
    NONE = "none", _("No preview for this file")
    FAILED = "failed", _("Preview failed")


class PreviewProblem(models.TextChoices):
    """Why an item has no preview after all; the card says it, the original stays as it is."""

    MEMORY = "memory", _("Drawing it needed more memory than a preview may use.")
    TIME = "time", _("Drawing it took longer than a preview may take.")
    CRASHED = (
        "crashed",
        _(
            "The preview maker stopped on this file: it needs more memory than a preview may use, or it is malformed."
        ),
    )
    UNREADABLE = "unreadable", _("Its content could not be drawn.")
    STORAGE = "storage", _("The original could not be read from storage.")
    INTERRUPTED = "interrupted", _("The worker stopped while drawing it, more than once.")


class EvidenceItemQuerySet(models.QuerySet):
    def present(self) -> "EvidenceItemQuerySet":
        return self.filter(deleted_at__isnull=True)


class EvidenceItem(models.Model):
    """One file that proves something about an order. The original is immutable and
    fingerprinted; captions say what it proves; deletion is soft and audited."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="evidence")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=30, choices=EvidenceKind.choices)
    caption = models.CharField(_("what it proves"), max_length=500, blank=True)
    captured_at = models.DateTimeField(_("captured"))
    # Blank on items older than this record: their time was entered or the upload's.
    captured_from = models.CharField(
        _("capture time from"), max_length=12, choices=CapturedFrom.choices, blank=True
    )
    # What the file itself says, kept when the capture time was entered or corrected.
    file_captured_at = models.DateTimeField(_("capture time in the file"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    file_type = models.CharField(_("detected type"), max_length=10, choices=FileType.choices)
    content_type = models.CharField(max_length=50)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # A generated name in the private evidence storage; the upload's own name is never used.
    storage_name = models.CharField(max_length=200, unique=True, editable=False)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    previews = models.CharField(max_length=10, choices=Previews.choices, default=Previews.PENDING)
    thumb_name = models.CharField(max_length=200, blank=True, editable=False)
    preview_name = models.CharField(max_length=200, blank=True, editable=False)
    preview_problem = models.CharField(max_length=20, choices=PreviewProblem.choices, blank=True)
    # Deliveries of the preview task that started and never finished (the worker died under
    # them): counted so a file that kills its worker is given up on instead of redelivered forever.
    preview_unfinished = models.PositiveSmallIntegerField(default=0)
    # The hook for appeals: a submitted appeal locks the evidence it used (evidence_lock).
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_reason = models.CharField(max_length=300, blank=True)
    # The nightly re-hash: when it last matched, and when it first did not.
    verified_at = models.DateTimeField(null=True, blank=True)
    integrity_failed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delete_reason = models.TextField(blank=True)

    objects = EvidenceItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence item")
        verbose_name_plural = _("evidence items")
        ordering = ["captured_at", "pk"]
        indexes = [
            # The gallery, the checklist and the claim timeline: an order's present evidence.
            models.Index(
                fields=["order", "captured_at"],
                name="evidence_order_present",
                condition=Q(deleted_at__isnull=True),
            ),
            # The nightly re-hash walks every present item, least recently verified first.
            models.Index(
                fields=["verified_at"], name="evidence_verify_due", condition=Q(deleted_at__isnull=True)
            ),
        ]
        constraints = [
            # The same file twice on one order says nothing new (a deleted copy may come back).
            models.UniqueConstraint(
                fields=["order", "sha256"],
                name="evidence_once_per_order",
                condition=Q(deleted_at__isnull=True),
            ),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="evidence_sha256_hex"),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | ~Q(delete_reason=""),
                name="evidence_delete_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"

    def is_locked(self) -> bool:
        """Used by a submitted appeal: such evidence can no longer be deleted."""
        return self.locked_at is not None

    @property
    def is_image(self) -> bool:
        return self.file_type in {FileType.JPEG, FileType.PNG, FileType.WEBP, FileType.HEIC}


class EvidenceEvent(TimelineEntry):
    """The evidence audit trail: added, caption or kind edited, deleted, locked, integrity.
    Kept per item (an order's evidence may predate its claims); the claim timeline reads it."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="events")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")

    class Meta(TimelineEntry.Meta):
        verbose_name = _("evidence event")
        verbose_name_plural = _("evidence events")
        # The claim timeline reads an order's evidence events.
        indexes = [models.Index(fields=["order", "at"], name="evidence_event_timeline")]
