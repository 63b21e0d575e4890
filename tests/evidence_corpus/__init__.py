"""Files for the evidence tests: good ones made on the fly, and a committed corpus of bad ones
(`python -c "from tests.evidence_corpus import build; build()"` rebuilds it; each file's purpose is in BAD_FILES)."""

import io
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent


def photo(width: int = 640, height: int = 480, *, fmt: str = "JPEG", colour=(180, 120, 60), label: str = "") -> bytes:
    """A small real picture: a gradient, a box and some noise, so it compresses like a photo."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    overlay = Image.new("RGB", (width, height), colour)
    image = Image.blend(image, overlay, 0.5)
    draw = ImageDraw.Draw(image)
    draw.rectangle([width // 4, height // 4, width * 3 // 4, height * 3 // 4], outline=(20, 20, 20), width=max(2, width // 100))
    if label:
        draw.text((10, 10), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def pdf(text: str = "Tracking history") -> bytes:
    image = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(image).text((40, 40), text, fill="black")
    out = io.BytesIO()
    image.save(out, "PDF", resolution=72)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def decompression_bomb(side: int = 20_000) -> bytes:
    """A valid 1-bit PNG of side × side pixels, all white: 400 megapixels in about 50 kB."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


HTML = b"<!DOCTYPE html>\n<html><head><title>Win</title></head><body><script>alert(document.cookie)</script></body></html>\n"
SVG = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
       b'<script>alert(document.domain)</script><rect width="100" height="100" fill="red"/></svg>\n')

# file name → (what the upload is called, why it must be refused: the refusal code)
BAD_FILES = {
    "bomb.png": ("bomb.png", "bomb"),
    "truncated.jpg": ("truncated.jpg", "damaged"),
    "page.jpg": ("page.jpg", "html"),
    "png-with-html.png": ("png-with-html.png", "trailing_data"),
    "script.svg": ("script.svg", "svg"),
    "empty.jpg": ("empty.jpg", "empty"),
    "traversal.jpg": ("../../../etc/cron.d/evidence.jpg", "bad_name"),
}


def build() -> None:
    good = photo(800, 600)
    files = {
        "bomb.png": decompression_bomb(),
        "truncated.jpg": good[: len(good) // 2],
        "page.jpg": HTML,
        "png-with-html.png": photo(200, 150, fmt="PNG") + HTML,
        "script.svg": SVG,
        "empty.jpg": b"",
        "traversal.jpg": photo(320, 240),
    }
    for name, data in files.items():
        (HERE / name).write_bytes(data)




def add_evidence(order, by, data: bytes | None = None, *, name: str = "box.jpg", kind: str = "pre_shipment_photo",
                 caption: str = "", previews: bool = True, **extra):
    """Add a file through the real service and, unless told not to, make its previews as the
    worker would."""
    from evidence import services
    from evidence.tasks import make_previews

    item = services.evidence_add(order=order, chunks=[photo() if data is None else data], name=name,
                                 kind=kind, caption=caption, by=by, **extra)
    if previews:
        make_previews(item.pk)
        item.refresh_from_db()
    return item


def world_item(world):
    """The evidence item of store A that the URL access tests reach for (made once per world)."""
    if not hasattr(world, "evidence_item"):
        world.evidence_item = add_evidence(world.order_a, world.agent_a, caption="Lamp intact before shipping")
    return world.evidence_item
