"""A store's marketplace connection, under its store page: managers connect and change it;
agents of the store see how syncing goes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from disputes.access import get_store_for_user, is_manager
from disputes.models import SetAside, SetAsideKind, Store
from disputes.requests import AuthenticatedRequest

from . import services, sync
from .forms import ConnectionForm
from .models import Connection
from .platforms import platform_class


def _managed_store(request: AuthenticatedRequest, store_id: int) -> Store:
    store = get_store_for_user(request.user, store_id)
    if not is_manager(request.user, store):
        raise PermissionDenied(_("Only the store's managers change its connection."))
    return store


def _page(request: AuthenticatedRequest, store: Store, form: ConnectionForm | None = None, status: int = 200):
    connection = services.connection_for(store)
    cls = platform_class(store.platform)
    manager = is_manager(request.user, store)
    if form is None and cls is not None and manager:
        form = ConnectionForm(fields=cls.fields, connection=connection)
    set_aside = 0
    if connection is not None:
        set_aside = SetAside.objects.filter(
            store=store, kind=SetAsideKind.CONNECTOR_RECORD, resolved_at__isnull=True
        ).count()
    return render(
        request,
        "connectors/connection.html",
        {
            "store": store,
            "connection": connection,
            # The label, not the class: a template calls what it is given.
            "platform_label": cls.label if cls is not None else "",
            "manager": manager,
            "form": form,
            "set_aside": set_aside,
        },
        status=status,
    )


@login_required
@require_GET
def connection_page(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    return _page(request, get_store_for_user(request.user, store_id))


@login_required
@require_POST
def connection_save(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    store = _managed_store(request, store_id)
    cls = platform_class(store.platform)
    if cls is None:
        messages.error(request, _("The desk cannot connect to this platform yet."))
        return redirect("connectors:connection", store_id=store.pk)
    form = ConnectionForm(request.POST, fields=cls.fields, connection=services.connection_for(store))
    if not form.is_valid():
        return _page(request, store, form, status=400)
    settings, secrets = form.settings_and_secrets()
    services.connection_save(
        store=store,
        settings=settings,
        secrets=secrets,
        interval=form.cleaned_data["interval"],
        by=request.user,
    )
    messages.success(request, _("Connection saved. The store syncs within a minute; test it below."))
    return redirect("connectors:connection", store_id=store.pk)


@login_required
@require_POST
def connection_test(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    store = _managed_store(request, store_id)
    connection = services.connection_for(store)
    if connection is None:
        ok, words = False, _("No credentials are saved: connect the store first.")
    else:
        ok, words = sync.check_connection(connection)
    context = {"store": store, "ok": ok, "words": words}
    if request.htmx:
        return render(request, "connectors/connection.html#test_result", context)
    (messages.success if ok else messages.error)(request, words)
    return redirect("connectors:connection", store_id=store.pk)


@login_required
@require_POST
def connection_pause(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    store = _managed_store(request, store_id)
    connection = services.connection_for(store)
    if connection is not None:
        paused = request.POST.get("paused") == "1"
        services.connection_pause(connection=connection, paused=paused, by=request.user)
        messages.success(request, _("Syncing paused.") if paused else _("Syncing resumed."))
    return redirect("connectors:connection", store_id=store.pk)


@login_required
@require_POST
def connection_sync_now(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    store = _managed_store(request, store_id)
    connection: Connection | None = services.connection_for(store)
    if connection is not None and services.connection_sync_now(connection=connection, by=request.user):
        messages.success(request, _("A sync was queued; this page shows its result once it ends."))
    else:
        messages.error(request, _("Nothing to sync: the store is not connected, or its syncing is paused."))
    return redirect("connectors:connection", store_id=store.pk)
