import pytest

from disputes.models import ImportJob, Order, OrderImport, OrderLine

from ..conftest import PASSWORD
from ..test_import import amazon_report, amazon_row, good_amazon_report
from ..test_import_jobs import many_orders_report
from ..worker import celery_worker
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_uploads_a_report_and_sees_what_it_created(page, world, tmp_path, import_worker):
    report = tmp_path / "All Orders 2026-05.txt"
    report.write_bytes(good_amazon_report())
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")

    page.goto("/imports/")
    assert page.locator("#id_store option").all_inner_texts() == ["Alpha Amazon US"]
    page.set_input_files("input[type=file]", str(report))
    # Record what the upload's progress bar shows at each progress event import.js has handled
    # (kept in the tab's session storage: the browser then moves on to the job's page).
    page.evaluate("""() => {
      document.addEventListener("htmx:xhr:progress", () => {
        const bar = document.querySelector("#import-progress-bar");
        const seen = JSON.parse(sessionStorage.getItem("progressSeen") || "[]");
        seen.push(bar.hasAttribute("value") ? bar.value : "checking");
        sessionStorage.setItem("progressSeen", JSON.stringify(seen));
      });
    }""")
    page.click("button:text('Import')")

    page.wait_for_selector(".import-done", timeout=60_000)
    assert "checking" in page.evaluate("JSON.parse(sessionStorage.getItem('progressSeen'))")
    # The page answered with the job's page, which followed the worker to the result.
    job = ImportJob.objects.get()
    assert page.url.endswith(f"/imports/{job.pk}/") and job.status == "done"
    assert page.locator("[data-count=orders-created]").inner_text() == "2"
    assert page.locator("[data-count=lines-created]").inner_text() == "3"
    assert Order.objects.filter(store=world.store_a).count() == 3
    page.click("text=Import another report")
    row = page.locator(f"tr[data-job='{job.pk}']")
    assert (
        "All Orders 2026-05.txt" in row.inner_text()
        and row.locator("[data-status=done]").inner_text() == "Done"
    )
    assert page.csp_violations == []


def test_agent_uploads_a_malformed_report_and_sees_each_bad_row(page, world, tmp_path, import_worker):
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

    page.wait_for_selector(".import-refused", timeout=60_000)
    rows = page.locator(".import-errors tbody tr").all_inner_texts()
    assert [row.split("\t")[0] for row in rows] == ["2", "4"]
    assert "negative" in rows[0] and "purchase-date" in rows[1]
    assert Order.objects.filter(store=world.store_a).count() == 1  # only the fixture's order
    assert not OrderImport.objects.exists()
    assert page.csp_violations == []


def test_a_report_of_thousands_of_rows_shows_its_progress_then_the_result(page, world, tmp_path, settings):
    """4,000 rows, and the worker pauses a second after each 1,000 (DESK_IMPORT_PROGRESS_PAUSE),
    so the bar is seen part-way however fast the machine imports."""
    report = tmp_path / "All Orders 2026-05 full.txt"
    report.write_bytes(many_orders_report(4000))
    log = tmp_path / "worker.log"
    with celery_worker(log, env={"DESK_IMPORT_PROGRESS_PAUSE": "1"}) as queue:
        settings.DESK_IMPORT_QUEUE = queue
        log_in(page, "agent_a", PASSWORD)
        page.wait_for_selector("h1:text('Queue')")
        page.goto("/imports/")
        page.set_input_files("input[type=file]", str(report))
        page.click("button:text('Import')")

        page.wait_for_url("**/imports/*/")
        # A state part-way: the worker has read rows and the import is not done yet.
        page.wait_for_function(
            """() => {
              const status = document.querySelector('#import-job-status[data-status=running]');
              const read = status && status.querySelector('[data-live=read]');
              return read && Number(read.textContent) > 0 && Number(read.textContent) < 4000;
            }""",
            timeout=60_000,
        )
        read = int(page.inner_text("[data-live=read]"))
        written = int(page.inner_text("[data-live=written]"))
        bar = page.eval_on_selector(".import-job-bar", "bar => bar.value")
        assert 0 < read < 4000 and written == read and 0 < bar < 100
        assert page.inner_text("[data-live=errors]") == "0"

        page.wait_for_selector(".import-done", timeout=60_000)
    assert page.locator("[data-count=rows]").inner_text() == "4000"
    assert page.locator("[data-count=lines-created]").inner_text() == "4000"
    assert OrderLine.objects.filter(order__store=world.store_a).exclude(order=world.order_a).count() == 4000
    assert page.locator("#import-job-status[data-status=done]").count() == 1
    assert page.csp_violations == []
