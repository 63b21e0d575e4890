"""An order import the worker runs: the uploaded file waits in private storage, the job row
says where it stands and, once done, what the import found."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .stores import Store


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportSource(models.TextChoices):
    PAGE = "page", _("Import page")
    COMMAND = "command", _("Command line")
    API = "api", _("Marketplace API")


class ImportJob(models.Model):
    """One uploaded report on its way through the worker (or one run of the command).

    While it runs, its counters live in a small progress file (disputes/import_jobs.py): the
    import writes inside one long transaction, and the row is written only at its start and end.
    `result` holds what `ImportResult` carries (counts, per-row errors, skipped rows)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    # The stored upload's name under the import folder; empty once deleted (or for the command,
    # which reads the file where it is).
    stored_file = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=10, choices=ImportSource, default=ImportSource.PAGE)
    # The uploader's language: the worker words the row errors in it.
    language = models.CharField(max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus, default=ImportStatus.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The final counts (the live ones are in the progress file while the job runs).
    rows_read = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    errors_found = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    # Why a failed job failed (the worker stopped, the time limit, a missing file).
    failure = models.TextField(blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["store", "-created_at"], name="importjob_store_recent"),
            models.Index(fields=["status", "created_at"], name="importjob_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} → {self.store} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)
