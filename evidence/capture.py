"""When a file says it was made: the capture time a camera, a phone or a PDF writer put in it.

Read from a file the vault has already checked (validation.inspect), so its type is known:

- photos (JPEG, PNG, WebP, HEIC): EXIF DateTimeOriginal with OffsetTimeOriginal (the camera's
  clock and its time zone), else DateTimeDigitized with OffsetTimeDigitized;
- videos (MP4, MOV): Apple's `com.apple.quicktime.creationdate` (a local time with its offset,
  in moov/meta) when present, else the `mvhd` creation time (seconds since 1904, UTC);
- PDF: the document information's CreationDate.

A time without its zone (an EXIF date without an offset, a PDF date without one) is the clock
of whoever made the file; it is read in the store's time zone and said to be so. A time outside
sensible bounds (before 1995, or more than a day ahead: a camera whose clock was never set) is
no capture time at all. Nothing here raises on a malformed file: it only finds no time."""

import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import BinaryIO

from django.utils import timezone as django_timezone

from .models import FileType

EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
MP4_EPOCH = datetime(1904, 1, 1, tzinfo=UTC)
# How far the box walk goes: boxes looked at, and bytes of a metadata box read whole.
MAX_BOXES = 4096
MAX_META_BYTES = 1024 * 1024

EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL, DATE_TIME_DIGITIZED = 0x9003, 0x9004
OFFSET_TIME_ORIGINAL, OFFSET_TIME_DIGITIZED = 0x9011, 0x9012
APPLE_CREATION_KEY = b"com.apple.quicktime.creationdate"


@dataclass(frozen=True)
class FileTime:
    at: datetime  # aware
    zone_known: bool  # False: the file gave a local time without its zone


def read_capture_time(path: Path, file_type: str, *, local_zone: tzinfo, now: datetime | None = None):
    """The capture time the file carries, or None."""
    try:
        if file_type in (FileType.JPEG, FileType.PNG, FileType.WEBP, FileType.HEIC):
            found = _from_exif(path, file_type)
        elif file_type in (FileType.MP4, FileType.MOV):
            found = _from_boxes(path)
        elif file_type == FileType.PDF:
            found = _from_pdf(path)
        else:
            found = None
    except Exception:  # a malformed tag is no time, never a refused upload
        return None
    if found is None:
        return None
    moment, zone_known = found
    if moment.tzinfo is None:
        moment, zone_known = django_timezone.make_aware(moment, local_zone), False
    now = now or django_timezone.now()
    if not (EARLIEST <= moment <= now + timedelta(days=1)):
        return None
    return FileTime(moment.astimezone(UTC), zone_known)


# --- photos -------------------------------------------------------------------------------


def _from_exif(path: Path, file_type: str) -> tuple[datetime, bool] | None:
    from PIL import Image

    from .validation import TYPES

    with Image.open(path, formats=[TYPES[file_type].pillow]) as image:
        exif = image.getexif()
        tags = dict(exif.get_ifd(EXIF_IFD))
    for date_tag, offset_tag in (
        (DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL),
        (DATE_TIME_DIGITIZED, OFFSET_TIME_DIGITIZED),
    ):
        moment = _exif_date(tags.get(date_tag))
        if moment is None:
            continue
        zone = _offset(tags.get(offset_tag))
        if zone is not None:
            return moment.replace(tzinfo=zone), True
        return moment, False
    return None


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value or "").strip("\x00 ")


def _exif_date(value) -> datetime | None:
    """EXIF writes "YYYY:MM:DD HH:MM:SS"; blanks or zeros mean the camera did not know."""
    text = _text(value)
    try:
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _offset(value) -> tzinfo | None:
    """ "+08:00" or "-05:00"; anything else is no zone."""
    text = _text(value)
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)


# --- videos -------------------------------------------------------------------------------


def _boxes(f: BinaryIO, start: int, end: int):
    """(type, body start, body end) of each box between start and end; stops at a broken one."""
    position, seen = start, 0
    while position + 8 <= end and seen < MAX_BOXES:
        f.seek(position)
        header = f.read(16)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header[:8])
        body = position + 8
        if size == 1:
            if len(header) < 16:
                return
            size = struct.unpack(">Q", header[8:16])[0]
            body = position + 16
        elif size == 0:
            size = end - position
        if size < body - position or position + size > end:
            return
        yield kind, body, position + size
        position += size
        seen += 1


def _child(f: BinaryIO, start: int, end: int, wanted: bytes) -> tuple[int, int] | None:
    for kind, body, box_end in _boxes(f, start, end):
        if kind == wanted:
            return body, box_end
    return None


def _from_boxes(path: Path) -> tuple[datetime, bool] | None:
    size = path.stat().st_size
    with open(path, "rb") as f:
        moov = _child(f, 0, size, b"moov")
        if moov is None:
            return None
        apple = _apple_creation_date(f, *moov)
        if apple is not None:
            return apple
        mvhd = _child(f, *moov, b"mvhd")
        if mvhd is None:
            return None
        f.seek(mvhd[0])
        head = f.read(12)
        if len(head) < 8:
            return None
        if head[0] == 1:
            if len(head) < 12:
                return None
            seconds = struct.unpack(">Q", head[4:12])[0]
        else:
            seconds = struct.unpack(">I", head[4:8])[0]
        if seconds == 0:  # never set
            return None
        return MP4_EPOCH + timedelta(seconds=seconds), True


def _apple_creation_date(f: BinaryIO, start: int, end: int) -> tuple[datetime, bool] | None:
    """Apple's metadata (moov/meta with `keys` and `ilst`): the creation date as the phone
    wrote it, a local time with its offset ("2026-11-02T09:14:05+0800")."""
    meta = _child(f, start, end, b"meta")
    if meta is None or meta[1] - meta[0] > MAX_META_BYTES:
        return None
    f.seek(meta[0])
    data = f.read(meta[1] - meta[0])
    # In QuickTime files meta holds boxes directly; in MP4 it is a full box (4 bytes of
    # version and flags first).
    offset = 0 if data[4:8] in (b"hdlr", b"keys", b"ilst") else 4
    from io import BytesIO

    inner = BytesIO(data)
    keys = _child(inner, offset, len(data), b"keys")
    items = _child(inner, offset, len(data), b"ilst")
    if keys is None or items is None:
        return None
    index = _key_index(data[keys[0] : keys[1]], APPLE_CREATION_KEY)
    if index is None:
        return None
    for kind, body, box_end in _boxes(inner, items[0], items[1]):
        if struct.unpack(">I", kind)[0] != index:
            continue
        value = _child(inner, body, box_end, b"data")
        if value is None or value[1] - value[0] < 8:
            return None
        text = data[value[0] + 8 : value[1]].decode("utf-8", "replace").strip()
        return _iso_date(text)
    return None


def _key_index(keys: bytes, wanted: bytes) -> int | None:
    """The 1-based index of a key in a `keys` box (version and flags, a count, then each key as
    size, namespace and name)."""
    if len(keys) < 8:
        return None
    count = struct.unpack(">I", keys[4:8])[0]
    position = 8
    for index in range(1, min(count, MAX_BOXES) + 1):
        if position + 8 > len(keys):
            return None
        size = struct.unpack(">I", keys[position : position + 4])[0]
        if size < 8:
            return None
        if keys[position + 8 : position + size] == wanted:
            return index
        position += size
    return None


def _iso_date(text: str) -> tuple[datetime, bool] | None:
    # Apple writes the offset without a colon (+0800); fromisoformat takes both.
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment, moment.tzinfo is not None


# --- PDF ----------------------------------------------------------------------------------


def _from_pdf(path: Path) -> tuple[datetime, bool] | None:
    from pypdf import PdfReader

    reader = PdfReader(path, strict=False)
    info = reader.metadata
    if info is None:
        return None
    moment = info.creation_date
    if moment is None:
        return None
    return moment, moment.tzinfo is not None
