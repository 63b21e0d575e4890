"""The order import page: pick a store and upload a report; the worker imports it, and the
job's page shows its progress live, then what changed or what is wrong."""

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from . import import_jobs
from .access import stores_for
from .models import ImportJob, ImportStatus, Store, WorkerHeartbeat
from .requests import AuthenticatedRequest

# The largest report the page accepts. Amazon's All Orders report for a busy month of a large
# store stays well below this; bigger files belong to `manage.py import_orders`.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
RECENT_IMPORTS = 20


class ImportForm(forms.Form):
    store = forms.TypedChoiceField(label=gettext_lazy("Store"), coerce=int)
    file = forms.FileField(
        label=gettext_lazy("Order report"),
        help_text=gettext_lazy(
            "Amazon's All Orders report (.txt), eBay's Orders report or Ozon's postings export "
            "(.csv), or the desk's CSV."
        ),
        widget=forms.FileInput(
            attrs={"accept": ".txt,.tsv,.csv,text/plain,text/csv,text/tab-separated-values"}
        ),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the user's own stores are choices: another team's store id is simply invalid.
        self.stores = {store.pk: store for store in stores_for(user).order_by("name")}
        choices = [(pk, store.name) for pk, store in self.stores.items()]
        cast(forms.ChoiceField, self.fields["store"]).choices = (
            choices if len(choices) == 1 else [("", "---------"), *choices]
        )

    def clean_store(self) -> Store:
        return self.stores[self.cleaned_data["store"]]

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("This file is %(size)s; the page accepts reports up to %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_UPLOAD_BYTES)}
            )
        return upload


def recent_imports(user) -> list[ImportJob]:
    jobs = list(
        import_jobs.jobs_for(user)
        .select_related("store", "created_by")
        .defer("result")
        .order_by("-created_at", "-pk")[:RECENT_IMPORTS]
    )
    for job in jobs:
        # A job whose worker died reads "failed" before the tidy task records it.
        job.shown_status = ImportStatus(import_jobs.shown_status(job))  # type: ignore[attr-defined]
    return jobs


@login_required
@require_http_methods(["GET", "POST"])
def import_orders(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        if not request.FILES and not request.htmx:
            # Browsers always send the file (the input is required): a POST without one is not
            # an upload, so it goes back to the empty form instead of rendering a half page.
            messages.error(request, _("Choose a report file to import."))
            return redirect("disputes:import_orders")
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            # The worker imports it; rows of Amazon's regional reports go to the uploader's
            # store of their marketplace (their stores when the job runs).
            job = import_jobs.queue_upload(
                store=form.cleaned_data["store"],
                user=request.user,
                upload=form.cleaned_data["file"],
                language=translation.get_language() or "",
            )
            if request.htmx:
                return HttpResponseClientRedirect(job_url(job))
            return redirect(job_url(job))
    else:
        form = ImportForm(user=request.user)
    context = {
        "form": form,
        "recent": recent_imports(request.user),
        "max_upload": MAX_UPLOAD_BYTES,
    }
    template = "disputes/import.html#result" if request.htmx else "disputes/import.html"
    return render(request, template, context)


def job_url(job: ImportJob) -> str:
    return reverse("disputes:import_job", args=[job.pk])


@login_required
@require_GET
def import_job(request: AuthenticatedRequest, job_id: int) -> HttpResponse:
    """One import's page: a progress bar while it waits or runs (htmx polls the status part
    every second), then its result. Another team's job is a 404."""
    job = get_object_or_404(
        import_jobs.jobs_for(request.user).select_related("store", "created_by"), pk=job_id
    )
    status = import_jobs.shown_status(job)
    context = {
        "job": job,
        "status": status,
        "running": status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
        "progress": import_jobs.progress_of(job) if status == ImportStatus.RUNNING else None,
        "result": import_jobs.result_of(job) if status == ImportStatus.DONE else None,
        "failure": import_jobs.failure_text(job) if status == ImportStatus.FAILED else "",
    }
    if status == ImportStatus.QUEUED:
        beat = WorkerHeartbeat.objects.filter(source="beat").first()
        context["workers_silent"] = beat is None or beat.is_stale()
    template = "disputes/import_job.html#status" if request.htmx else "disputes/import_job.html"
    return render(request, template, context)
