"""Server time of an appeal's PDF export with 20 captioned 12-megapixel photos.

    .venv/bin/python bench/appeal_export.py [--photos 20] [--megapixels 12] [--runs 5]

Uses DATABASE_URL when it is set (its tables are migrated first); otherwise a throw-away SQLite
database in a temporary folder; evidence files go to a temporary private folder either way.
Makes photo-like JPEGs (noise over a gradient, so they compress like a camera's pictures), adds
them to one order's vault through the evidence service, saves an appeal version that shows all
of them with a caption each, then requests the PDF view through Django's test client: each
photo is decoded at reduced scale, downscaled to 1600 px, re-encoded and embedded by reportlab.
Bar (DESIGN.md): a PDF with 20 captioned photos in ≤ 3 s.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.desk_env import remove_order, start_desk, store_agent_order  # noqa: E402


def distinct_photos(count: int, megapixels: float) -> list[bytes]:
    """Photo-like JPEGs that differ in their pixels, not only in a comment: reportlab embeds
    identical pictures once, which would hide the cost of embedding twenty."""
    import io

    from PIL import Image, ImageDraw, ImageFilter

    width = int((megapixels * 1_000_000 * 4 / 3) ** 0.5)
    height = int(width * 3 / 4)
    base = Image.blend(
        Image.linear_gradient("L").resize((width, height)).convert("RGB"),
        Image.effect_noise((width, height), 40).convert("RGB").filter(ImageFilter.GaussianBlur(0.6)),
        0.5,
    )
    out = []
    for n in range(count):
        image = base.copy()
        draw = ImageDraw.Draw(image)
        step = width // (count + 1)
        draw.rectangle([step * n, height // 4, step * (n + 1), height * 3 // 4], fill=(30 + 9 * n, 90, 160))
        draw.text((40, 40), f"photo {n + 1}", fill=(255, 255, 255), font_size=120)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=92)
        out.append(buffer.getvalue())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--megapixels", type=float, default=12)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    workdir = start_desk("desk-bench-appeal-")
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from appeals import services as appeal_services
    from appeals.models import AppealKind
    from disputes import services
    from disputes.models import ClaimKind, Reason
    from evidence.services import evidence_add

    user, order = store_agent_order("Bench Appeal US", "bench.appeals")
    claim = services.claim_open(order=order, kind=ClaimKind.A_TO_Z, reason=Reason.DAMAGED, by=user)

    print(f"making {args.photos} {args.megapixels:g}-megapixel JPEGs…", flush=True)
    files = distinct_photos(args.photos, args.megapixels)
    print(f"file size: {len(files[0]) / 1024 / 1024:.1f} MB each; database: {connection.vendor}", flush=True)
    items = [
        evidence_add(order=order, chunks=[data], name=f"IMG_{n:04d}.jpg", kind="pre_shipment_photo", by=user)
        for n, data in enumerate(files, 1)
    ]
    appeal = appeal_services.appeal_create(claim=claim, kind=AppealKind.CLAIM_RESPONSE, by=user)
    appeal_services.appeal_save(
        appeal=appeal,
        by=user,
        based_on=0,
        draft=appeal_services.AppealDraft(
            facts=["The buyer placed the order.", "We packed and photographed the item before shipping."],
            evidence=[
                (item.pk, f"Photo {n}: the item intact and wrapped before it left us")
                for n, item in enumerate(items, 1)
            ],
            conclusion="Our pre-shipment photos show the item intact; we ask that the claim be denied.",
        ),
    )

    client = Client()
    client.force_login(user)
    url = reverse("appeals:pdf", args=[appeal.pk])
    seconds, size = [], 0
    for _run in range(args.runs):
        started = time.perf_counter()
        response = client.get(url, secure=True)
        body = response.content
        seconds.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"export failed: {response.status_code}")
        size = len(body)

    print(
        f"PDF export, {args.photos} photos ({args.runs} runs): median {statistics.median(seconds):.2f} s, "
        f"max {max(seconds):.2f} s, PDF {size / 1024 / 1024:.1f} MB"
    )
    verdict = "within" if max(seconds) <= 3 else "OVER"
    print(f"bar: PDF with 20 captioned photos ≤ 3 s — max {verdict} the bar")
    remove_order(order)
    workdir.cleanup()


if __name__ == "__main__":
    main()
