"""Is this upload what it claims to be, and safe to keep? Checked by content only.

The type comes from the file's first bytes (a small signature table below), then each type is
opened by the parser that understands it: Pillow (only the one format detected, with a pixel cap)
for images, PDFium for PDFs, a box walk for MP4/MOV/HEIC. The name and the browser's declared
type must agree with the content. Every refusal says, in words a user understands, why."""

import re
import struct
import unicodedata
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image
from pillow_heif import register_heif_opener

from disputes import pdfcheck

from .models import FileType

register_heif_opener()


class Refused(Exception):
    """The upload is not accepted; `code` names the reason, the message explains it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class TypeInfo:
    family: str  # image, pdf or video: the size cap applies per family
    content_type: str
    extensions: tuple[str, ...]
    declared: tuple[str, ...]  # what browsers call it
    pillow: str = ""


TYPES: dict[str, TypeInfo] = {
    FileType.JPEG: TypeInfo(
        "image",
        "image/jpeg",
        ("jpg", "jpeg", "jpe", "jfif"),
        ("image/jpeg", "image/jpg", "image/pjpeg"),
        "JPEG",
    ),
    FileType.PNG: TypeInfo("image", "image/png", ("png",), ("image/png", "image/x-png"), "PNG"),
    FileType.WEBP: TypeInfo("image", "image/webp", ("webp",), ("image/webp",), "WEBP"),
    FileType.HEIC: TypeInfo(
        "image",
        "image/heic",
        ("heic", "heif", "hif"),
        ("image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"),
        "HEIF",
    ),
    FileType.PDF: TypeInfo("pdf", "application/pdf", ("pdf",), ("application/pdf", "application/x-pdf")),
    FileType.MP4: TypeInfo(
        "video", "video/mp4", ("mp4", "m4v"), ("video/mp4", "application/mp4", "video/x-m4v")
    ),
    FileType.MOV: TypeInfo("video", "video/quicktime", ("mov", "qt"), ("video/quicktime",)),
    FileType.WEBM: TypeInfo("video", "video/webm", ("webm",), ("video/webm", "audio/webm")),
}
# Browsers send these when they do not know a type (HEIC on most desktops): no disagreement.
NEUTRAL_DECLARED = {"", "application/octet-stream", "binary/octet-stream"}

HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"M4VH",
    b"M4VP",
    b"dash",
    b"mmp4",
    b"MSNV",
    b"f4v ",
}
QUICKTIME_TOP_BOXES = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}

HEAD_BYTES = 4096


def accepted_list() -> str:
    return "JPEG, PNG, WebP, HEIC, PDF, MP4, MOV, WebM"


def sniff(head: bytes) -> str | None:
    """The file type its first bytes show, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return FileType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType.PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileType.WEBP
    if head.startswith(b"%PDF-"):
        return FileType.PDF
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # Matroska's EBML header; only its WebM profile is accepted.
        return FileType.WEBM if b"webm" in head[:64] else None
    if head[4:8] == b"ftyp":
        box_size = struct.unpack(">I", head[:4])[0]
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(box_size, len(head)), 4)}
        if b"avif" in brands or b"avis" in brands:
            return None
        if head[8:12] in HEIC_BRANDS or (brands & HEIC_BRANDS and not brands & MP4_BRANDS):
            return FileType.HEIC
        if head[8:12] == b"qt  ":
            return FileType.MOV
        if brands & MP4_BRANDS:
            return FileType.MP4
        return None
    if head[4:8] in QUICKTIME_TOP_BOXES:
        return FileType.MOV
    return None


MARKUP = re.compile(rb"<\s*(!doctype\s+html|html|head|body|script|iframe|meta|a\s|div|p>|title)", re.I)


def describe_unknown(head: bytes, name: str) -> Refused:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text or (text.startswith(b"<?xml") and b"svg" in text):
        return Refused(
            "svg",
            _(
                "“%(name)s” is an SVG drawing. SVG files can carry scripts, so the vault never accepts "
                "them: export the drawing as PNG or PDF."
            )
            % {"name": name},
        )
    if MARKUP.search(text[:2048]):
        return Refused(
            "html",
            _("“%(name)s” is a web page (HTML), not a photo, video or PDF, whatever its name says.")
            % {"name": name},
        )
    return Refused(
        "unsupported",
        _("The content of “%(name)s” is not a type the vault accepts. Accepted: %(types)s.")
        % {"name": name, "types": accepted_list()},
    )


def clean_name(name: str) -> str:
    """The name as a person will read it: composed (NFC), without invisible format characters
    (bidi overrides that make “invoice\u202efdp.jpg” read as “invoicegpj.pdf”, zero-width
    characters) or control characters, trimmed. Empty when nothing visible is left."""
    name = unicodedata.normalize("NFC", name or "")
    return "".join(ch for ch in name if unicodedata.category(ch) not in ("Cf", "Cc")).strip()


# Control characters, folder separators and “..”: a name must be a plain file name.
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]|^\.|^\s*$")


def check_name(name: str) -> None:
    if UNSAFE_NAME.search(name) or ".." in name.split("/") or len(name) > 255:
        raise Refused(
            "bad_name",
            _(
                "“%(name)s” is not an acceptable file name: it contains a folder path, “..”, control "
                "characters or a leading dot. Rename the file and upload it again."
            )
            % {"name": name[:120]},
        )


def extension(name: str) -> str:
    return name.rsplit(".", 1)[1].lower() if "." in name else ""


def check_size(name: str, size: int, file_type: str | None) -> None:
    if size == 0:
        raise Refused("empty", _("“%(name)s” is empty (0 bytes).") % {"name": name})
    caps = settings.EVIDENCE_MAX_BYTES
    family = TYPES[file_type].family if file_type else None
    limit = caps[family] if family else max(caps.values())
    if size > limit:
        labels = {"image": _("Photos"), "pdf": _("PDF documents"), "video": _("Videos"), None: _("Files")}
        raise Refused(
            "too_large",
            _("“%(name)s” is larger than %(limit)s: %(family)s may be at most %(limit)s.")
            % {"name": name, "limit": filesizeformat(limit), "family": labels[family]},
        )


def check_agreement(name: str, declared: str, file_type: str) -> None:
    info = TYPES[file_type]
    ext = extension(name)
    if ext and ext not in info.extensions:
        raise Refused(
            "name_mismatch",
            _(
                "“%(name)s” is named as a .%(ext)s file but its content is %(actual)s. Give it its "
                "proper extension and upload it again."
            )
            % {"name": name, "ext": ext, "actual": FileType(file_type).label},
        )
    declared = (declared or "").split(";")[0].strip().lower()
    if declared not in NEUTRAL_DECLARED and declared not in info.declared:
        raise Refused(
            "declared_mismatch",
            _("“%(name)s” was sent as %(declared)s, but its content is %(actual)s.")
            % {"name": name, "declared": declared, "actual": FileType(file_type).label},
        )


@dataclass
class Inspected:
    file_type: str
    width: int | None = None
    height: int | None = None

    @property
    def info(self) -> TypeInfo:
        return TYPES[self.file_type]


def inspect(path: Path, *, name: str, declared: str, size: int, head: bytes) -> Inspected:
    """Check a received file completely; return what it is, or raise Refused."""
    file_type = sniff(head)
    if file_type is None:
        raise describe_unknown(head, name)
    check_size(name, size, file_type)
    check_agreement(name, declared, file_type)
    if file_type == FileType.PNG:
        _check_png_structure(path, name, size)
    if file_type in (FileType.MP4, FileType.MOV, FileType.HEIC):
        _check_boxes(path, name, size, file_type)
    if TYPES[file_type].family == "image":
        width, height = _check_image(path, name, file_type)
        return Inspected(file_type, width, height)
    if file_type == FileType.PDF:
        _check_pdf(path, name, size)
    return Inspected(file_type)


def _damaged(name: str, file_type: str) -> Refused:
    return Refused(
        "damaged",
        _("“%(name)s” is a damaged or incomplete %(type)s file: it cannot be read to the end.")
        % {"name": name, "type": FileType(file_type).label},
    )


def _check_image(path: Path, name: str, file_type: str) -> tuple[int, int]:
    formats = [TYPES[file_type].pillow]
    limit = settings.EVIDENCE_MAX_PIXELS
    bomb = Refused(
        "bomb",
        _(
            "“%(name)s” declares an image of more than %(limit)s megapixels. A file that small cannot "
            "honestly hold that many pixels (a decompression bomb) or the picture is far too large; "
            "it is refused."
        )
        % {"name": name, "limit": f"{limit / 1_000_000:g}"},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=formats) as image:
                width, height = image.size
                if width * height > limit:
                    raise bomb
                image.verify()
            with Image.open(path, formats=formats) as image:
                if file_type == FileType.JPEG:
                    # Decode at 1/8 scale: every byte of the stream is still read (a truncated
                    # file fails), at a fraction of the cost of a full decode.
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise bomb from None
        except Refused:
            raise
        except Exception:
            raise _damaged(name, file_type) from None
    return width, height


def _check_png_structure(path: Path, name: str, size: int) -> None:
    """Walk the chunks to IEND: anything after it (an HTML page, a script) is refused."""
    with open(path, "rb") as f:
        f.seek(8)
        while True:
            header = f.read(8)
            if len(header) < 8:
                raise _damaged(name, FileType.PNG)
            length, kind = struct.unpack(">I4s", header)
            f.seek(length + 4, 1)
            if kind == b"IEND":
                break
        if f.tell() > size:
            raise _damaged(name, FileType.PNG)
        if f.tell() < size:
            raise Refused(
                "trailing_data",
                _(
                    "“%(name)s” has data hidden after the end of the picture. Files with appended "
                    "content are refused: save the picture again and upload the new file."
                )
                % {"name": name},
            )


def _check_boxes(path: Path, name: str, size: int, file_type: str) -> None:
    """An ISO media file (MP4, MOV, HEIC) is a chain of boxes that must end exactly at the
    end of the file."""
    with open(path, "rb") as f:
        position = 0
        while position < size:
            f.seek(position)
            header = f.read(16)
            if len(header) < 8:
                raise _damaged(name, file_type)
            box_size = struct.unpack(">I", header[:4])[0]
            if box_size == 1:
                if len(header) < 16:
                    raise _damaged(name, file_type)
                box_size = struct.unpack(">Q", header[8:16])[0]
            elif box_size == 0:
                box_size = size - position
            if box_size < 8:
                raise _damaged(name, file_type)
            position += box_size
        if position != size:
            raise _damaged(name, file_type)


def _check_pdf(path: Path, name: str, size: int) -> None:
    import pypdfium2

    with open(path, "rb") as f:
        f.seek(max(0, size - 2048))
        if b"%%EOF" not in f.read():
            raise _damaged(name, FileType.PDF)
    _check_pdf_content(path, name)
    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError:
        raise _damaged(name, FileType.PDF) from None
    try:
        if len(document) < 1:
            raise _damaged(name, FileType.PDF)
    finally:
        document.close()


def _check_pdf_content(path: Path, name: str) -> None:
    """Refuse encrypted PDFs (their content cannot be checked) and PDFs with scripts, automatic
    actions, Launch actions or embedded files. Every object of the file is read by a real
    parser: those in the cross-reference table and those packed in object streams."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            raise Refused(
                "pdf_encrypted",
                _(
                    "“%(name)s” is an encrypted (password-protected) PDF. The vault keeps only files it "
                    "can read and check: remove the protection (print it to a new PDF) and upload that."
                )
                % {"name": name},
            )
        _refuse_hazard(pdfcheck.hazard(reader), name)
    except Refused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError, OSError, zlib.error):
        raise Refused(
            "pdf_unreadable",
            _(
                "The structure of “%(name)s” cannot be read, so it cannot be checked for scripts and "
                "attachments. Save or print it to a new PDF and upload that."
            )
            % {"name": name},
        ) from None


def _refuse_hazard(found: pdfcheck.Hazard | None, name: str) -> None:
    if found == pdfcheck.Hazard.SCRIPT:
        raise Refused(
            "pdf_script",
            _(
                "“%(name)s” is a PDF that runs a script or an action by itself when it is opened "
                "(JavaScript or automatic actions), so it is refused. Print it to a new PDF and "
                "upload that."
            )
            % {"name": name},
        )
    if found == pdfcheck.Hazard.LAUNCH:
        raise Refused(
            "pdf_launch",
            _(
                "“%(name)s” is a PDF that tries to start another program (a Launch action), so "
                "it is refused. Print it to a new PDF and upload that."
            )
            % {"name": name},
        )
    if found == pdfcheck.Hazard.ATTACHMENT:
        raise Refused(
            "pdf_attachment",
            _(
                "“%(name)s” is a PDF with other files embedded in it. Files inside a PDF cannot be "
                "checked, so it is refused: upload each file on its own."
            )
            % {"name": name},
        )
