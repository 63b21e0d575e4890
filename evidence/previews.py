"""Derived images for the gallery and the comparison view, made by a worker from the original:
a small thumbnail and a larger preview, both WebP. PDFs show their first page (PDFium); videos
a poster frame when `ffmpeg` is installed, otherwise the gallery shows a generic icon."""

import io
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from .models import EvidenceItem, FileType, Previews
from .storage import evidence_storage
from .validation import TYPES

THUMB_SIZE = (400, 400)
PREVIEW_SIZE = (1600, 1600)


def _source_image(item: EvidenceItem, local: Path) -> Image.Image | None:
    if item.is_image:
        image = Image.open(local, formats=[TYPES[item.file_type].pillow])
        if item.file_type == FileType.JPEG:
            image.draft("RGB", PREVIEW_SIZE)
        # Photos from phones are stored sideways with an EXIF rotation; show them upright.
        return ImageOps.exif_transpose(image)
    if item.file_type == FileType.PDF:
        import pypdfium2

        document = pypdfium2.PdfDocument(str(local))
        try:
            page = document[0]
            width, height = page.get_size()
            scale = min(PREVIEW_SIZE[0] / width, PREVIEW_SIZE[1] / height, 4)
            return page.render(scale=scale).to_pil()
        finally:
            document.close()
    if item.is_video:
        return _poster_frame(local)
    return None


def _poster_frame(local: Path) -> Image.Image | None:
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        return None
    with tempfile.TemporaryDirectory() as folder:
        frame = Path(folder) / "frame.png"
        result = subprocess.run(
            [ffmpeg, "-nostdin", "-loglevel", "error", "-i", str(local), "-frames:v", "1",
             "-vf", f"scale='min({PREVIEW_SIZE[0]},iw)':-2", str(frame)],
            capture_output=True, timeout=60,
        )
        if result.returncode != 0 or not frame.exists():
            return None
        with Image.open(frame) as image:
            image.load()
            return image.copy()


def _webp(image: Image.Image, size: tuple[int, int]) -> bytes:
    copy = image.copy()
    copy.thumbnail(size, Image.Resampling.LANCZOS)
    if copy.mode not in ("RGB", "RGBA"):
        copy = copy.convert("RGBA" if "A" in copy.getbands() else "RGB")
    out = io.BytesIO()
    copy.save(out, "WEBP", quality=80, method=4)
    return out.getvalue()


def make(item: EvidenceItem) -> tuple[str, str, str]:
    """Build and store the thumbnail and preview; returns (status, thumb name, preview name)."""
    storage = evidence_storage()
    with tempfile.TemporaryDirectory() as folder:
        local = Path(folder) / f"original.{TYPES[item.file_type].extensions[0]}"
        with storage.open(item.storage_name, "rb") as src, open(local, "wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        image = _source_image(item, local)
        if image is None:
            return Previews.NONE, "", ""
        stem = f"previews/{item.sha256[:2]}/{uuid.uuid4().hex}"
        thumb = storage.save(f"{stem}-thumb.webp", ContentFile(_webp(image, THUMB_SIZE)))
        preview = storage.save(f"{stem}-preview.webp", ContentFile(_webp(image, PREVIEW_SIZE)))
        image.close()
    return Previews.READY, thumb, preview
