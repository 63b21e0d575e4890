"""Server time of an evidence upload (a 12-megapixel JPEG), and the worker's preview time.

    .venv/bin/python bench/upload.py [--runs 20] [--megapixels 12]

Uses DATABASE_URL when it is set (its tables are migrated first); otherwise a throw-away SQLite
database in a temporary folder; evidence files go to a temporary private folder either way.
Makes one photo-like 4000 × 3000 JPEG (noise over a gradient, so it compresses like a camera's
picture), saved once per run with a different comment so no run is refused as a duplicate. Each
run posts it to the upload view through Django's WSGI handler with the multipart body already
encoded, so the time is the server's: parsing the upload, hashing, checking by content (a full
decode at 1/8 scale), moving it into storage and writing the row. Then the worker's task makes
each item's thumbnail and preview, timed on its own. Bar (DESIGN.md): upload ≤ 300 ms.
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.desk_env import remove_order, start_desk, store_agent_order  # noqa: E402


def photo_jpegs(runs: int, megapixels: float) -> list[bytes]:
    from PIL import Image, ImageFilter

    width = int((megapixels * 1_000_000 * 4 / 3) ** 0.5)
    height = int(width * 3 / 4)
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 40).convert("RGB").filter(ImageFilter.GaussianBlur(0.6))
    image = Image.blend(base, noise, 0.5)
    out = []
    for run in range(runs):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=92, comment=f"bench run {run}".encode())
        out.append(buffer.getvalue())
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--megapixels", type=float, default=12)
    args = parser.parse_args()

    workdir = start_desk("desk-bench-upload-")
    from django.db import connection
    from django.test import Client
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
    from django.urls import reverse

    from evidence.models import EvidenceItem
    from evidence.tasks import make_previews

    user, order = store_agent_order("Bench Upload US", "bench.uploader")
    client = Client()
    client.force_login(user)
    url = reverse("evidence:upload", args=[order.pk])

    print(f"making {args.runs} {args.megapixels:g}-megapixel JPEGs…", flush=True)
    files = photo_jpegs(args.runs, args.megapixels)
    print(f"file size: {len(files[0]) / 1024 / 1024:.1f} MB; database: {connection.vendor}")

    class Upload(io.BytesIO):
        name = "IMG_0001.jpg"
        content_type = "image/jpeg"

    upload_ms = []
    for data in files:
        body = encode_multipart(
            BOUNDARY,
            {
                "kind": "pre_shipment_photo",
                "caption": "bench",
                "file_name": "IMG_0001.jpg",
                "file": Upload(data),
            },
        )
        started = time.perf_counter()
        response = client.generic(
            "POST",
            url,
            body,
            content_type=MULTIPART_CONTENT,
            secure=True,
            HTTP_X_REQUESTED_WITH="XMLHttpRequest",
        )
        upload_ms.append((time.perf_counter() - started) * 1000)
        if response.status_code != 201:
            raise SystemExit(f"upload failed: {response.status_code} {response.content[:300]!r}")

    preview_ms = []
    for item in EvidenceItem.objects.filter(order=order):
        started = time.perf_counter()
        status = make_previews(item.pk)
        preview_ms.append((time.perf_counter() - started) * 1000)
        if status != "ready":
            raise SystemExit(f"previews failed for item {item.pk}: {status}")

    def line(label: str, values: list[float]) -> str:
        return (
            f"{label:<34} median {statistics.median(values):6.0f} ms   p95 {percentile(values, 95):6.0f} ms"
            f"   max {max(values):6.0f} ms"
        )

    print(line(f"upload request ({args.runs} runs)", upload_ms))
    print(line("worker: thumbnail + preview", preview_ms))
    verdict = "within" if percentile(upload_ms, 95) <= 300 else "OVER"
    print(f"bar: upload ≤ 300 ms server time — p95 {verdict} the bar")
    remove_order(order)
    workdir.cleanup()


if __name__ == "__main__":
    main()
