"""Files for the evidence tests: good ones made on the fly, and a committed corpus of bad ones
(`python -c "from tests.evidence_corpus import build; build()"` rebuilds it; each file's purpose is in BAD_FILES),
and the hostile files of tests/bad_inputs/files/ (`build_bad_inputs()`; see BAD_INPUTS)."""

import io
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
BAD_INPUTS_DIR = HERE.parent / "bad_inputs" / "files"


def photo(
    width: int = 640, height: int = 480, *, fmt: str = "JPEG", colour=(180, 120, 60), label: str = ""
) -> bytes:
    """A small real picture: a gradient, a box and some noise, so it compresses like a photo."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    overlay = Image.new("RGB", (width, height), colour)
    image = Image.blend(image, overlay, 0.5)
    draw = ImageDraw.Draw(image)
    draw.rectangle(
        [width // 4, height // 4, width * 3 // 4, height * 3 // 4],
        outline=(20, 20, 20),
        width=max(2, width // 100),
    )
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
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def decompression_bomb(side: int = 20_000) -> bytes:
    """A valid 1-bit PNG of side × side pixels, all white: 400 megapixels in about 50 kB."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


HTML = b"<!DOCTYPE html>\n<html><head><title>Win</title></head><body><script>alert(document.cookie)</script></body></html>\n"
SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    b'<script>alert(document.domain)</script><rect width="100" height="100" fill="red"/></svg>\n'
)

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


def pdf_file(objects: list[bytes], *, trailer: bytes = b"") -> bytes:
    """A PDF written by hand from its numbered objects (object 1 is the catalog), with a
    correct cross-reference table."""
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return out


def pdf_stream(entries: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (entries, len(data), data)


def one_page_pdf(catalog_extra: bytes = b"", page_extra: bytes = b"", more: tuple[bytes, ...] = ()) -> bytes:
    """A plain one-page PDF with something added to its catalog or page, and more objects (from 5)."""
    return pdf_file(
        [
            b"<< /Type /Catalog /Pages 2 0 R %s>>" % catalog_extra,
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R %s>>" % page_extra,
            pdf_stream(b"", b"BT /F1 12 Tf 40 800 Td (Invoice) Tj ET"),
            *more,
        ]
    )


def recursive_pdf() -> bytes:
    """A page whose drawing is a form that draws itself twice, shrunk: PDFium's depth guard stops
    each chain, but the calls double at every level and its memory grows without end."""
    draw_twice = b"q 0.5 0 0 0.5 0 0 cm /X Do Q q 0.5 0 0 0.5 100 100 cm /X Do Q"
    return pdf_file(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /XObject << /X 4 0 R >> >> "
            b"/Contents 5 0 R >>",
            pdf_stream(
                b"/Type /XObject /Subtype /Form /BBox [0 0 200 200] /Resources << /XObject << /X 4 0 R >> >>",
                draw_twice,
            ),
            pdf_stream(b"", b"/X Do"),
        ]
    )


def compressed_script_pdf() -> bytes:
    """PDF 1.5 with its catalog and a JavaScript open action inside a compressed object stream,
    the names written with #-escapes: nothing of it is visible to a search of the raw bytes."""
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>"
    action = b"<< /Type /Action /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"
    first = b"1 0 6 %d " % len(catalog)
    header = first.ljust(20)
    packed = zlib.compress(header + catalog + b"\n" + action)
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    offsets = {}
    plain = {
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        4: pdf_stream(b"", b"BT /F1 12 Tf 40 800 Td (Invoice) Tj ET"),
        5: pdf_stream(b"/Type /ObjStm /N 2 /First %d /Filter /FlateDecode" % len(header), packed),
    }
    for number, body in plain.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535), struct.pack(">BIH", 2, 5, 0)]
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in (2, 3, 4, 5)]
    rows += [struct.pack(">BIH", 2, 5, 1), struct.pack(">BIH", 1, xref_at, 0)]
    out += b"7 0 obj\n%s\nendobj\n" % pdf_stream(
        b"/Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R", b"".join(rows)
    )
    return out + b"startxref\n%d\n%%%%EOF\n" % xref_at


def encrypted_pdf(user_password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf("Bank statement"))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


JS_ACTION = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(document.title\\)) >>"
# Hostile files for the bad-input tests (tests/bad_inputs/files/): file → (upload name, what
# must happen: a refusal code, or "accepted" when the file is kept and handled safely).
BAD_INPUTS = {
    "recursive-drawing.pdf": ("statement.pdf", "accepted"),
    "open-action-script.pdf": ("invoice.pdf", "pdf_script"),
    "page-open-script.pdf": ("invoice.pdf", "pdf_script"),
    "document-script.pdf": ("invoice.pdf", "pdf_script"),
    "compressed-script.pdf": ("invoice.pdf", "pdf_script"),
    "launch.pdf": ("invoice.pdf", "pdf_launch"),
    "embedded-file.pdf": ("invoice.pdf", "pdf_attachment"),
    "encrypted.pdf": ("statement.pdf", "pdf_encrypted"),
    "encrypted-no-password.pdf": ("statement.pdf", "pdf_encrypted"),
    "bidi-name.jpg": ("invoice\u202efdp.jpg", "accepted"),
    "zero-width-name.jpg": ("rec\u200beipt\u2060.jpg", "accepted"),
    "program-as-photo.jpg": ("photo.jpg", "unsupported"),
    "zip-as-photo.jpg": ("photo.jpg", "unsupported"),
}


def build_bad_inputs() -> None:
    files = {
        "recursive-drawing.pdf": recursive_pdf(),
        "open-action-script.pdf": one_page_pdf(b"/OpenAction 5 0 R ", more=(JS_ACTION,)),
        "page-open-script.pdf": one_page_pdf(page_extra=b"/AA << /O 5 0 R >> ", more=(JS_ACTION,)),
        "document-script.pdf": one_page_pdf(
            b"/Names << /JavaScript << /Names [(init) 5 0 R] >> >> ", more=(JS_ACTION,)
        ),
        "compressed-script.pdf": compressed_script_pdf(),
        "launch.pdf": one_page_pdf(b"/OpenAction << /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >> "),
        "embedded-file.pdf": one_page_pdf(
            b"/Names << /EmbeddedFiles << /Names [(setup.exe) 5 0 R] >> >> ",
            more=(
                b"<< /Type /Filespec /F (setup.exe) /EF << /F 6 0 R >> >>",
                pdf_stream(b"/Type /EmbeddedFile", b"MZ\x90\x00 not really a program"),
            ),
        ),
        "encrypted.pdf": encrypted_pdf(),
        "encrypted-no-password.pdf": encrypted_pdf(""),
        "bidi-name.jpg": photo(320, 240, label="invoice"),
        "zero-width-name.jpg": photo(320, 240, label="receipt"),
        "program-as-photo.jpg": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"
        + b"\x00" * 54
        + b"This program cannot be run in DOS mode.",
        "zip-as-photo.jpg": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 200,
    }
    BAD_INPUTS_DIR.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (BAD_INPUTS_DIR / name).write_bytes(data)


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


def add_evidence(
    order,
    by,
    data: bytes | None = None,
    *,
    name: str = "box.jpg",
    kind: str = "pre_shipment_photo",
    caption: str = "",
    previews: bool = True,
    **extra,
):
    """Add a file through the real service and, unless told not to, make its previews as the
    worker would."""
    from evidence import services
    from evidence.tasks import make_previews

    item = services.evidence_add(
        order=order,
        chunks=[photo() if data is None else data],
        name=name,
        kind=kind,
        caption=caption,
        by=by,
        **extra,
    )
    if previews:
        make_previews(item.pk)
        item.refresh_from_db()
    return item


def world_item(world):
    """The evidence item of store A that the URL access tests reach for (made once per world)."""
    if not hasattr(world, "evidence_item"):
        world.evidence_item = add_evidence(
            world.order_a, world.agent_a, caption="Lamp intact before shipping"
        )
    return world.evidence_item
