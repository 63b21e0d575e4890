"""Appeals as documents: the facts and conclusion drafted from what the desk knows, the plain
text sized for the platform's form, and the PDF with the captioned evidence embedded.

The drafted wording goes to the platform, not to the agent, so it is written in English
(the language the marketplaces read appeals in) and not passed through gettext."""

import io
import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter, Transformation

from disputes.models import Claim, ClaimKind, Reason
from evidence import selectors as evidence_selectors
from evidence.models import CapturedFrom, EvidenceItem, EvidenceKind, FileType
from evidence.storage import evidence_storage
from evidence.validation import TYPES
from messaging.models import Channel, Direction, Message

from . import fonts
from .models import Appeal, AppealKind, AppealVersion


@dataclass(frozen=True)
class FormLimit:
    """How many characters the platform's appeal box takes, and whether a published source
    says so (docs/appeals.md lists each source) or the figure is the desk's cautious guess."""

    chars: int
    confirmed: bool


# The platform's free-text box for the seller's side of a claim or an appeal. Where no source
# states a figure, the guess is on the low side: a text cut here is only a warning in the
# preview, while one the platform cuts loses the conclusion at its end.
FORM_LIMITS: dict[str, FormLimit] = {
    "amazon": FormLimit(4000, confirmed=False),
    "ebay": FormLimit(2000, confirmed=False),
    "walmart": FormLimit(2000, confirmed=False),
    "ozon": FormLimit(1000, confirmed=False),
    "dhgate": FormLimit(1000, confirmed=False),
    # Shopify Payments disputes run on Stripe, whose evidence text fields take 20,000 each.
    "shopify": FormLimit(20000, confirmed=True),
}
DEFAULT_FORM_LIMIT = FormLimit(4000, confirmed=False)

# Evidence images are embedded at most this big: sharp when printed, small enough to upload.
PDF_IMAGE_MAX = 1600
PDF_JPEG_QUALITY = 82
PDF_IMAGE_THREADS = min(4, os.cpu_count() or 1)

OFFER = re.compile(r"\b(?:refund\w*|replace\w*|resend\w*|re-?ship\w*|return label)\b", re.IGNORECASE)


# --- Drafting -----------------------------------------------------------------------------


def _offer(word: str) -> str:
    word = word.lower().replace("-", "")
    for stem, name in (
        ("refund", "refund"),
        ("replace", "replacement"),
        ("resend", "resend"),
        ("reship", "resend"),
    ):
        if word.startswith(stem):
            return name
    return word


def _day(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.day} {local:%B %Y}"


def _stamp(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.day} {local:%B %Y}, {local:%H:%M}"


@translation.override("en")  # written for the platform, whatever the desk's language
def draft_facts(claim: Claim) -> list[str]:
    """The timeline in neutral bullet lines: ordered, shipped, tracked, delivered, contacted,
    offered, claimed — each dated in the store's time zone, oldest first."""
    order = claim.order
    zone = ZoneInfo(claim.store.time_zone)
    dated: list[tuple[datetime, int, str]] = []

    def add(at: datetime | None, text: str) -> None:
        if at is not None:
            dated.append((at, len(dated), text))

    add(
        order.purchased_at,
        f"{_day(order.purchased_at, zone)}: the buyer placed order {order.platform_order_id}.",
    )
    for shipment in order.shipments.prefetch_related("events"):
        carrier = shipment.carrier or "the carrier"
        tracking = f" with tracking number {shipment.tracking_number}" if shipment.tracking_number else ""
        add(
            shipment.shipped_at,
            f"{_day(shipment.shipped_at, zone) if shipment.shipped_at else ''}: "
            f"we shipped the order with {carrier}{tracking}.",
        )
        for event in shipment.events.all():
            where = f" ({event.location})" if event.location else ""
            add(
                event.occurred_at,
                f"{_stamp(event.occurred_at, zone)}: tracking shows “{event.status}”{where}.",
            )
        if shipment.delivered_at:
            proof = (
                f" Proof of delivery: {shipment.proof_of_delivery.strip()}."
                if shipment.proof_of_delivery.strip()
                else ""
            )
            add(
                shipment.delivered_at,
                f"{_day(shipment.delivered_at, zone)}: {carrier} recorded the parcel as delivered.{proof}",
            )
    messages = (
        Message.objects.filter(thread__order=order, channel=Channel.PLATFORM)
        .exclude(direction=Direction.NOTE)
        .only("direction", "at", "body")
        .order_by("at", "pk")
    )
    for message in messages:
        when = _stamp(message.at, zone)
        if message.direction == Direction.FROM_BUYER:
            add(message.at, f"{when}: the buyer contacted us through the platform's messages.")
        elif OFFER.search(message.body):
            offered = sorted({_offer(word) for word in OFFER.findall(message.body)})
            add(
                message.at,
                f"{when}: we replied in the platform thread and offered a solution ({', '.join(offered)}).",
            )
        else:
            add(message.at, f"{when}: we replied to the buyer in the platform thread.")
    for step in claim.events.filter(action__in=["opened", "platform_request"]).only("action", "at"):
        if step.action == "opened":
            add(
                step.at,
                f"{_day(step.at, zone)}: the buyer opened a claim "
                f"({claim.get_kind_display()}, “{Reason(claim.reason).label}”).",
            )
        else:
            add(step.at, f"{_stamp(step.at, zone)}: the platform asked us for information.")
    return [text for _at, _n, text in sorted(dated)]


ASKS: dict[str, str] = {
    AppealKind.CLAIM_RESPONSE: "we ask that the claim be denied.",
    AppealKind.APPEAL: "we ask that the decision be reviewed and reversed.",
    AppealKind.CHARGEBACK_RESPONSE: "we ask that the chargeback be reversed in our favour.",
    AppealKind.DISPUTE_STATEMENT: "we ask that the dispute be closed in our favour.",
}


@translation.override("en")  # written for the platform, whatever the desk's language
def draft_conclusion(claim: Claim, appeal_kind: str, evidence_kinds: Iterable[str]) -> str:
    """The position in one or two sentences, from the claim's reason and the evidence at hand."""
    K = EvidenceKind
    kinds = set(evidence_kinds)
    ask = ASKS.get(appeal_kind, ASKS[AppealKind.CLAIM_RESPONSE])
    if claim.kind == ClaimKind.CHARGEBACK and appeal_kind == AppealKind.CLAIM_RESPONSE:
        ask = ASKS[AppealKind.CHARGEBACK_RESPONSE]
    zone = ZoneInfo(claim.store.time_zone)
    shipment = next((s for s in claim.order.shipments.all() if s.delivered_at), None)
    if claim.reason == Reason.NOT_RECEIVED:
        if shipment and shipment.delivered_at and kinds & {K.TRACKING_HISTORY, K.PROOF_OF_DELIVERY}:
            number = f" {shipment.tracking_number}" if shipment.tracking_number else ""
            return (
                f"Tracking{number} confirms delivery on {_day(shipment.delivered_at, zone)} "
                f"to the buyer's address; {ask}"
            )
        if kinds & {K.TRACKING_HISTORY, K.CARRIER_CORRESPONDENCE}:
            return f"The order was shipped on time with tracking, as the carrier's records show; {ask}"
    elif claim.reason == Reason.DAMAGED and kinds & {K.PRE_SHIPMENT_PHOTO, K.PACKING_VIDEO}:
        return f"Our pre-shipment photos show the item intact and securely packed when it left us; {ask}"
    elif claim.reason in (Reason.NOT_AS_DESCRIBED, Reason.MISSING_PARTS) and kinds & {
        K.LISTING_SCREENSHOT,
        K.PACKING_LIST,
        K.PRE_SHIPMENT_PHOTO,
        K.QC_REPORT,
    }:
        return f"The listing, our packing list and our photos show the item was sent as described and complete; {ask}"
    elif claim.reason == Reason.REFUND_NOT_PROCESSED and K.REFUND_RECORD in kinds:
        return f"Our refund record shows the refund was issued as agreed; {ask}"
    return f"The facts and the evidence above show that the order was fulfilled as agreed; {ask}"


# --- The document -------------------------------------------------------------------------


@dataclass(frozen=True)
class Exhibit:
    """One evidence item as the document shows it."""

    item: EvidenceItem
    caption: str


def checked_text(facts: list[str], captions: Iterable[str], conclusion: str) -> str:
    """Everything the platform will read, in one string, for the policy checker."""
    return "\n".join([*facts, *captions, conclusion])


@translation.override("en")  # written for the platform, whatever the desk's language
def plain_text(claim: Claim, facts: list[str], shown: list[Exhibit], conclusion: str) -> str:
    lines = [
        f"Order {claim.order.platform_order_id}"
        + (f" · claim {claim.platform_claim_id}" if claim.platform_claim_id else ""),
        "",
        "FACTS",
    ]
    lines += [f"- {fact}" for fact in facts]
    if shown:
        lines += ["", "EVIDENCE (attached)"]
        lines += [
            f"{n}. {exhibit.caption} [{exhibit.item.original_name}]" for n, exhibit in enumerate(shown, 1)
        ]
    lines += ["", "CONCLUSION", conclusion.strip()]
    return "\n".join(lines)


def form_limit(platform: str) -> int:
    return FORM_LIMITS.get(platform, DEFAULT_FORM_LIMIT).chars


def form_limit_confirmed(platform: str) -> bool:
    return FORM_LIMITS.get(platform, DEFAULT_FORM_LIMIT).confirmed


def sized(text: str, limit: int) -> tuple[str, bool]:
    """The text cut to the form's limit at a line or word boundary; True when it had to be cut."""
    if len(text) <= limit:
        return text, False
    cut = text[: limit - 1]
    boundary = max(cut.rfind("\n"), cut.rfind(" "))
    if boundary > limit // 2:
        cut = cut[:boundary]
    return cut.rstrip() + "…", True


def _jpeg_for_pdf(item) -> io.BytesIO | None:
    """The evidence image downscaled to PDF_IMAGE_MAX and re-encoded as JPEG; None for files
    that are not pictures."""
    if not item.is_image:
        return None
    with evidence_storage().open(item.storage_name, "rb") as original:
        image: Image.Image = Image.open(original, formats=[TYPES[item.file_type].pillow])
        # JPEG decodes straight at a reduced scale (1/2, 1/4…) no smaller than the target, so a
        # 12 MP photo costs a fraction of a full decode. The target keeps the aspect ratio, or
        # the draft would refuse to scale a landscape photo at all.
        scale = min(1.0, PDF_IMAGE_MAX / max(image.size))
        image.draft("RGB", (round(image.width * scale), round(image.height * scale)))
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail((PDF_IMAGE_MAX, PDF_IMAGE_MAX), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=PDF_JPEG_QUALITY, optimize=False)
    out.seek(0)
    return out


def _pdf_evidence(item: EvidenceItem) -> PdfWriter | None:
    """The evidence PDF opened for merging; None for other files and for a PDF that cannot be
    read page by page (it is then named in the document, and fingerprinted in the annex)."""
    if item.file_type != FileType.PDF:
        return None
    try:
        with evidence_storage().open(item.storage_name, "rb") as original:
            reader = PdfReader(io.BytesIO(original.read()))
        if reader.is_encrypted or not len(reader.pages):
            return None
        pages = PdfWriter(clone_from=reader)
        for page in pages.pages:
            # Upright, so the placement below is plain scaling; a page without a usable box
            # fails here rather than mid-merge.
            page.transfer_rotation_to_content()
            float(page.cropbox.width)
        return pages
    except Exception:  # any damage the vault's checks let through: name the file instead
        return None


@dataclass
class _Slot:
    """Where one page of an evidence PDF lands: the document's page number and its placement."""

    pages: PdfWriter
    index: int
    page: int = 0
    left: float = 0.0
    bottom: float = 0.0
    scale: float = 1.0


def _page_place(slot: _Slot, slots: list[_Slot]):
    """A flowable filling the rest of the frame, where the evidence page is laid in afterwards;
    it draws a hairline round the spot and records the page it fell on."""
    from reportlab.platypus import Flowable

    box = slot.pages.pages[slot.index].cropbox
    sw, sh = float(box.width), float(box.height)

    class PagePlace(Flowable):
        def wrap(self, available_width, available_height):
            self.width, self.height = available_width, available_height - 2
            return self.width, self.height

        def draw(self) -> None:
            scale = min(self.width / sw, self.height / sh)
            w, h = sw * scale, sh * scale
            x, y = (self.width - w) / 2, self.height - h
            self.canv.setStrokeGray(0.7)
            self.canv.setLineWidth(0.5)
            self.canv.rect(x, y, w, h)
            ax, ay = self.canv.absolutePosition(x, y)
            slot.page, slot.scale = self.canv.getPageNumber(), scale
            slot.left, slot.bottom = ax - float(box.left) * scale, ay - float(box.bottom) * scale
            slots.append(slot)

    return PagePlace()


def _merge_pages(data: bytes, slots: list[_Slot]) -> bytes:
    """Lay each evidence PDF page into its place. Only the page's content comes across: its
    links, form fields and actions are dropped."""
    writer = PdfWriter(clone_from=io.BytesIO(data))
    for slot in slots:
        target = writer.pages[slot.page - 1]
        move = Transformation().scale(slot.scale).translate(slot.left, slot.bottom)
        target.merge_transformed_page(slot.pages.pages[slot.index], move)
        for key in ("/Annots", "/AA"):
            if key in target:
                del target[key]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _numbered_canvas(face: str, label: str):
    """A canvas that holds its pages until the end, then stamps each "Page n of N"."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict] = []

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                self.setFont(face, 8)
                self.setFillGray(0.35)
                self.drawString(18 * mm, 9 * mm, label)
                self.drawRightString(A4[0] - 18 * mm, 9 * mm, f"Page {self._pageNumber} of {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


def _person(user) -> str:
    if user is None:
        return "(a removed user)"
    return user.get_full_name() or user.get_username()


def _captured(item: EvidenceItem, zone: ZoneInfo) -> str:
    sources: dict[str, str] = {
        CapturedFrom.FILE: "read from the file's own metadata",
        CapturedFrom.FILE_LOCAL: "read from the file's metadata, in the store's time zone",
        CapturedFrom.ENTERED: "entered by the uploader",
        CapturedFrom.UPLOAD: "time of upload; the file records none",
    }
    source = sources.get(item.captured_from, "entered or time of upload")
    text = f"{_stamp(item.captured_at, zone)} ({source})"
    if item.file_captured_at and item.captured_from == CapturedFrom.ENTERED:
        text += f"; the file itself says {_stamp(item.file_captured_at, zone)}"
    return text


# Room under each photo for its caption, capture time and fingerprint (points).
PHOTO_TEXT_ROOM = 84


@translation.override("en")  # written for the platform, whatever the desk's language
def export_pdf(
    appeal: Appeal, version: AppealVersion | None, facts: list[str], shown: list[Exhibit], conclusion: str
) -> bytes:
    """Title, claim and order header, the facts as bullets, each exhibit with its caption, capture
    time and fingerprint (photos two to a page, PDF evidence merged page by page, other files
    named), the conclusion, and the evidence annex; every page numbered "Page n of N"."""
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image as PdfImage,
    )
    from reportlab.platypus import (
        KeepTogether,
        ListFlowable,
        ListItem,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    # Streams are written binary: ASCII85 only makes the PDF larger, and reportlab encodes it in
    # pure Python (about 0.1 s per photo), which alone would break the export bar.
    rl_config.useA85 = 0
    claim, order = appeal.claim, appeal.claim.order
    zone = ZoneInfo(claim.store.time_zone)
    items = [exhibit.item for exhibit in shown]
    User = get_user_model()
    people = {
        user.pk: user for user in User.objects.filter(pk__in={i.added_by_id for i in items if i.added_by_id})
    }
    header = [
        f"Store: {claim.store.name}",
        f"Order: {order.platform_order_id} (placed {_day(order.purchased_at, zone)})",
        f"Claim: {claim.get_kind_display()} · {Reason(claim.reason).label}"
        + (f" · {claim.platform_claim_id}" if claim.platform_claim_id else ""),
        f"Version: {version.number if version else 'draft'} · {_day(timezone.now(), zone)}",
    ]
    title = str(appeal.get_kind_display())
    faces = fonts.faces_for(
        "".join(
            [
                title,
                *header,
                *facts,
                conclusion,
                *(exhibit.caption + exhibit.item.original_name for exhibit in shown),
                *(_person(user) for user in people.values()),
            ]
        )
    )
    base = getSampleStyleSheet()

    def style(name: str, **overrides) -> ParagraphStyle:
        font = faces.bold if name in {"Title", "Heading2"} else faces.regular
        return ParagraphStyle(f"appeal-{name}", parent=base[name], fontName=font, **overrides)

    title_style, normal, heading = style("Title"), style("Normal"), style("Heading2")
    body = style("BodyText", leading=13)
    small = style("Normal", fontSize=8, leading=10, textColor="#444444")
    mono = ParagraphStyle("appeal-mono", parent=small, fontName="Courier", fontSize=7.5)

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{title} {order.platform_order_id}",
        author=claim.store.name,
    )
    story: list = [Paragraph(escape(title), title_style)]
    story += [Paragraph(escape(line), normal) for line in header]
    story += [Spacer(1, 6 * mm), Paragraph("Facts", heading)]
    story.append(
        ListFlowable(
            [ListItem(Paragraph(escape(fact), body)) for fact in facts],
            bulletType="bullet",
            start="•",
            leftIndent=12,
            bulletFontName=faces.regular,
        )
    )
    if shown:
        story.append(Paragraph("Evidence", heading))
    # Decoding and re-encoding the photos is most of the work; Pillow releases the GIL while it
    # does it, so a few threads share the cores.
    with ThreadPoolExecutor(max_workers=PDF_IMAGE_THREADS) as pool:
        prepared = list(pool.map(_jpeg_for_pdf, items))
    pdfs = [_pdf_evidence(item) for item in items]
    slots: list[_Slot] = []
    photo_height = (doc.height - 2 * PHOTO_TEXT_ROOM) / 2
    for n, (exhibit, data, pages_of) in enumerate(zip(shown, prepared, pdfs, strict=True), 1):
        item = exhibit.item
        caption = Paragraph(f"<b>Exhibit {n}.</b> {escape(exhibit.caption)}", body)

        def meta(item=item) -> list:
            return [
                Paragraph(f"{escape(item.original_name)} · captured {escape(_captured(item, zone))}", small),
                Paragraph(f"SHA-256 {item.sha256}", mono),
            ]

        if data is not None:
            with Image.open(data) as probe:
                w, h = probe.size
            data.seek(0)
            # As large as the page allows for two photos, never past 96 dpi of what was taken.
            scale = min(doc.width / w, photo_height / h, 0.75)
            picture = PdfImage(data, width=w * scale, height=h * scale)
            story.append(KeepTogether([picture, Spacer(1, 2 * mm), caption, *meta(), Spacer(1, 5 * mm)]))
        elif pages_of is not None:
            pages = len(pages_of.pages)
            for index in range(pages):
                story += [
                    PageBreak(),
                    caption if index == 0 else Paragraph(f"<b>Exhibit {n}</b> (continued)", body),
                    *meta(),
                    Paragraph(f"Page {index + 1} of {pages} of {escape(item.original_name)}", small),
                    Spacer(1, 2 * mm),
                    _page_place(_Slot(pages_of, index), slots),
                ]
            story.append(PageBreak())
        else:
            story.append(
                KeepTogether(
                    [
                        caption,
                        Paragraph(
                            f"{escape(str(item.get_file_type_display()))} file, provided with this document: "
                            f"{escape(item.original_name)} · captured {escape(_captured(item, zone))}",
                            small,
                        ),
                        meta()[1],
                        Spacer(1, 5 * mm),
                    ]
                )
            )
    story += [
        Paragraph("Conclusion", heading),
        Paragraph(escape(conclusion).replace("\n", "<br/>"), body),
    ]
    if shown:
        story += [
            PageBreak(),
            Paragraph("Evidence annex", heading),
            Paragraph(
                "For every file above: its SHA-256 fingerprint, computed when the file reached the "
                "store's evidence vault (any later change to the file would change it), when the file "
                f"was captured, and who added it and when. Times are in {escape(zone.key)}.",
                body,
            ),
            Spacer(1, 3 * mm),
        ]
        for n, item in enumerate(items, 1):
            rows = [
                [Paragraph(f"<b>{n}</b>", small), Paragraph(escape(item.original_name), small)],
                ["", Paragraph(f"{item.get_file_type_display()} · {filesizeformat(item.size)}", small)],
                [Paragraph("SHA-256", small), Paragraph(item.sha256, mono)],
                [Paragraph("Captured", small), Paragraph(escape(_captured(item, zone)), small)],
                [
                    Paragraph("Added", small),
                    Paragraph(
                        f"by {escape(_person(people.get(item.added_by_id or 0)))} on {_stamp(item.added_at, zone)}",
                        small,
                    ),
                ],
            ]
            table = Table(rows, colWidths=[22 * mm, doc.width - 22 * mm])
            table.setStyle(
                TableStyle(
                    [
                        ("BOX", (0, 0), (-1, -1), 0.5, "#999999"),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee"),
                        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                    ]
                )
            )
            story += [KeepTogether([table]), Spacer(1, 3 * mm)]
    label = f"{title} · order {order.platform_order_id}"
    doc.build(story, canvasmaker=_numbered_canvas(faces.regular, label))
    built = out.getvalue()
    return _merge_pages(built, slots) if slots else built


def contents(
    appeal: Appeal, version: AppealVersion | None, vault: list | None = None
) -> tuple[list[str], list[Exhibit], str]:
    """A version's facts, exhibits and conclusion, or the fresh draft's when there is no version
    yet (`vault`: the order's evidence, when the caller has it already)."""
    if version is not None:
        # An item deleted from the vault after a draft was saved drops out of that draft (items of
        # a submitted version are locked and cannot be deleted).
        rows = (
            version.evidence.filter(item__deleted_at__isnull=True).select_related("item").order_by("position")
        )
        return list(version.facts), [Exhibit(row.item, row.caption) for row in rows], version.conclusion
    claim = appeal.claim
    if vault is None:
        vault = list(evidence_selectors.order_items(claim.order))
    return draft_facts(claim), [], draft_conclusion(claim, appeal.kind, {item.kind for item in vault})


def latest_version(appeal: Appeal) -> AppealVersion | None:
    """The version an export without a choice shows: the submitted one, else the last saved."""
    return appeal.submitted_version or appeal.versions.order_by("-number").first()
