"""Derived images for the gallery and the comparison view, made by a worker from the original:
a small thumbnail and a larger preview, both WebP. PDFs show their first page (PDFium); videos
a poster frame when `ffmpeg` is installed, otherwise the gallery shows a generic icon.

The drawing itself happens in a child process (evidence/render.py) with a cap on its memory and
processor time and a wall-clock timeout: a file that makes a decoder run away costs that child,
never the worker, and ends as "no preview" with its reason."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File

from . import render
from .models import EvidenceItem, PreviewProblem, Previews
from .storage import evidence_storage
from .validation import TYPES

RENDERER = Path(render.__file__).resolve()


@dataclass(frozen=True)
class Outcome:
    status: str
    thumb: str = ""
    preview: str = ""
    problem: str = ""
    # What went wrong, in words for the log and the managers' list of work set aside.
    detail: str = ""


def failed(problem: str, detail: str) -> Outcome:
    return Outcome(Previews.FAILED, problem=problem, detail=detail)


def make(item: EvidenceItem) -> Outcome:
    """Draw and store the thumbnail and preview. Raises OSError when the original cannot be
    read from storage (worth retrying); every problem with the file itself is an Outcome."""
    storage = evidence_storage()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        local = folder / f"original.{TYPES[item.file_type].extensions[0]}"
        with storage.open(item.storage_name, "rb") as src, open(local, "wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        out = folder / "out"
        out.mkdir()
        problem = draw(item.file_type, local, out)
        if problem:
            return problem
        if not (out / "preview.webp").exists():
            return Outcome(Previews.NONE)
        stem = f"previews/{item.sha256[:2]}/{uuid.uuid4().hex}"
        with open(out / "thumb.webp", "rb") as thumb_file, open(out / "preview.webp", "rb") as preview_file:
            thumb = storage.save(f"{stem}-thumb.webp", File(thumb_file))
            preview = storage.save(f"{stem}-preview.webp", File(preview_file))
    return Outcome(Previews.READY, thumb, preview)


def draw(file_type: str, local: Path, out: Path) -> Outcome | None:
    """Run the renderer on a local copy; None when it finished, else why it failed."""
    info = TYPES[file_type]
    memory_mb = settings.EVIDENCE_PREVIEW_MEMORY_MB
    seconds = settings.EVIDENCE_PREVIEW_SECONDS
    # -I: isolated, so neither PYTHON* variables nor the script's own folder are on the path
    # (evidence/selectors.py would stand in for the standard library's selectors module).
    command = [
        sys.executable,
        "-I",
        str(RENDERER),
        "--family",
        info.family,
        "--format",
        info.pillow,
        "--memory-mb",
        str(memory_mb),
        "--cpu-seconds",
        str(seconds),
        "--max-pixels",
        str(settings.EVIDENCE_MAX_PIXELS),
        str(local),
        str(out),
    ]
    log_path = out.parent / "render.log"
    with open(log_path, "wb") as log:
        # A session of its own, so a timeout also ends the ffmpeg it may have started. Few
        # malloc arenas: each thread's arena reserves address space that counts against the cap.
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            cwd=out.parent,
            env={**os.environ, "MALLOC_ARENA_MAX": "2"},
            start_new_session=True,
        )
        try:
            code = child.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            _end_group(child.pid)
            child.wait()
            return failed(PreviewProblem.TIME, f"still drawing after {seconds} s; stopped")
        finally:
            _end_group(child.pid)
    if code == 0:
        return None
    said = _tail(log_path)
    if code == render.EXIT_MEMORY:
        return failed(PreviewProblem.MEMORY, f"needed more than {memory_mb} MB of memory")
    if code == render.EXIT_UNREADABLE:
        return failed(PreviewProblem.UNREADABLE, f"the content could not be drawn: {said}")
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return failed(PreviewProblem.TIME, f"used more than {seconds} s of processor time")
    name = signal.Signals(-code).name if code < 0 and -code in signal.valid_signals() else f"exit {code}"
    return failed(
        PreviewProblem.CRASHED, f"the renderer stopped ({name}) within its {memory_mb} MB of memory"
    )


def _end_group(pid: int) -> None:
    # Whatever the renderer left behind (an ffmpeg still running) goes with it.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _tail(path: Path) -> str:
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 400))
        lines = f.read().decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no message"
