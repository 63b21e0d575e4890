"""Order imports as jobs: the page stores the upload and queues a job; the worker imports it.

The import itself is `importing.import_orders`, unchanged: one transaction, all or nothing.
What this module adds around it:

- **The stored upload.** A private file under settings.DESK_IMPORT_DIR (shared by web and
  worker), named by a random token, deleted when the job ends or, failing that, by the tidy
  task after DESK_IMPORT_KEEP_HOURS.
- **Live progress outside the transaction.** The import's rows are uncommitted until its end,
  so its counters cannot live in the database where the page would see them (and on SQLite a
  second writer would wait for the import's write lock). Every 1,000 rows the worker replaces a
  small JSON file beside the upload (`<job id>.progress.json`, written whole and renamed, so a
  reader never sees half of one); the page's poll reads it. The job row is written only when
  the job starts and, in the import's own transaction, when it ends, so "done" and the orders
  it wrote are committed together.
- **Jobs that cannot finish.** The task has a time limit (DESK_IMPORT_SECONDS); past its soft
  limit the import rolls back and the job is failed with that reason. A worker killed outright
  writes nothing: a job still "running" that long after it started has lost its worker, and
  the page shows it failed; the tidy task (beat) records it so and deletes its file.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from . import importing
from .access import stores_for
from .importing import ImportResult, RowError
from .models import ImportJob, ImportSource, ImportStatus, Store

log = logging.getLogger(__name__)

# Why a job failed, by the code stored in ImportJob.failure.
FAILURES = {
    "stopped": _(
        "The worker stopped before the import finished. Nothing was imported; upload the file again."
    ),
    "time_limit": _(
        "The import took longer than the time allowed and was stopped. Nothing was imported; "
        "split the report into smaller files or ask an administrator to import it on the command line."
    ),
    "file_missing": _("The uploaded file is no longer there. Nothing was imported; upload it again."),
    "never_started": _("No worker took this import up in time. Nothing was imported; upload the file again."),
    "error": _("The import failed on an unexpected error. Nothing was imported; the error was logged."),
}
# After the hard limit the worker has certainly killed the task: a little margin on top.
STOPPED_MARGIN = timedelta(seconds=30)


def import_dir() -> Path:
    path = Path(settings.DESK_IMPORT_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o750)
    return path


def upload_path(job: ImportJob) -> Path:
    return import_dir() / job.stored_file


def progress_path(job_id: int) -> Path:
    return import_dir() / f"{job_id}.progress.json"


# --- Queueing -----------------------------------------------------------------------------


def queue_upload(*, store: Store, user: User, upload: UploadedFile, language: str = "") -> ImportJob:
    """Store the upload privately, record its job and queue it for the worker (once committed)."""
    name = f"{secrets.token_hex(16)}.upload"
    final = import_dir() / name
    partial = final.with_name(f".{name}.part")
    try:
        with open(partial, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        os.chmod(partial, 0o640)  # the web and worker's own group may read it; nobody else
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    try:
        job = ImportJob.objects.create(
            store=store,
            created_by=user,
            file_name=(upload.name or "report")[:255],
            file_size=upload.size or 0,
            stored_file=name,
            language=language,
        )
    except BaseException:
        final.unlink(missing_ok=True)
        raise
    transaction.on_commit(lambda: _send(job.pk))
    return job


def _send(job_id: int) -> None:
    from .tasks import run_import_job  # the tasks module imports this one

    run_import_job.apply_async(args=[job_id], queue=settings.DESK_IMPORT_QUEUE)


# --- Running ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Where a running import stands, as its last progress report said."""

    read: int
    written: int
    errors: int
    bytes_read: int
    size: int
    at: float  # time.time() of the report

    @property
    def percent(self) -> int:
        """How far through the file, by bytes (rows are not known before they are read)."""
        if not self.size:
            return 0
        return min(100, round(self.bytes_read * 100 / self.size))


class _Reporter:
    """The import's `progress` callback: replaces the job's progress file, and tells `also`."""

    def __init__(self, job: ImportJob, file: BinaryIO, size: int, also: Callable[[Progress], None] | None):
        self.job_id = job.pk
        self.file = file
        self.size = size
        self.also = also
        self.last = Progress(0, 0, 0, 0, size, time.time())

    def __call__(self, read: int, written: int, errors: int, position: int | None = None) -> None:
        if position is None:
            try:
                position = self.file.tell()
            except (OSError, ValueError):
                position = 0
        self.last = Progress(read, written, errors, position, self.size, time.time())
        _write_progress(self.job_id, self.last)
        if self.also:
            self.also(self.last)
        if settings.DESK_IMPORT_PROGRESS_PAUSE:
            # Only when configured (tests and demonstrations): lets a small file be watched.
            time.sleep(settings.DESK_IMPORT_PROGRESS_PAUSE)


def _write_progress(job_id: int, progress: Progress) -> None:
    path = progress_path(job_id)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(progress.__dict__))
    os.replace(partial, path)


def progress_of(job: ImportJob) -> Progress | None:
    """The running job's last progress report, or None before its first one."""
    try:
        data = json.loads(progress_path(job.pk).read_text())
        return Progress(**data)
    except (OSError, ValueError, TypeError):
        return None


def run(job_id: int) -> None:
    """The worker's part: import a queued job's stored file, and record how it ended. A
    database error while taking the job up propagates (the job stays queued, the task retries);
    once the job runs, every way it can end is recorded on it."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("store", "created_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None:
            return
        # A task redelivered after its worker died may find its job running and stale.
        if job.status != ImportStatus.QUEUED and not (job.status == ImportStatus.RUNNING and stopped(job)):
            return
        job.status = ImportStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
    try:
        path = upload_path(job) if job.stored_file else None
        if path is None or not path.exists():
            fail(job, "file_missing")
            return
        with translation.override(job.language or settings.LANGUAGE_CODE), open(path, "rb") as file:
            others = stores_for(job.created_by) if job.created_by else Store.objects.filter(pk=job.store_id)
            execute(job, file, others=list(others))
    except SoftTimeLimitExceeded:
        fail(job, "time_limit")
    except Exception:
        log.exception("import job %s failed", job.pk)
        fail(job, "error")
    finally:
        discard_files(job)


def execute(
    job: ImportJob,
    file: BinaryIO,
    *,
    others: list[Store],
    size: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> ImportResult:
    """Import `file` for `job` and record the result on it, in one transaction: the job reads
    "done" exactly when what the import wrote is committed (a refused file: nothing written)."""
    if size is None:
        size = job.file_size
    reporter = _Reporter(job, file, size, on_progress)
    with transaction.atomic():
        result = importing.import_orders(
            store=job.store,
            file=file,
            file_name=job.file_name,
            user=job.created_by,
            others=others,
            progress=reporter,
        )
        job.status = ImportStatus.DONE
        job.finished_at = timezone.now()
        job.rows_read = result.rows
        job.rows_written = reporter.last.written if result.ok else 0
        job.errors_found = len(result.errors) + result.errors_not_shown
        job.result = result_to_json(result)
        job.save(
            update_fields=["status", "finished_at", "rows_read", "rows_written", "errors_found", "result"]
        )
    return result


def run_in_process(
    *,
    store: Store,
    path: Path,
    others: list[Store],
    on_progress: Callable[[Progress], None] | None = None,
    source: str = ImportSource.COMMAND,
) -> tuple[ImportJob, ImportResult]:
    """The command line's import (or a report a marketplace's API gave): recorded as a job like
    the page's, run here and now."""
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        job = ImportJob.objects.create(
            store=store,
            file_name=path.name[:255],
            file_size=size,
            source=source,
            status=ImportStatus.RUNNING,
            started_at=timezone.now(),
        )
        try:
            result = execute(job, file, others=others, on_progress=on_progress)
        except BaseException:
            fail(job, "error")
            raise
        finally:
            discard_files(job)
    return job, result


def fail(job: ImportJob, reason: str) -> None:
    ImportJob.objects.filter(pk=job.pk).exclude(status=ImportStatus.DONE).update(
        status=ImportStatus.FAILED, failure=reason, finished_at=timezone.now()
    )
    job.refresh_from_db(fields=["status", "failure", "finished_at"])


def discard_files(job: ImportJob) -> None:
    """The stored upload and the progress file: neither is needed once the job has ended."""
    if job.stored_file:
        upload_path(job).unlink(missing_ok=True)
        ImportJob.objects.filter(pk=job.pk).update(stored_file="")
        job.stored_file = ""
    progress_path(job.pk).unlink(missing_ok=True)


# --- Reading a job ------------------------------------------------------------------------


def stopped(job: ImportJob, now: datetime | None = None) -> bool:
    """A job still "running" after its task's hard time limit has lost its worker (killed, or
    the machine went down): the limit would have ended it by now. The command line has no
    limit, so its jobs are judged by their last progress report instead."""
    if job.status != ImportStatus.RUNNING or job.started_at is None:
        return False
    now = now or timezone.now()
    limit = timedelta(seconds=settings.DESK_IMPORT_SECONDS) + STOPPED_MARGIN
    last_sign = job.started_at
    if job.source == ImportSource.COMMAND and (progress := progress_of(job)):
        last_sign = max(last_sign, datetime.fromtimestamp(progress.at, tz=UTC))
    return now - last_sign > limit


def shown_status(job: ImportJob) -> str:
    """The status the pages show: a running job that lost its worker is failed already."""
    return ImportStatus.FAILED if stopped(job) else job.status


def failure_text(job: ImportJob) -> str:
    reason = "stopped" if stopped(job) else job.failure
    return str(FAILURES.get(reason, reason))


def result_to_json(result: ImportResult) -> dict:
    data: dict[str, object] = {}
    for spec in fields(result):
        value = getattr(result, spec.name)
        if spec.name == "errors":
            value = [[error.line, error.message] for error in value]
        elif isinstance(value, datetime):
            value = value.isoformat()
        data[spec.name] = value
    return data


def result_of(job: ImportJob) -> ImportResult | None:
    """The finished job's ImportResult, as the import returned it."""
    if not job.result:
        return None
    names = {spec.name for spec in fields(ImportResult)}
    values = {name: value for name, value in job.result.items() if name in names}
    values["errors"] = [RowError(line, message) for line, message in job.result.get("errors", [])]
    if when := values.get("previously_imported_at"):
        values["previously_imported_at"] = datetime.fromisoformat(when)
    return ImportResult(**values)


def jobs_for(user: User) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(store__in=stores_for(user))


# --- Tidying (beat) -----------------------------------------------------------------------


def tidy(now: datetime | None = None) -> int:
    """Fail the jobs that lost their worker or never started, and delete every stored file
    past its time. Returns how many jobs it failed."""
    now = now or timezone.now()
    keep = timedelta(hours=settings.DESK_IMPORT_KEEP_HOURS)
    failed = 0
    for job in ImportJob.objects.filter(status=ImportStatus.RUNNING):
        if stopped(job, now):
            fail(job, "stopped")
            discard_files(job)
            failed += 1
    for job in ImportJob.objects.filter(status=ImportStatus.QUEUED, created_at__lt=now - keep):
        fail(job, "never_started")
        discard_files(job)
        failed += 1
    for job in ImportJob.objects.filter(status__in=[ImportStatus.DONE, ImportStatus.FAILED]).exclude(
        stored_file=""
    ):
        discard_files(job)
    # Files no job row points at (a web process stopped between writing the file and its row).
    known = set(ImportJob.objects.exclude(stored_file="").values_list("stored_file", flat=True))
    cutoff = (now - keep).timestamp()
    for path in import_dir().iterdir():
        if path.name not in known and path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
    return failed
