"""Files attached to our replies: photos and PDFs, within what the store's platform carries,
checked by their content before anything is kept or sent.

The limits per platform (docs/how-it-works.md, "Attachments on replies", says where each comes
from). A platform the desk has no figures for gets the strictest of the known ones.

The content check is narrow on purpose: the type is read from the first bytes (never the name
or what the browser said), the name's extension must agree, a photo must open in Pillow as that
one format within a pixel cap, a PDF must parse, not be encrypted and carry no script, Launch
action or embedded file (disputes.pdfcheck, shared with the evidence vault)."""

import io
import re
import unicodedata
import warnings
import zlib
from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from disputes import pdfcheck
from disputes.models import Platform

MB = 1024 * 1024
# A photo for a buyer never needs more; a file claiming more is a decompression bomb.
MAX_PIXELS = 50_000_000


@dataclass(frozen=True)
class Kind:
    label: str
    content_type: str
    extensions: tuple[str, ...]
    pillow: str = ""


KINDS = {
    "jpeg": Kind("JPEG", "image/jpeg", ("jpg", "jpeg", "jpe"), "JPEG"),
    "png": Kind("PNG", "image/png", ("png",), "PNG"),
    "pdf": Kind("PDF", "application/pdf", ("pdf",)),
}


@dataclass(frozen=True)
class Limits:
    kinds: tuple[str, ...]
    max_count: int
    max_file_bytes: int
    max_total_bytes: int

    def describe(self) -> str:
        return _("%(types)s; at most %(count)d files, %(each)s each, %(total)s in all") % {
            "types": ", ".join(KINDS[k].label for k in self.kinds),
            "count": self.max_count,
            "each": filesizeformat(self.max_file_bytes),
            "total": filesizeformat(self.max_total_bytes),
        }


LIMITS: dict[str, Limits] = {
    # Buyer-Seller Messaging: one or more attachments, up to 10 MB per message; images and PDF
    # among the formats it takes. The count of 5 is the desk's own.
    Platform.AMAZON: Limits(("jpeg", "png", "pdf"), 5, 10 * MB, 10 * MB),
    # eBay messages carry photos only (Trading API MessageMedia: pictures hosted by eBay
    # Picture Services, at most 12 MB each); up to 5 per message.
    Platform.EBAY: Limits(("jpeg", "png"), 5, 12 * MB, 5 * 12 * MB),
    # Ozon's buyer chat takes images and PDF files; 5 MB a file is the limit its chat shows
    # buyers, kept for sellers too. The count of 5 is the desk's own.
    Platform.OZON: Limits(("jpeg", "png", "pdf"), 5, 5 * MB, 25 * MB),
}
STRICTEST = Limits(("jpeg", "png"), 5, 5 * MB, 10 * MB)


def limits_for(platform: str) -> Limits:
    return LIMITS.get(platform, STRICTEST)


def composer_context(platform: str) -> dict:
    """What the composer's file input shows: the limits in words and the types it offers."""
    limits = limits_for(platform)
    accept = []
    for key in limits.kinds:
        accept += [KINDS[key].content_type, *(f".{ext}" for ext in KINDS[key].extensions)]
    return {"attachment_limits": limits, "attachment_accept": ",".join(accept)}


class AttachmentRefused(Exception):
    """One attached file is not sent; the message says why, for the user."""


@dataclass(frozen=True)
class Checked:
    name: str
    content_type: str
    content: bytes


def clean_name(name: str) -> str:
    """Visible characters only (no bidi overrides or zero-width tricks), no folders."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cf", "Cc"))
    return re.split(r"[/\\]", name)[-1].strip().lstrip(".")[:200]


def sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"%PDF-"):
        return "pdf"
    return None


def check_sizes(platform: str, files: list[tuple[str, int]]) -> None:
    """Count and sizes, from the sizes alone (before any file is read)."""
    limits = limits_for(platform)
    label = Platform(platform).label if platform in Platform.values else platform
    if len(files) > limits.max_count:
        raise AttachmentRefused(
            _("%(platform)s takes at most %(count)d files with one message; %(given)d were attached.")
            % {"platform": label, "count": limits.max_count, "given": len(files)}
        )
    for name, size in files:
        if size == 0:
            raise AttachmentRefused(_("“%(name)s” is empty.") % {"name": name})
        if size > limits.max_file_bytes:
            raise AttachmentRefused(
                _("“%(name)s” is %(size)s; %(platform)s takes files of at most %(limit)s.")
                % {
                    "name": name,
                    "size": filesizeformat(size),
                    "platform": label,
                    "limit": filesizeformat(limits.max_file_bytes),
                }
            )
    total = sum(size for _name, size in files)
    if total > limits.max_total_bytes:
        raise AttachmentRefused(
            _("The attached files come to %(size)s; %(platform)s takes at most %(limit)s with one message.")
            % {
                "size": filesizeformat(total),
                "platform": label,
                "limit": filesizeformat(limits.max_total_bytes),
            }
        )


def check(platform: str, files: list[tuple[str, bytes]]) -> list[Checked]:
    """Every file checked by its content against the platform's limits, or AttachmentRefused
    for the first that fails."""
    check_sizes(platform, [(clean_name(name) or "?", len(content)) for name, content in files])
    limits = limits_for(platform)
    label = Platform(platform).label if platform in Platform.values else platform
    checked = []
    for raw_name, content in files:
        name = clean_name(raw_name)
        if not name:
            raise AttachmentRefused(_("An attached file has no usable name: rename it and attach it again."))
        kind = sniff(content[:16])
        if kind is None:
            raise AttachmentRefused(
                _("“%(name)s” is not a photo (JPEG, PNG) or a PDF, whatever its name says.") % {"name": name}
            )
        if kind not in limits.kinds:
            raise AttachmentRefused(
                _("“%(name)s” is a %(type)s file; %(platform)s takes only %(types)s with a message.")
                % {
                    "name": name,
                    "type": KINDS[kind].label,
                    "platform": label,
                    "types": ", ".join(KINDS[k].label for k in limits.kinds),
                }
            )
        extension = name.rsplit(".", 1)[1].lower() if "." in name else ""
        if extension not in KINDS[kind].extensions:
            raise AttachmentRefused(
                _("“%(name)s” is a %(type)s file but not named as one: name it .%(ext)s and attach it again.")
                % {"name": name, "type": KINDS[kind].label, "ext": KINDS[kind].extensions[0]}
            )
        if kind == "pdf":
            _check_pdf(name, content)
        else:
            _check_image(name, content, KINDS[kind].pillow)
        checked.append(Checked(name, KINDS[kind].content_type, content))
    return checked


def _damaged(name: str) -> AttachmentRefused:
    return AttachmentRefused(_("“%(name)s” is damaged or incomplete: it cannot be read.") % {"name": name})


def _check_image(name: str, content: bytes, pillow: str) -> None:
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(content), formats=[pillow]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise AttachmentRefused(
                        _("“%(name)s” is far too large a picture to send.") % {"name": name}
                    )
                image.load()
        except AttachmentRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise AttachmentRefused(
                _("“%(name)s” is far too large a picture to send.") % {"name": name}
            ) from None
        except Exception:
            raise _damaged(name) from None


def _check_pdf(name: str, content: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if b"%%EOF" not in content[-2048:]:
        raise _damaged(name)
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise AttachmentRefused(
                _("“%(name)s” is a password-protected PDF: the buyer could not open it.") % {"name": name}
            )
        if len(reader.pages) < 1:
            raise _damaged(name)
        found = pdfcheck.hazard(reader)
    except AttachmentRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError, OSError, zlib.error):
        raise _damaged(name) from None
    if found is not None:
        raise AttachmentRefused(
            _(
                "“%(name)s” is a PDF with scripts, actions or files embedded in it; it is not sent to a "
                "buyer. Print it to a new PDF and attach that."
            )
            % {"name": name}
        )
