import pytest

from disputes.models import Order, OrderImport

from ..conftest import PASSWORD
from ..test_import import amazon_report, amazon_row, good_amazon_report
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_uploads_a_report_and_sees_what_it_created(page, world, tmp_path):
    report = tmp_path / "All Orders 2026-05.txt"
    report.write_bytes(good_amazon_report())
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")

    page.goto("/imports/")
    assert page.locator("#id_store option").all_inner_texts() == ["Alpha Amazon US"]
    page.set_input_files("input[type=file]", str(report))
    # Record what the progress bar shows at each progress event import.js has handled.
    page.evaluate("""() => {
      window.progressSeen = [];
      document.addEventListener("htmx:xhr:progress", () => {
        const bar = document.querySelector("#import-progress-bar");
        window.progressSeen.push(bar.hasAttribute("value") ? bar.value : "checking");
      });
    }""")
    page.click("button:text('Import')")

    page.wait_for_selector(".import-done")
    assert "checking" in page.evaluate("window.progressSeen")
    assert page.locator("[data-count=orders-created]").inner_text() == "2"
    assert page.locator("[data-count=lines-created]").inner_text() == "3"
    assert page.locator(".import-history >> text=All Orders 2026-05.txt").is_visible()
    # The form stayed where it was: htmx swapped only the result.
    assert page.locator("input[type=file]").count() == 1
    assert page.locator("[data-import-progress]").is_hidden()
    assert Order.objects.filter(store=world.store_a).count() == 3
    assert page.csp_violations == []


def test_agent_uploads_a_malformed_report_and_sees_each_bad_row(page, world, tmp_path):
    report = tmp_path / "broken.txt"
    report.write_bytes(
        amazon_report(
            amazon_row(quantity="-1"),
            amazon_row(sku="LID"),
            amazon_row(sku="CAP", **{"purchase-date": "2026-13-01"}),
        )
    )
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")

    page.goto("/imports/")
    page.set_input_files("input[type=file]", str(report))
    page.click("button:text('Import')")

    page.wait_for_selector(".import-refused")
    rows = page.locator(".import-errors tbody tr").all_inner_texts()
    assert [row.split("\t")[0] for row in rows] == ["2", "4"]
    assert "negative" in rows[0] and "purchase-date" in rows[1]
    assert Order.objects.filter(store=world.store_a).count() == 1  # only the fixture's order
    assert not OrderImport.objects.exists()
    assert page.csp_violations == []
