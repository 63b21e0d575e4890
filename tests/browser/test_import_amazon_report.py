"""Amazon's All Orders report as FBA sellers and regional accounts get it, through the page."""

import pytest

from disputes.models import Order

from ..conftest import PASSWORD
from ..test_import_amazon_report import MIXED, REPORT, make_canada_store
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload(page, path) -> None:
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")
    page.goto("/imports/")
    page.select_option("#id_store", label="Alpha Amazon US")
    page.set_input_files("input[type=file]", str(path))
    page.click("button:text('Import')")
    page.wait_for_selector(".import-done", timeout=60_000)


def test_split_and_cancelled_lines_import_and_the_order_page_shows_the_totals_parts(
    page, world, import_worker
):
    upload(page, REPORT)

    assert page.locator("[data-count=orders-created]").inner_text() == "4"
    assert page.locator("[data-count=lines-created]").inner_text() == "6"
    order = Order.objects.get(platform_order_id="113-8812093-1167431")
    page.goto(f"/orders/{order.pk}/")
    assert page.locator("[data-charge=discount]").inner_text() == "−5.99 USD"
    cancelled = page.locator("tr.cancelled")
    assert "GRN-MILL-CER" in cancelled.inner_text() and "Cancelled" in cancelled.inner_text()
    assert page.locator("tr.cancelled s").inner_text() == "89.95 USD"
    assert page.csp_violations == []


def test_a_regional_report_says_which_rows_had_no_store(page, world, import_worker):
    make_canada_store(world)
    upload(page, MIXED)

    assert page.locator("[data-skipped]").all_inner_texts() == ["2 rows of Amazon.com.mx skipped: no store."]
    assert page.locator("[data-count=other-stores]").inner_text() == "Alpha Amazon CA"
    assert Order.objects.filter(store__name="Alpha Amazon CA").count() == 1
