"""Demo evidence: a few generated pictures and a PDF on the demo store's claims, so the gallery,
the checklist and the comparison view have something to show on a fresh desk."""

import io

from PIL import Image, ImageDraw

from disputes.demo import DemoData
from disputes.models import Claim, Reason

from . import services
from .models import EvidenceItem, EvidenceKind


def _picture(text: str, background: tuple[int, int, int], *, crack: bool = False) -> bytes:
    image = Image.new("RGB", (1200, 900), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle([300, 200, 900, 700], fill=(214, 180, 130), outline=(90, 60, 30), width=8)
    draw.line([300, 200, 600, 120, 1200, 120, 900, 200], fill=(90, 60, 30), width=6)
    if crack:
        draw.line([420, 260, 520, 420, 470, 560, 600, 690], fill=(30, 30, 30), width=7)
    draw.text((40, 40), text, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _pdf(text: str) -> bytes:
    page = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(page).multiline_text((40, 40), text, fill="black", spacing=8)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=72)
    return out.getvalue()


def seed_demo_evidence(_data: DemoData | None = None) -> int:
    """Attach demo files to the first damaged and the first "not received" claim; once. Each
    file is added in its own transaction (the files are stored outside the database)."""
    if EvidenceItem.objects.exists():
        return 0
    added = 0
    damaged = Claim.objects.filter(reason=Reason.DAMAGED).select_related("order").order_by("pk").first()
    if damaged:
        files = [
            (
                "packed-lamp.jpg",
                _picture("Packed 2 days after purchase", (40, 90, 140)),
                EvidenceKind.PRE_SHIPMENT_PHOTO,
                "The lamp left intact, wrapped in foam, box sealed.",
            ),
            (
                "buyer-photo.jpg",
                _picture("Buyer's photo", (110, 110, 110), crack=True),
                EvidenceKind.BUYER_MEDIA,
                "The buyer's photo of the box as delivered.",
            ),
        ]
        for name, data, kind, caption in files:
            services.evidence_add(
                order=damaged.order,
                chunks=[data],
                name=name,
                declared_type="image/jpeg",
                kind=kind,
                caption=caption,
                captured_at=damaged.order.purchased_at,
                by=None,
            )
            added += 1
    lost = Claim.objects.filter(reason=Reason.NOT_RECEIVED).select_related("order").order_by("pk").first()
    if lost:
        services.evidence_add(
            order=lost.order,
            chunks=[_pdf("Tracking history\n\nAccepted by carrier\nIn transit\nDelivered, front door")],
            name="tracking.pdf",
            declared_type="application/pdf",
            kind=EvidenceKind.TRACKING_HISTORY,
            caption="The carrier's scans up to delivery.",
            captured_at=lost.order.purchased_at,
            by=None,
        )
        added += 1
    return added
