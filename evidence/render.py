"""Draw the thumbnail and the preview of one evidence file, in a process of its own.

evidence.previews runs this file as a script (`python -I render.py …`) for every preview. A
hostile file can make a decoder loop or ask for memory without end (a PDF page whose drawing
calls itself grows by hundreds of megabytes a second); here that can only exhaust this child,
which first caps its own address space, processor time and file sizes. The parent adds a
wall-clock timeout and reads the exit status.

It imports nothing from the desk, so it starts quickly and needs no database or settings.
Exit 0 with both WebP files written: previews made; exit 0 without them: no preview for this
kind of file; EXIT_UNREADABLE: the content could not be drawn; EXIT_MEMORY: out of memory."""

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

EXIT_UNREADABLE = 2
EXIT_MEMORY = 3
THUMB_SIZE = (400, 400)
PREVIEW_SIZE = (1600, 1600)
OUTPUT_LIMIT = 256 * 1024 * 1024


def set_limits(memory_bytes: int, cpu_seconds: int) -> None:
    """Before any untrusted byte is parsed. Limits pass on to ffmpeg, started from here."""

    def cap(which: int, soft: int, hard: int) -> None:
        _old_soft, old_hard = resource.getrlimit(which)
        if old_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, old_hard), min(hard, old_hard)
        resource.setrlimit(which, (soft, hard))

    cap(resource.RLIMIT_AS, memory_bytes, memory_bytes)
    # SIGXCPU at the soft limit, SIGKILL a little later if it is ignored.
    cap(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 5)
    cap(resource.RLIMIT_FSIZE, OUTPUT_LIMIT, OUTPUT_LIMIT)
    cap(resource.RLIMIT_CORE, 0, 0)


def source_image(family: str, pillow_format: str, path: Path, max_pixels: int):
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = max_pixels
    if family == "image":
        if pillow_format == "HEIF":
            from pillow_heif import register_heif_opener

            register_heif_opener()
        image = Image.open(path, formats=[pillow_format])
        if pillow_format == "JPEG":
            image.draft("RGB", PREVIEW_SIZE)
        # Photos from phones are stored sideways with an EXIF rotation; show them upright.
        return ImageOps.exif_transpose(image)
    if family == "pdf":
        return first_page(path)
    if family == "video":
        return poster_frame(path)
    return None


def first_page(path: Path):
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        page = document[0]
        width, height = page.get_size()
        scale = min(PREVIEW_SIZE[0] / width, PREVIEW_SIZE[1] / height, 4)
        return page.render(scale=scale).to_pil()
    finally:
        document.close()


def poster_frame(path: Path):
    """A frame from the start of the video when ffmpeg is installed; otherwise no preview."""
    from PIL import Image

    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        return None
    with tempfile.TemporaryDirectory(dir=path.parent) as folder:
        frame = Path(folder) / "frame.png"
        result = subprocess.run(
            [
                ffmpeg,
                "-nostdin",
                "-loglevel",
                "error",
                "-threads",
                "1",
                "-i",
                str(path),
                "-frames:v",
                "1",
                "-vf",
                f"scale='min({PREVIEW_SIZE[0]},iw)':-2",
                str(frame),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if result.returncode != 0 or not frame.exists():
            return None
        with Image.open(frame, formats=["PNG"]) as image:
            image.load()
            return image.copy()


def save_webp(image, size: tuple[int, int], target: Path) -> None:
    # Shrinks in place: the preview is made first, the thumbnail from it, never a full copy.
    image.thumbnail(size)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    image.save(target, "WEBP", quality=80, method=4)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--family", required=True, choices=["image", "pdf", "video"])
    parser.add_argument("--format", default="")
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, required=True)
    parser.add_argument("--max-pixels", type=int, required=True)
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    set_limits(args.memory_mb * 1024 * 1024, args.cpu_seconds)
    try:
        image = source_image(args.family, args.format, args.source, args.max_pixels)
        if image is None:
            return 0
        save_webp(image, PREVIEW_SIZE, args.out / "preview.webp")
        save_webp(image, THUMB_SIZE, args.out / "thumb.webp")
    except MemoryError:
        print("out of memory", file=sys.stderr)
        return EXIT_MEMORY
    except Exception:
        traceback.print_exc(limit=3)
        return EXIT_UNREADABLE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
