"""The appeal PDF's typeface, cut down to the characters one document uses.

Captions are typed in whatever language the evidence speaks (Chinese, Japanese, Russian…), so the
PDF needs a face with Latin, Cyrillic and CJK glyphs. Noto Sans CJK has all three and Debian ships
it (fonts-noto-cjk), but its outlines are PostScript (CFF), which reportlab cannot embed. So each
export subsets the face to the document's characters with fontTools, converts those few hundred
outlines to TrueType quadratics, and hands reportlab a font of some kilobytes — the PDF embeds only
what it shows, and text copied out of it (or extracted by pypdf) is the real text.

When the configured file is missing, the document is set in the built-in Helvetica (Latin only)
and `manage.py check` says so (appeals.W001)."""

import hashlib
import io
import logging
import string
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import checks

log = logging.getLogger(__name__)
# The subsetter reports every table it touches at INFO; one export is not worth that many lines.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# Always in the subset: whatever the document's own strings, its labels and numbers are ASCII.
ALWAYS = set(string.printable) | set("\xa0•·“”‘’–—…°×")


@dataclass(frozen=True)
class Faces:
    regular: str
    bold: str
    embedded: bool  # False: the built-in Helvetica (no CJK or Cyrillic glyphs)


def _configured() -> tuple[Path, Path, int]:
    regular = Path(settings.APPEAL_PDF_FONT)
    bold = Path(settings.APPEAL_PDF_FONT_BOLD or settings.APPEAL_PDF_FONT)
    return regular, bold, settings.APPEAL_PDF_FONT_INDEX


def _as_truetype(path: Path, index: int, text: str, ps_name: str) -> bytes:
    """The face at `path` (a collection's face number `index`) reduced to the glyphs of `text`,
    with TrueType outlines, under the PostScript name `ps_name`: every subset of one face would
    otherwise share the face's own name, and a document made after another one in the same
    process then reads its characters through the earlier subset's table (they come out blank)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.subset import Options, Subsetter
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(str(path), fontNumber=index if path.suffix.lower() in {".ttc", ".otc"} else -1, lazy=True)
    options = Options()
    options.layout_features = []
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    options.name_IDs = ["*"]
    # reportlab sets text glyph by glyph: the layout and vertical tables are never read, and
    # decoding them is half the subsetter's time.
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "vhea", "vmtx", "VORG"]
    subsetter = Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    if "CFF " in font:
        order = font.getGlyphOrder()
        glyphs = font.getGlyphSet()
        glyf = newTable("glyf")
        glyf.glyphOrder, glyf.glyphs = order, {}
        for name in order:
            pen = TTGlyphPen(glyphs)
            # Cubic curves to quadratic within one font unit; TrueType winds the other way.
            glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyf[name] = pen.glyph()
        font["glyf"], font["loca"] = glyf, newTable("loca")
        del font["CFF "]
        if "VORG" in font:
            del font["VORG"]
        maxp = font["maxp"]
        maxp.tableVersion = 0x00010000
        for field in (
            "maxTwilightPoints",
            "maxStorage",
            "maxFunctionDefs",
            "maxInstructionDefs",
            "maxStackElements",
            "maxSizeOfInstructions",
            "maxComponentElements",
        ):
            setattr(maxp, field, 0)
        maxp.maxZones = 1
        font["head"].glyphDataFormat = 0
        post = font["post"]
        post.formatType, post.extraNames, post.mapping = 2.0, [], {}
        post.glyphOrder = order
        font.sfntVersion = "\x00\x01\x00\x00"
    for record in font["name"].names:
        if record.nameID == 6:  # the PostScript name
            record.string = ps_name
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


# reportlab keeps every registered font for the life of the process; each document's subset is a
# new font, so only the most recent ones are kept (a long-running web worker would otherwise
# grow with every distinct export).
KEEP_FACES = 32
_made: OrderedDict[str, None] = OrderedDict()
_lock = threading.Lock()


def _face(name: str, path: Path, index: int, chars: str) -> None:
    from reportlab.lib import fonts as rl_fonts
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        if name in _made:
            _made.move_to_end(name)
            return
    font = TTFont(name, io.BytesIO(_as_truetype(path, index, chars, name)))
    with _lock:
        pdfmetrics.registerFont(font)
        _made[name] = None
        while len(_made) > KEEP_FACES:
            old, _none = _made.popitem(last=False)
            pdfmetrics._fonts.pop(old, None)
            for key in [key for key, ps in rl_fonts._tt2ps_map.items() if key[0] == old.lower()]:
                del rl_fonts._tt2ps_map[key]
            rl_fonts._ps2tt_map.pop(old.lower(), None)


def faces_for(text: str) -> Faces:
    """Register the regular face subset to `text` (plus ASCII) and the bold face (ASCII only:
    the document's bold words are its own English labels) with reportlab and return their names;
    the built-in Helvetica when the configured font cannot be read. A face already made for the
    same characters is reused, so exporting the same version twice pays for it once."""
    from reportlab.lib.fonts import addMapping

    regular_path, bold_path, index = _configured()
    chars = "".join(sorted(ALWAYS | set(text)))
    ascii_chars = "".join(sorted(ALWAYS))

    def key(path: Path, chars: str) -> str:
        return hashlib.sha1(f"{path}|{index}|{chars}".encode()).hexdigest()[:16]

    regular = f"DeskSans-{key(regular_path, chars)}"
    bold = f"DeskSans-Bold-{key(bold_path, ascii_chars)}"
    try:
        _face(regular, regular_path, index, chars)
        _face(bold, bold_path, index, ascii_chars)
    except Exception:  # a missing or unreadable file must not stop the export
        log.warning("Appeal PDF font %s could not be read; using Helvetica", regular_path, exc_info=True)
        return Faces("Helvetica", "Helvetica-Bold", embedded=False)
    addMapping(regular, 0, 0, regular)
    addMapping(regular, 1, 0, bold)
    addMapping(regular, 0, 1, regular)
    addMapping(regular, 1, 1, bold)
    return Faces(regular, bold, embedded=True)


@checks.register()
def font_present(app_configs, **kwargs) -> list[checks.CheckMessage]:
    regular, bold, _index = _configured()
    missing = [str(path) for path in (regular, bold) if not path.is_file()]
    if not missing:
        return []
    return [
        checks.Warning(
            f"The appeal PDF font is missing: {', '.join(missing)}.",
            hint="Install Debian's fonts-noto-cjk, or point APPEAL_PDF_FONT and APPEAL_PDF_FONT_BOLD "
            "at a face with CJK and Cyrillic glyphs. Until then appeal PDFs are set in Helvetica, "
            "which cannot show Chinese, Japanese or Russian captions.",
            id="appeals.W001",
        )
    ]
