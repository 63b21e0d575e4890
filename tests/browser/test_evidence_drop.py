"""A drop of several files: each gets its own kind and caption before upload; the card of each
shows the capture time read from the file; the kind select keeps its choice."""

import base64

import pytest

from evidence.models import CapturedFrom, EvidenceItem

from ..capture_files import android_mp4, camera_jpeg
from ..conftest import PASSWORD
from ..evidence_corpus import HTML
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Drops several files at once, as a file manager does.
DROP_MANY = """(files) => {
  const transfer = new DataTransfer();
  for (const [name, type, b64] of files) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name, {type}));
  }
  const zone = document.querySelector("[data-dropzone]");
  zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
  zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_three_dropped_files_each_get_their_own_kind_caption_and_file_date(page, world):
    from datetime import UTC, datetime

    files = [
        ("IMG_4471.JPG", "image/jpeg", b64(camera_jpeg("2026:10:28 14:02:11", "+08:00"))),
        ("IMG_4472.JPG", "image/jpeg", b64(camera_jpeg("2026:10:28 14:03:40", "+08:00"))),
        (
            "VID_20261030_101500.mp4",
            "video/mp4",
            b64(android_mp4(datetime(2026, 10, 30, 10, 15, tzinfo=UTC))),
        ),
    ]
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")
    page.goto(f"/claims/{world.claim_a.pk}/")
    page.select_option("#evidence-kind", "pre_shipment_photo")
    page.evaluate(DROP_MANY, files)

    rows = page.locator("[data-upload-list] > li")
    assert rows.count() == 3
    # Each row starts from the panel's kind and is labelled with its own file.
    assert (
        rows.locator("select[data-field=kind]").evaluate_all("s => s.map(x => x.value)")
        == ["pre_shipment_photo"] * 3
    )
    assert page.get_by_label("Kind · VID_20261030_101500.mp4").count() == 1
    wanted = {
        "IMG_4471.JPG": ("pre_shipment_photo", "Lamp wrapped in foam"),
        "IMG_4472.JPG": ("packing_list", "Packing list on top of the box"),
        "VID_20261030_101500.mp4": ("packing_video", "Box sealed on camera"),
    }
    for name, (kind, caption) in wanted.items():
        page.get_by_label(f"Kind · {name}").select_option(kind)
        page.get_by_label(f"What it proves · {name}").fill(caption)
    page.click("[data-upload-submit]")
    page.wait_for_selector(".upload-row.upload-done >> nth=2")

    items = {item.original_name: item for item in EvidenceItem.objects.all()}
    assert {name: (i.kind, i.caption) for name, i in items.items()} == wanted
    assert all(i.captured_from == CapturedFrom.FILE for i in items.values())
    for name, item in items.items():
        card = page.locator(f"#evidence-{item.pk}")
        assert card.locator("[data-caption]").inner_text() == wanted[name][1]
        assert card.locator("[data-captured-from=file]").inner_text() == "(from the file)"
        shown = card.locator("[data-captured] time").get_attribute("datetime")
        assert shown == item.captured_at.isoformat()
    assert items["IMG_4471.JPG"].captured_at == datetime(2026, 10, 28, 6, 2, 11, tzinfo=UTC)
    assert "2026-10-2" in page.locator(f"#evidence-{items['IMG_4471.JPG'].pk} [data-captured]").inner_text()

    # The panel's kind kept its choice through the upload, and a refused file keeps the kind
    # given to it, ready to be fixed and sent again.
    assert page.input_value("#evidence-kind") == "pre_shipment_photo"
    page.evaluate(DROP_MANY, [["receipt.jpg", "image/jpeg", b64(HTML)]])
    page.get_by_label("Kind · receipt.jpg").select_option("refund_record")
    page.click("[data-upload-submit]")
    page.wait_for_selector(".upload-row.upload-failed")
    assert "is a web page (HTML)" in page.inner_text(".upload-row.upload-failed")
    assert page.get_by_label("Kind · receipt.jpg").input_value() == "refund_record"
    assert page.get_by_label("Kind · receipt.jpg").is_enabled()
    assert page.input_value("#evidence-kind") == "pre_shipment_photo"

    # And after the page is loaded again, the panel's kind is the one chosen last.
    page.reload()
    assert page.input_value("#evidence-kind") == "refund_record"
    assert page.csp_violations == []
