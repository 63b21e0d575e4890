"""Files that carry their own capture time, shaped like the devices write them: a camera JPEG
with EXIF dates and offsets, a phone HEIC, an Android MP4 (mvhd only), an iPhone MOV (Apple's
creation date in moov/meta), and a PDF with a CreationDate."""

import io
import struct
from datetime import UTC, datetime

from PIL import Image
from pillow_heif import register_heif_opener
from pypdf import PdfWriter

from .evidence_corpus import photo

register_heif_opener()

EXIF_IFD = 0x8769


def exif(
    original: str | None,
    offset: str | None = None,
    *,
    make: str = "Canon",
    model: str = "Canon EOS R6",
    digitized: str | None = None,
) -> Image.Exif:
    tags = Image.Exif()
    tags[0x010F], tags[0x0110] = make, model
    tags[0x0131] = "Firmware Version 1.8.1"
    tags[0x0132] = "2026:12:01 08:00:00"  # the file's last change: never the capture time
    sub = tags.get_ifd(EXIF_IFD)
    if original is not None:
        sub[0x9003] = original
    if digitized is not None:
        sub[0x9004] = digitized
    if offset is not None:
        sub[0x9010] = sub[0x9011] = sub[0x9012] = offset
    sub[0x829A] = 1 / 125  # exposure time
    sub[0x8827] = 400  # ISO
    return tags


def camera_jpeg(original: str | None, offset: str | None = None, **extra) -> bytes:
    image = Image.open(io.BytesIO(photo(800, 600, label="packed")))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, exif=exif(original, offset, **extra))
    return out.getvalue()


def phone_heic(original: str, offset: str) -> bytes:
    image = Image.open(io.BytesIO(photo(320, 240)))
    out = io.BytesIO()
    tags = exif(original, offset, make="Apple", model="iPhone 15")
    image.save(out, "HEIF", exif=tags.tobytes())
    return out.getvalue()


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def full_box(kind: bytes, version: int, payload: bytes) -> bytes:
    return box(kind, bytes([version, 0, 0, 0]) + payload)


def _mp4_seconds(moment: datetime | None) -> int:
    if moment is None:
        return 0
    return int((moment - datetime(1904, 1, 1, tzinfo=UTC)).total_seconds())


def mvhd(created: datetime | None, *, version: int = 0) -> bytes:
    seconds = _mp4_seconds(created)
    if version == 1:
        times = struct.pack(">QQIQ", seconds, seconds, 600, 3000)
    else:
        times = struct.pack(">IIII", seconds, seconds, 600, 3000)
    rest = struct.pack(">IH", 0x00010000, 0x0100) + b"\x00" * 10
    matrix = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
    return full_box(b"mvhd", version, times + rest + matrix + b"\x00" * 24 + struct.pack(">I", 2))


def trak() -> bytes:
    tkhd = full_box(b"tkhd", 0, b"\x00" * 80)
    return box(b"trak", tkhd + box(b"mdia", full_box(b"mdhd", 0, b"\x00" * 20)))


def android_mp4(created: datetime | None, *, version: int = 0) -> bytes:
    """What an Android camera app writes: ftyp, the media data, then moov with mvhd in UTC."""
    return (
        box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")
        + box(b"mdat", b"\x00\x00\x01\x67" * 64)
        + box(b"moov", mvhd(created, version=version) + trak())
    )


def apple_meta(creation_date: str) -> bytes:
    keys_list = [
        b"com.apple.quicktime.make",
        b"com.apple.quicktime.model",
        b"com.apple.quicktime.creationdate",
    ]
    keys = full_box(
        b"keys",
        0,
        struct.pack(">I", len(keys_list))
        + b"".join(struct.pack(">I", 8 + len(k)) + b"mdta" + k for k in keys_list),
    )

    def item(index: int, text: str) -> bytes:
        data = box(b"data", struct.pack(">II", 1, 0) + text.encode())
        return struct.pack(">I", 8 + len(data)) + struct.pack(">I", index) + data

    ilst = box(b"ilst", item(1, "Apple") + item(2, "iPhone 15") + item(3, creation_date))
    hdlr = full_box(b"hdlr", 0, b"\x00" * 4 + b"mdta" + b"\x00" * 13)
    return box(b"meta", hdlr + keys + ilst)


def iphone_mov(creation_date: str, mvhd_utc: datetime) -> bytes:
    """What an iPhone writes: a QuickTime file whose moov carries Apple's metadata with the
    local time and offset, besides mvhd in UTC."""
    return (
        box(b"ftyp", b"qt  \x00\x00\x00\x00qt  ")
        + box(b"wide", b"")
        + box(b"mdat", b"\x00\x00\x00\x10" * 64)
        + box(b"moov", mvhd(mvhd_utc) + trak() + apple_meta(creation_date))
    )


def pdf_with_date(creation: str | None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    info = {"/Producer": "Quartz PDFContext", "/Title": "Carrier letter"}
    if creation is not None:
        info["/CreationDate"] = creation
    writer.add_metadata(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
