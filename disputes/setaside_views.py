"""The managers' page of work the worker loops set aside, with a retry for each item, and when
each background process last reported. While a rule's retry runs in the worker, the list polls
itself and shows the retry's outcome once it is done."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import health, rules, setaside
from .access import managed_stores_for
from .models import SetAside
from .requests import AuthenticatedRequest

PAGE_SIZE = 200


@login_required
@require_GET
def set_aside_list(request: AuthenticatedRequest) -> HttpResponse:
    stores = managed_stores_for(request.user)
    if not stores.exists():
        raise PermissionDenied(_("Work set aside is shown to managers."))
    entries = list(
        SetAside.objects.filter(store__in=stores, resolved_at__isnull=True)
        .select_related("store")
        .order_by("-last_at", "-pk")[:PAGE_SIZE]
    )
    rows = []
    for entry in entries:
        found = setaside.handler(entry.kind)
        rows.append(
            {
                "entry": entry,
                "url": found.url(entry.subject_id) if found else None,
                "can_retry": found is not None,
            }
        )
    retries = rules.recent_retries(stores)
    context = {
        "rows": rows,
        "limit": PAGE_SIZE,
        "retries": retries,
        "retrying": any(retry.running for retry in retries),
    }
    if request.htmx:
        return render(request, "disputes/set_aside.html#entries", context)
    context["heartbeats"] = health.heartbeats()
    return render(request, "disputes/set_aside.html", context)


@login_required
@require_POST
def set_aside_retry(request: AuthenticatedRequest, entry_id: int) -> HttpResponse:
    # Only managers of the item's store reach it; anyone else gets 404.
    entry = get_object_or_404(
        SetAside.objects.filter(store__in=managed_stores_for(request.user), resolved_at__isnull=True),
        pk=entry_id,
    )
    if setaside.retry(entry, by=request.user):
        messages.success(request, _("Put back: “%(item)s” will be tried again.") % {"item": entry.label})
    else:
        messages.error(request, _("This kind of item cannot be retried from here."))
    return redirect("disputes:set_aside")
