import base64
import hashlib
from pathlib import Path

import pytest

from disputes import services as claim_services
from disputes.models import ClaimKind, Reason
from evidence.models import EvidenceItem, Previews

from ..conftest import PASSWORD
from ..evidence_corpus import HTML, pdf, photo
from ..worker import celery_worker
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Records every progress value each upload row shows, in order.
WATCH_PROGRESS = """() => {
  window.progressSeen = {};
  new MutationObserver((records) => {
    for (const r of records) {
      const name = r.target.querySelector(".upload-name").textContent;
      (window.progressSeen[name] = window.progressSeen[name] || []).push(Number(r.target.dataset.progress));
    }
  }).observe(document.querySelector("[data-upload-list]"), {subtree: true, attributes: true, attributeFilter: ["data-progress"]});
}"""

DROP = """([name, type, b64]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type}));
  const zone = document.querySelector("[data-dropzone]");
  zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
  zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


def test_agent_uploads_captions_compares_and_downloads_evidence(page, world, settings, tmp_path):
    claim = claim_services.claim_open(
        order=world.order_a, kind=ClaimKind.A_TO_Z, reason=Reason.DAMAGED, by=world.agent_a
    )
    files = {
        "packed-1.jpg": photo(3000, 2000, label="packed 1"),
        "packed-2.jpg": photo(2400, 1800, label="packed 2", colour=(60, 140, 60)),
        "carrier-letter.pdf": pdf("The carrier confirms the parcel was handled as fragile."),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    buyer_photo = photo(2000, 1500, label="buyer", colour=(200, 40, 40))

    log = tmp_path / "worker.log"
    with celery_worker(log) as queue:
        settings.EVIDENCE_TASK_QUEUE = queue
        log_in(page, "agent_a", PASSWORD)
        page.wait_for_selector("h1:text('Queue')")
        page.goto(f"/claims/{claim.pk}/")
        assert page.inner_text("[data-checklist-count]") == "0 of 4 present"
        page.evaluate(WATCH_PROGRESS)

        # Two pre-shipment photos from the file picker, at once.
        page.select_option("#evidence-kind", "pre_shipment_photo")
        page.set_input_files(
            "#evidence-files", [str(tmp_path / "packed-1.jpg"), str(tmp_path / "packed-2.jpg")]
        )
        page.click("[data-upload-submit]")
        page.wait_for_selector(".upload-row.upload-done >> nth=1")
        # The buyer's photo by drag and drop.
        page.select_option("#evidence-kind", "buyer_media")
        page.evaluate(DROP, ["buyer.jpg", "image/jpeg", base64.b64encode(buyer_photo).decode()])
        page.click("[data-upload-submit]")
        page.wait_for_selector(".upload-row.upload-done >> nth=2")
        # The carrier's letter as a PDF, and a disguised web page that must be refused.
        page.select_option("#evidence-kind", "carrier_correspondence")
        page.set_input_files("#evidence-files", str(tmp_path / "carrier-letter.pdf"))
        page.click("[data-upload-submit]")
        page.wait_for_selector(".upload-row.upload-done >> nth=3")
        page.evaluate(DROP, ["innocent.jpg", "image/jpeg", base64.b64encode(HTML).decode()])
        page.click("[data-upload-submit]")
        page.wait_for_selector(".upload-row.upload-failed")
        assert "is a web page (HTML)" in page.inner_text(".upload-row.upload-failed")

        progress = page.evaluate("window.progressSeen")
        assert set(progress) >= {"packed-1.jpg", "packed-2.jpg", "buyer.jpg", "carrier-letter.pdf"}
        for values in progress.values():
            assert values == sorted(values) and values[-1] == 100

        # The checklist filled in place: photos, buyer's photo and carrier; packaging missing.
        page.wait_for_selector("[data-checklist-count]:text('3 of 4 present')")
        assert page.locator(".checklist .missing").inner_text().startswith("○ Packaging")

        # Captions, edited in place.
        items = {item.original_name: item for item in EvidenceItem.objects.all()}
        assert set(items) == {"packed-1.jpg", "packed-2.jpg", "buyer.jpg", "carrier-letter.pdf"}
        captions = {
            "packed-1.jpg": "Lamp wrapped in foam, box sealed",
            "packed-2.jpg": "Box weighed and labelled fragile",
            "buyer.jpg": "Buyer photo of the dented corner",
            "carrier-letter.pdf": "Carrier confirms fragile handling",
        }
        for name, caption in captions.items():
            card = f"#evidence-{items[name].pk}"
            page.click(f"{card} [data-edit]")
            page.fill(f"{card} input[name=caption]", caption)
            page.click(f"{card} button:text('Save')")
            page.wait_for_selector(f"{card} [data-caption]:text('{caption}')")

        # Thumbnails arrive from the worker; the cards poll until they do.
        for item in items.values():
            page.wait_for_selector(f"#evidence-{item.pk} img[data-thumb]", timeout=60_000)
        assert all(i.previews == Previews.READY for i in EvidenceItem.objects.all())
        natural = page.evaluate(
            f"document.querySelector('#evidence-{items['packed-1.jpg'].pk} img').naturalWidth"
        )
        assert natural == 400

    # Side by side, zoomable.
    page.click("#evidence-compare-link")
    page.wait_for_selector("h1:text('Buyer')")
    # A function, not an expression: Playwright re-checks an expression with eval(), which the
    # page's CSP refuses whenever the first check comes too early (a loaded machine).
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-zoom-image]')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.locator("[data-zoom-image]").count() == 2
    page.click("button[data-zoom=in]")
    assert page.locator("[data-zoom-frame]").evaluate_all("frames => frames.map(f => f.dataset.scale)") == [
        "1.50",
        "1.50",
    ]

    # The original, byte for byte.
    page.goto(f"/claims/{claim.pk}/")
    with page.expect_download() as download_info:
        page.click(f"#evidence-{items['packed-1.jpg'].pk} [data-download]")
    download = download_info.value
    data = Path(download.path()).read_bytes()
    assert download.suggested_filename == "packed-1.jpg"
    assert data == files["packed-1.jpg"]
    assert hashlib.sha256(data).hexdigest() == items["packed-1.jpg"].sha256

    # The timeline shows the evidence at its capture time and the caption edits.
    timeline = page.inner_text(".timeline")
    # Photos made by Pillow carry no capture time: dated at upload, and the timeline says so.
    assert "Evidence captured: Pre-shipment photo (time of upload)" in timeline
    assert "Caption of “carrier-letter.pdf” set to “Carrier confirms fragile handling”" in timeline
    assert page.csp_violations == []
