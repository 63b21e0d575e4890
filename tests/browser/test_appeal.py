import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from appeals.models import Appeal
from disputes import services as claim_services
from disputes.models import ClaimKind, Reason, Shipment
from evidence.models import EvidenceKind

from ..conftest import PASSWORD
from ..evidence_corpus import add_evidence, photo
from ..test_appeals import pdf_images, pdf_text
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_builds_an_item_not_received_appeal_and_exports_its_pdf(page, world):
    now = timezone.now()
    Shipment.objects.create(
        order=world.order_a,
        carrier="USPS",
        tracking_number="9400111899223344556677",
        shipped_at=now - timedelta(days=9),
        delivered_at=now - timedelta(days=5),
        proof_of_delivery="Delivered to mailbox at the buyer's address",
    )
    claim = claim_services.claim_open(
        order=world.order_a,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        by=world.agent_a,
        opened_at=now - timedelta(days=2),
    )
    label = add_evidence(
        world.order_a,
        world.agent_a,
        photo(1800, 1200, label="label", colour=(40, 90, 160)),
        name="label.jpg",
        kind=EvidenceKind.TRACKING_HISTORY,
        caption="Shipping label",
    )
    porch = add_evidence(
        world.order_a,
        world.agent_a,
        photo(1600, 1200, label="porch", colour=(60, 140, 60)),
        name="porch.jpg",
        kind=EvidenceKind.PROOF_OF_DELIVERY,
    )
    add_evidence(world.order_a, world.agent_a, photo(800, 600, label="unused"), name="unused.jpg")

    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")
    page.goto(f"/claims/{claim.pk}/")
    page.select_option("#appeal-new-form select[name=kind]", "claim_response")
    page.click("#appeal-new-form button[type=submit]")
    page.wait_for_selector("#appeal-form")

    facts = page.locator("#facts-list textarea[name=fact]")
    drafted = facts.evaluate_all("inputs => inputs.map(i => i.value)")
    assert any(
        "we shipped the order with USPS with tracking number 9400111899223344556677." in f for f in drafted
    )
    assert any("the buyer opened a claim" in f for f in drafted)
    removed = next(f for f in drafted if "recorded the parcel as delivered" in f)
    # A fact's box grows with its text rather than hiding it in one scrolling line.
    height = "box => box.getBoundingClientRect().height"
    one_line = facts.nth(0).evaluate(height)
    facts.nth(0).fill("The buyer ordered one desk lamp and asked about the delivery window. " * 5)
    assert facts.nth(0).evaluate(height) > 2 * one_line
    # Edit the first fact, remove the delivery line, and move the claim line up with the button.
    facts.nth(0).fill("The buyer ordered one desk lamp (order 111-0000001-0000001).")
    page.locator("#facts-list li").nth(drafted.index(removed)).locator("[data-remove]").click()
    last = page.locator("#facts-list li").last
    last.locator("[data-move=up]").click()

    # Pick two photos from the vault, caption them, and put the porch photo first by dragging it.
    for item, caption in [
        (label, "Label shows the tracking number and the buyer's address"),
        (porch, "Carrier's photo of the parcel at the buyer's door"),
    ]:
        page.check(f"#evidence-list input[name=item][value='{item.pk}']")
        page.fill(f"#caption-{item.pk}", caption)
    # A caption is as wide as its row, under the file it describes.
    row_width = page.locator(f"[data-item='{label.pk}']").evaluate("row => row.clientWidth")
    caption_width = page.locator(f"#caption-{label.pk}").evaluate("box => box.getBoundingClientRect().width")
    assert caption_width > 0.9 * row_width
    page.locator(f"[data-item='{porch.pk}'] .drag-handle").drag_to(
        page.locator(f"[data-item='{label.pk}']"), target_position={"x": 5, "y": 2}
    )
    order_now = page.locator("#evidence-list [data-item]").evaluate_all(
        "rows => rows.map(r => r.dataset.item)"
    )
    assert order_now[:2] == [str(porch.pk), str(label.pk)]

    # The live preview follows the edits, with no policy findings for this neutral text.
    expect(page.locator("#appeal-text")).to_have_value(
        re.compile("Carrier's photo of the parcel at the buyer's door")
    )
    preview = page.input_value("#appeal-text")
    assert "The buyer ordered one desk lamp" in preview and removed not in preview
    assert "Policy check: no findings." in page.inner_text("#appeal-live")

    page.click("#appeal-save")
    page.wait_for_selector(".message-success:text('Saved as version 1.')")
    version = Appeal.objects.get(claim=claim).versions.get()
    assert [row.item_id for row in version.evidence.all()] == [porch.pk, label.pk]
    assert version.facts[0] == "The buyer ordered one desk lamp (order 111-0000001-0000001)."

    with page.expect_download() as download_info:
        page.click("#export-pdf")
    download = download_info.value
    assert download.suggested_filename == "appeal-111-0000001-0000001-v1.pdf"
    data = Path(download.path()).read_bytes()
    text = pdf_text(data)
    assert "The buyer ordered one desk lamp (order 111-0000001-0000001)." in text
    assert "we shipped the order with USPS with tracking number 9400111899223344556677." in text
    assert removed.split(": ", 1)[1] not in text
    assert "Carrier's photo of the parcel at the buyer's door" in text
    assert "Label shows the tracking number and the buyer's address" in text
    assert text.index("Carrier's photo") < text.index("Label shows")
    assert pdf_images(data) == 2
    assert len(PdfReader(io.BytesIO(data)).pages) >= 1
    assert page.csp_violations == []
