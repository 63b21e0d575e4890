"""Order imports as jobs: the stored upload, live progress written outside the import's
transaction, the worker's task, jobs that cannot finish, and the command's progress bar."""

import io
import os
import random
import signal
from datetime import timedelta
from decimal import Decimal

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from disputes import import_jobs
from disputes.importing import import_orders
from disputes.models import ImportJob, ImportSource, ImportStatus, Order, OrderImport, OrderLine

from .concurrency import Racer
from .conftest import client_for
from .imports import URL, post_import, queued_job_url
from .test_import import amazon_report, amazon_row
from .test_timeline_migration import back_to_latest, migrate  # noqa: F401 -- a fixture
from .worker import celery_worker, wait_for

SKUS = [
    ("WB-24-BLK", "Stainless Steel Water Bottle, 24 oz, Matte Black", "19.99"),
    ("WB-32-SAGE", "Stainless Steel Water Bottle, 32 oz, Sage", "24.99"),
    ("LID-STRAW-2", "Straw Lid for Wide Mouth Bottles, 2-Pack", "9.49"),
    ("BRUSH-SET-3", "Bottle Cleaning Brush Set (3 pieces)", "7.99"),
    ("SLEEVE-NEO-24", "Neoprene Bottle Sleeve, 24 oz", "12.50"),
]


def many_orders_report(lines: int, *, seed: int = 14, bad_every: int = 0) -> bytes:
    """An All Orders report of `lines` rows as a busy store's month gives it: orders of one to
    three lines, Merchant and Amazon fulfilment, a cancelled item now and then. With
    `bad_every`, every such row has a negative quantity (the file must be refused whole)."""
    rng = random.Random(seed)
    rows = []
    order = 0
    while len(rows) < lines:
        order += 1
        order_id = f"11{order % 8 + 1}-{4400000 + order:07d}-{rng.randrange(10**7):07d}"
        day = 1 + order % 28
        fulfilment = "Amazon" if order % 3 else "Merchant"
        for sku, title, price in rng.sample(SKUS, k=min(rng.choice([1, 1, 1, 2, 3]), lines - len(rows))):
            quantity = rng.choice([1, 1, 2])
            cancelled = rng.random() < 0.03
            row = amazon_row(
                **{
                    "amazon-order-id": order_id,
                    "purchase-date": f"2026-05-{day:02d}T{order % 24:02d}:{order % 60:02d}:07+00:00",
                    "fulfillment-channel": fulfilment,
                    "sku": sku,
                    "product-name": title,
                    "item-status": "Cancelled" if cancelled else "Shipped",
                    "quantity": str(quantity),
                    "item-price": str(Decimal(price) * quantity),
                    "item-tax": str((Decimal(price) * quantity * Decimal("0.08")).quantize(Decimal("0.01"))),
                }
            )
            if bad_every and (len(rows) + 1) % bad_every == 0:
                row["quantity"] = "-1"
            rows.append(row)
    return amazon_report(*rows)


def upload(data: bytes, name: str = "All Orders May.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/plain")


def queue(client, store, data: bytes, name: str = "All Orders May.txt") -> ImportJob:
    response = client.post(URL, {"store": store.pk, "file": upload(data, name)})
    return ImportJob.objects.get(pk=int(queued_job_url(response).rstrip("/").rsplit("/", 1)[1]))


# --- The progress callback ------------------------------------------------------------------


def test_import_orders_reports_progress_every_thousand_rows_and_at_the_end(world):
    calls = []
    result = import_orders(
        store=world.store_a,
        file=io.BytesIO(many_orders_report(2500)),
        file_name="May.txt",
        progress=lambda *counts, position: calls.append(counts),
    )
    assert result.ok and result.rows == 2500
    assert calls == [(1000, 1000, 0), (2000, 2000, 0), (2500, 2500, 0)]


def test_progress_places_the_bar_at_the_rows_being_written_not_at_the_batch_read_ahead(world):
    """The importer reads the next batch while the database writes one: a 4,000-row file is read
    whole before its first report, yet the bar must not say 100 % with three quarters to go."""
    report = many_orders_report(4000)
    reports = []
    result = import_orders(
        store=world.store_a,
        file=io.BytesIO(report),
        file_name="May.txt",
        progress=lambda read, written, errors, position: reports.append((read, position)),
    )
    assert result.ok and [read for read, _ in reports] == [1000, 2000, 3000, 4000]
    # Rows 1-2,500 are the first batch: both of its reports stand at its end, well short of
    # the file's; the last report is at the end of the file.
    first_batch_end = reports[0][1]
    assert 0 < first_batch_end < len(report) * 0.8
    assert reports[1][1] == first_batch_end
    assert reports[-1][1] == len(report)


def test_progress_counts_errors_and_writes_nothing_once_a_row_failed(world):
    calls = []
    result = import_orders(
        store=world.store_a,
        file=io.BytesIO(many_orders_report(2500, bad_every=700)),
        file_name="May.txt",
        progress=lambda *counts, position: calls.append(counts),
    )
    assert not result.ok and [e.line for e in result.errors] == [701, 1401, 2101]
    # Rows stop going to the writer at the first bad row (line 701 is row 700).
    assert calls == [(1000, 699, 1), (2000, 699, 2), (2500, 699, 3)]


# --- Jobs in this process (the task's own function) -------------------------------------------


def test_the_page_stores_the_upload_and_the_job_imports_it(world, agent_client):
    data = many_orders_report(1200)
    job = queue(agent_client, world.store_a, data)
    stored = import_jobs.upload_path(job)
    assert job.status == ImportStatus.QUEUED and job.file_size == len(data) and stored.read_bytes() == data
    assert stored.parent == import_jobs.import_dir() and stored.stat().st_mode & 0o007 == 0

    import_jobs.run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.rows_read, job.rows_written, job.errors_found) == ("done", 1200, 1200, 0)
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    assert OrderLine.objects.filter(order__store=world.store_a).exclude(order=world.order_a).count() == 1200
    assert OrderImport.objects.get(store=world.store_a).imported_by == world.agent_a
    result = import_jobs.result_of(job)
    assert (
        result.ok and result.lines_created == 1200 and result.orders_created == job.result["orders_created"]
    )
    # The upload and the counters are gone with the job; the result stays on the row.
    assert not stored.exists() and job.stored_file == ""
    assert not import_jobs.progress_path(job.pk).exists()
    # Run twice (a task delivered again): the second run leaves the finished job alone.
    import_jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.rows_read == 1200


def test_a_refused_file_ends_done_with_its_row_errors_and_nothing_written(world, agent_client):
    orders_before = Order.objects.count()
    job = queue(agent_client, world.store_a, many_orders_report(1500, bad_every=500))
    import_jobs.run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.rows_read, job.rows_written, job.errors_found) == ("done", 1500, 0, 3)
    result = import_jobs.result_of(job)
    assert not result.ok and [(e.line, "negative" in e.message) for e in result.errors] == [
        (501, True),
        (1001, True),
        (1501, True),
    ]
    assert Order.objects.count() == orders_before and not OrderImport.objects.exists()
    body = agent_client.get(f"/imports/{job.pk}/").content.decode()
    assert "Nothing was imported" in body and "<td>1001</td>" in body
    # Finished: the status part no longer polls.
    assert '<div id="import-job-status" data-status="done"' in body and 'hx-trigger="every 1s"' not in body


def test_errors_are_worded_in_the_uploaders_language(world, agent_client):
    agent_client.post(reverse("preferences"), {"language": "zh-hans", "next": "/imports/"})
    job = queue(agent_client, world.store_a, amazon_report(amazon_row(quantity="-1")))
    assert job.language == "zh-hans"
    import_jobs.run(job.pk)
    job.refresh_from_db()
    assert job.result["errors"][0][1] == "quantity -1 为负数。"


@pytest.mark.django_db(transaction=True)
def test_the_job_page_shows_live_counts_while_the_imports_transaction_is_open(world, settings):
    """The counters are outside the import's transaction: another connection (the page, in
    another thread) reads them mid-import, on SQLite too, without waiting for its write lock."""
    client = client_for(world.agent_a)
    job = queue(client, world.store_a, many_orders_report(2400), name="live.txt")
    seen = []

    def look(progress: import_jobs.Progress) -> None:
        if progress.read >= 2400:
            return
        page = Racer(lambda: client.get(f"/imports/{job.pk}/", headers={"HX-Request": "true"}))
        page.start()
        response = page.outcome()
        lines = Racer(
            lambda: OrderLine.objects.filter(order__store=world.store_a).exclude(order=world.order_a).count()
        )
        lines.start()
        seen.append((response.content.decode(), lines.outcome()))

    job.status, job.started_at = ImportStatus.RUNNING, timezone.now()
    job.save()
    with open(import_jobs.upload_path(job), "rb") as file:
        import_jobs.execute(job, file, others=[world.store_a], on_progress=look)

    assert len(seen) == 2
    (first, committed_first), (second, committed_second) = seen
    assert first.lstrip().startswith('<div id="import-job-status" data-status="running"')
    assert 'data-live="read">1000<' in first and 'data-live="written">1000<' in first
    assert 'data-live="read">2000<' in second and 'data-live="errors">0<' in second
    assert 'hx-trigger="every 1s"' in first and "<progress" in first
    # Meanwhile nothing was committed (all or nothing): other connections saw none of its lines.
    assert committed_first == committed_second == 0
    assert ImportJob.objects.get(pk=job.pk).status == "done"
    assert OrderLine.objects.filter(order__store=world.store_a).exclude(order=world.order_a).count() == 2400


def test_a_running_job_page_shows_the_bar_from_the_progress_file(world, agent_client):
    job = queue(agent_client, world.store_a, many_orders_report(10))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=timezone.now())
    import_jobs._write_progress(job.pk, import_jobs.Progress(3000, 2990, 1, 250_000, 1_000_000, 0))
    body = agent_client.get(f"/imports/{job.pk}/").content.decode()
    assert 'max="100" value="25"' in body
    assert 'data-live="read">3000<' in body and 'data-live="errors">1<' in body


def test_past_the_soft_time_limit_the_import_rolls_back_and_the_job_says_why(world, agent_client, settings):
    """Celery's soft limit raises SoftTimeLimitExceeded inside the running task from a signal
    handler; the same happens here, part-way through the rows (the first 1,000 are read)."""
    settings.DESK_IMPORT_PROGRESS_PAUSE = 0.5
    job = queue(agent_client, world.store_a, many_orders_report(3000))
    stored = import_jobs.upload_path(job)

    def soft_limit(signum, frame):
        # Strike in the pause after a progress report, inside the import: a signal handled in
        # a finaliser (which Python ignores) would make the test depend on timing.
        if frame.f_code.co_name != "__call__":
            signal.setitimer(signal.ITIMER_REAL, 0.05)
            return
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, soft_limit)
    signal.setitimer(signal.ITIMER_REAL, 0.7)
    try:
        import_jobs.run(job.pk)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    job.refresh_from_db()
    assert (job.status, job.failure) == ("failed", "time_limit")
    assert not OrderLine.objects.filter(order__store=world.store_a).exclude(order=world.order_a).exists()
    assert job.stored_file == "" and not stored.exists()
    body = agent_client.get(f"/imports/{job.pk}/").content.decode()
    assert "took longer than the time allowed" in body
    assert 'data-status="failed"' in body and 'hx-trigger="every 1s"' not in body


def test_a_job_whose_worker_died_reads_failed_and_the_tidy_task_records_it(world, agent_client, settings):
    job = queue(agent_client, world.store_a, many_orders_report(10))
    stored = import_jobs.upload_path(job)
    # The worker took it up, then was killed outright: nothing recorded its end.
    started = timezone.now() - timedelta(seconds=settings.DESK_IMPORT_SECONDS + 31)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=started)
    fresh = queue(agent_client, world.store_a, many_orders_report(10), name="fresh.txt")
    ImportJob.objects.filter(pk=fresh.pk).update(status=ImportStatus.RUNNING, started_at=timezone.now())

    body = agent_client.get(f"/imports/{job.pk}/").content.decode()
    assert "The worker stopped before the import finished" in body
    assert 'id="import-job-status" data-status="failed"' in body and 'hx-trigger="every 1s"' not in body
    listing = agent_client.get(URL).content.decode()
    assert f'<tr data-job="{job.pk}">' in listing and f'<tr data-job="{fresh.pk}">' in listing
    assert listing.count('data-status="failed"') == 1 and listing.count('data-status="running"') == 1

    assert import_jobs.tidy() == 1
    job.refresh_from_db()
    assert (job.status, job.failure, job.stored_file) == ("failed", "stopped", "")
    assert not stored.exists() and import_jobs.upload_path(fresh).exists()
    assert ImportJob.objects.get(pk=fresh.pk).status == "running"


def test_a_redelivered_task_imports_a_job_left_running_by_a_dead_worker(world, agent_client, settings):
    job = queue(agent_client, world.store_a, many_orders_report(20))
    started = timezone.now() - timedelta(seconds=settings.DESK_IMPORT_SECONDS + 31)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=started)
    import_jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.rows_written == 20


def test_tidy_fails_jobs_never_started_and_deletes_files_past_their_time(world, agent_client, settings):
    old = queue(agent_client, world.store_a, many_orders_report(5))
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    waiting = queue(agent_client, world.store_a, many_orders_report(5), name="waiting.txt")
    stray = import_jobs.import_dir() / "0123abcd.upload"
    stray.write_bytes(b"left by a web process that stopped before its row")
    past = (timezone.now() - timedelta(hours=25)).timestamp()
    os.utime(stray, (past, past))

    assert import_jobs.tidy() == 1
    old.refresh_from_db()
    assert (old.status, old.failure, old.stored_file) == ("failed", "never_started", "")
    assert not stray.exists()
    assert (
        import_jobs.upload_path(waiting).exists() and ImportJob.objects.get(pk=waiting.pk).status == "queued"
    )
    body = agent_client.get(f"/imports/{old.pk}/").content.decode()
    assert "No worker took this import up in time" in body


def test_a_missing_stored_file_fails_the_job(world, agent_client):
    job = queue(agent_client, world.store_a, many_orders_report(5))
    import_jobs.upload_path(job).unlink()
    import_jobs.run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.failure) == ("failed", "file_missing")


def test_another_teams_job_is_not_found(world, agent_client, outsider_client):
    job = queue(agent_client, world.store_a, many_orders_report(5))
    assert outsider_client.get(f"/imports/{job.pk}/").status_code == 404
    assert agent_client.get(f"/imports/{job.pk}/").status_code == 200


def test_the_import_page_lists_jobs_with_their_status(world, agent_client):
    done = post_import(
        agent_client, {"store": world.store_a.pk, "file": upload(many_orders_report(30), "done.txt")}
    )
    assert "Imported" in done.content.decode()
    queue(agent_client, world.store_a, many_orders_report(5), name="waiting.txt")
    body = agent_client.get(URL).content.decode()
    assert body.index("waiting.txt") < body.index("done.txt")  # newest first
    assert ">Waiting for the worker</td>" in body and ">Done</td>" in body
    assert "<td>30</td>" in body


# --- The worker -------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_the_stored_file_and_the_job_ends_done(world, settings, tmp_path):
    client = client_for(world.agent_a)
    log = tmp_path / "worker.log"
    with celery_worker(log) as worker_queue:
        settings.DESK_IMPORT_QUEUE = worker_queue
        job = queue(client, world.store_a, many_orders_report(1800))
        bad = queue(client, world.store_a, many_orders_report(1100, seed=3, bad_every=400), name="bad.txt")
        wait_for(
            lambda: (
                set(ImportJob.objects.filter(pk__in=[job.pk, bad.pk]).values_list("status", flat=True))
                == {"done"}
            ),
            log_path=log,
        )
    job.refresh_from_db()
    assert (job.rows_read, job.rows_written, job.errors_found) == (1800, 1800, 0)
    assert OrderLine.objects.filter(order__store=world.store_a).exclude(order=world.order_a).count() == 1800
    assert import_jobs.result_of(job).lines_created == 1800
    bad.refresh_from_db()
    assert (bad.rows_read, bad.rows_written, bad.errors_found) == (1100, 0, 2)
    assert [line for line, _ in bad.result["errors"]] == [401, 801]
    assert OrderImport.objects.filter(file_name="All Orders May.txt").count() == 1
    assert not OrderImport.objects.filter(file_name="bad.txt").exists()
    assert not any(import_jobs.import_dir().iterdir())  # uploads and counters all gone
    assert "disputes.tasks.run_import_job" in log.read_text()


# --- The command ------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_command_prints_a_progress_bar_on_a_terminal(world, tmp_path):
    path = tmp_path / "All Orders May.txt"
    path.write_bytes(many_orders_report(2500))
    out, err = io.StringIO(), Terminal()
    call_command("import_orders", str(path), "--store", "Alpha Amazon US", stdout=out, stderr=err)

    frames = err.getvalue().split("\r")[1:]
    assert len(frames) == 3 and err.getvalue().endswith("\n")
    assert frames[0].startswith("[#") and "1,000 rows read, 1,000 written, 0 problems" in frames[0]
    assert frames[-1].startswith("[" + "#" * 30 + "] 100%") and "2,500 rows read" in frames[-1]
    assert out.getvalue().startswith("All Orders May.txt → Alpha Amazon US: 2500 row(s); orders ")
    job = ImportJob.objects.get()
    assert (job.source, job.status, job.rows_read, job.created_by) == (
        ImportSource.COMMAND,
        "done",
        2500,
        None,
    )


def test_the_command_prints_plain_progress_lines_when_not_on_a_terminal(world, tmp_path):
    path = tmp_path / "All Orders May.txt"
    path.write_bytes(many_orders_report(2100))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_orders", str(path), "--store", "Alpha Amazon US", stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "progress: 1,000 rows read, 1,000 written, 0 problems",
        "progress: 2,000 rows read, 2,000 written, 0 problems",
        "progress: 2,100 rows read, 2,100 written, 0 problems",
    ]
    assert lines[-1].endswith("(100%)") and "\r" not in err.getvalue()
    assert "2100 row(s)" in out.getvalue()


def test_a_queued_job_says_so_when_no_worker_has_reported(world, agent_client):
    from disputes.models import WorkerHeartbeat

    job = queue(agent_client, world.store_a, many_orders_report(5))
    body = agent_client.get(f"/imports/{job.pk}/").content.decode()
    assert "Waiting for the worker" in body and "data-workers-silent" in body
    WorkerHeartbeat.objects.create(source="beat", last_seen=timezone.now())
    body = agent_client.get(f"/imports/{job.pk}/").content.decode()
    assert "Waiting for the worker" in body and "data-workers-silent" not in body


# --- The migration ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_latest")
def test_imports_recorded_before_jobs_existed_stay_in_the_pages_history():
    old = migrate(("disputes", "0007_order_line_item_status_and_charges"))
    Store, OrderImport = old.get_model("disputes", "Store"), old.get_model("disputes", "OrderImport")
    store = Store.objects.create(
        name="Migration store",
        platform="amazon",
        marketplace="US",
        time_zone="America/Los_Angeles",
        currency="USD",
    )
    when = timezone.now() - timedelta(days=40)
    OrderImport.objects.create(
        store=store,
        file_name="April.txt",
        sha256="a" * 64,
        file_format="amazon_all_orders",
        imported_at=when,
        rows=120,
        orders_created=80,
        orders_updated=3,
    )

    migrate(("disputes", "0011_import_jobs"))

    job = ImportJob.objects.get(store_id=store.pk)
    assert (job.file_name, job.status, job.created_at, job.rows_read) == ("April.txt", "done", when, 120)
    result = import_jobs.result_of(job)
    assert result.ok and (result.orders_created, result.orders_updated, result.sha256) == (80, 3, "a" * 64)
