from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import claim_page, deadlines, selectors, services, sweep
from .access import (
    get_claim_for_user,
    get_order_for_user,
    get_store_for_user,
    managed_stores_for,
    stores_for,
)
from .context_processors import unread_alerts
from .forms import (
    BulkAssignForm,
    ClaimAppealForm,
    ClaimAssignForm,
    ClaimCloseForm,
    ClaimMoveForm,
    ClaimOpenForm,
    ClaimPriorityForm,
    OrderSearchForm,
    PlatformRequestForm,
    PreferencesForm,
    QueueFilterForm,
    RecomputeForm,
)
from .models import (
    Claim,
    ClaimStatus,
    ImprovementAction,
    Notification,
    Order,
    Profile,
    SetAside,
    charges_of,
)
from .preferences import activate_preferences, remember_preferences
from .requests import AuthenticatedRequest
from .services import ALLOWED_MOVES, ClaimConflict, ClaimError
from .templatetags.desk import span


def _safe_next(request: AuthenticatedRequest, fallback: str) -> str:
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return next_url
    return fallback


# --- Queue --------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: AuthenticatedRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET, user=request.user)
    page = selectors.queue_page(request.user, form.filters(), request.GET.get("cursor", ""))
    now = timezone.now()
    rows = [(claim, claim.due_state(now)) for claim in page.claims]
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filter_query": query.urlencode(),
        "assign_form": BulkAssignForm(user=request.user, auto_id="bulk-%s"),
    }
    if request.htmx:
        return render(request, "disputes/queue.html#results", context)
    context["actions"] = selectors.open_actions(request.user)
    return render(request, "disputes/queue.html", context)


@login_required
@require_POST
def claims_assign(request: AuthenticatedRequest) -> HttpResponse:
    form = BulkAssignForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            result = services.claim_assign(
                claims=form.cleaned_data["claims"],
                assignee=form.cleaned_data["assignee"],
                by=request.user,
                loaded=form.loaded(),
            )
        except ClaimError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(count)d claim(s) reassigned.") % {"count": result.changed})
            for claim, conflict in result.conflicts:
                messages.error(
                    request,
                    _("Order %(order)s: %(problem)s")
                    % {"order": claim.order.platform_order_id, "problem": conflict},
                )
    else:
        for errors in form.errors.values():
            messages.error(request, errors.as_text())
    return redirect(_safe_next(request, reverse("disputes:queue")))


# --- Claim page ---------------------------------------------------------------------------


@login_required
@require_GET
def claim_detail(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    claim = get_claim_for_user(request.user, claim_id)
    return render(request, "disputes/claim.html", _claim_context(request, claim))


def _claim_context(request: AuthenticatedRequest, claim: Claim, **forms) -> dict:
    order = claim.order
    initial = {"version": claim.version}
    current = deadlines.for_claim(claim) if claim.is_open else None
    lines = list(order.lines.all())
    return {
        "claim": claim,
        "order": order,
        "lines": lines,
        "charges": charges_of(lines),
        "shipments": order.shipments.prefetch_related("events"),
        "post_mortems": claim.post_mortems.prefetch_related(
            Prefetch("actions", queryset=ImprovementAction.objects.select_related("owner"))
        ),
        "history": selectors.buyer_history(order),
        "due": claim.due_state(),
        "hints": services.eligibility_hints(claim),
        "rule_changed": bool(claim.is_open and current and current.due != claim.respond_by),
        "current_deadline": current,
        "moves": [ClaimStatus(s) for s in sorted(ALLOWED_MOVES[claim.status])],
        "close_form": forms.get("close_form")
        or ClaimCloseForm(initial={**initial, "owner": claim.assignee_id or request.user.pk}, claim=claim),
        "assign_form": forms.get("assign_form")
        or ClaimAssignForm(
            initial={**ClaimAssignForm.seen_now(claim), "assignee": claim.assignee_id}, claim=claim
        ),
        "priority_form": forms.get("priority_form")
        or ClaimPriorityForm(initial={**ClaimPriorityForm.seen_now(claim), "priority": claim.priority}),
        "request_form": forms.get("request_form") or PlatformRequestForm(initial=initial),
        "appeal_form": ClaimAppealForm(initial=initial),
        # The panels of the apps above disputes come from their template tags; their entries in
        # the timeline from the sources they registered.
        "events": claim_page.timeline(claim),
    }


def _claim_action(
    request: AuthenticatedRequest,
    claim_id: int,
    form_class,
    form_name: str,
    act: Callable[[Claim, dict], object],
    success: str,
    **form_kwargs,
) -> HttpResponse:
    """Validate the form, run the service, and come back to the claim page: errors in place
    (status 400), a conflict as a clear message (status 409)."""
    claim = get_claim_for_user(request.user, claim_id)
    kwargs = {"claim": claim} if form_kwargs.get("needs_claim") else {}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        try:
            act(claim, form.cleaned_data)
        except ClaimConflict as conflict:
            messages.error(request, str(conflict))
            return _conflict_page(request, claim_id, form_class, form_name, **form_kwargs)
        except ClaimError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, success)
        return redirect("disputes:claim", claim_id=claim.pk)
    context = _claim_context(request, claim, **{form_name: form})
    return render(request, "disputes/claim.html", context, status=400)


def _conflict_page(
    request: AuthenticatedRequest, claim_id: int, form_class, form_name: str, **form_kwargs
) -> HttpResponse:
    """The claim as it is now, with the refused form still holding what the user chose (and
    the values it would carry if loaded now, so saving again knowingly goes through)."""
    current = get_claim_for_user(request.user, claim_id)
    data = request.POST.copy()
    for name, value in form_class.seen_now(current).items():
        data[name] = value
    kept = form_class(data, **({"claim": current} if form_kwargs.get("needs_claim") else {}))
    return render(
        request, "disputes/claim.html", _claim_context(request, current, **{form_name: kept}), status=409
    )


@login_required
@require_POST
def claim_move(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    return _claim_action(
        request,
        claim_id,
        ClaimMoveForm,
        "move_form",
        lambda claim, data: services.claim_move(
            claim=claim,
            to_status=data["to_status"],
            by=request.user,
            loaded=data["loaded_status"],
            note=data["note"],
        ),
        _("Status changed."),
    )


@login_required
@require_POST
def claim_close(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    return _claim_action(
        request,
        claim_id,
        ClaimCloseForm,
        "close_form",
        lambda claim, data: services.claim_close(
            claim=claim,
            outcome=data["outcome"],
            by=request.user,
            version=data["version"],
            decided_at=data["decided_at"],
            post_mortem=ClaimCloseForm.post_mortem(data),
        ),
        _("Claim closed, with its post-mortem."),
        needs_claim=True,
    )


@login_required
@require_POST
def claim_appeal(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    return _claim_action(
        request,
        claim_id,
        ClaimAppealForm,
        "appeal_form",
        lambda claim, data: services.claim_appeal(
            claim=claim, by=request.user, version=data["version"], note=data["note"]
        ),
        _("Claim reopened for the appeal."),
    )


@login_required
@require_POST
def claim_assign(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    return _claim_action(
        request,
        claim_id,
        ClaimAssignForm,
        "assign_form",
        lambda claim, data: _assign_one(request, claim, data),
        _("Assignee saved."),
        needs_claim=True,
    )


def _assign_one(request: AuthenticatedRequest, claim: Claim, data: dict) -> None:
    result = services.claim_assign(
        claims=[claim], assignee=data["assignee"], by=request.user, loaded={claim.pk: data["loaded_assignee"]}
    )
    if result.conflicts:
        raise result.conflicts[0][1]


@login_required
@require_POST
def claim_priority(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    return _claim_action(
        request,
        claim_id,
        ClaimPriorityForm,
        "priority_form",
        lambda claim, data: services.claim_set_priority(
            claim=claim, priority=data["priority"], by=request.user, loaded=data["loaded_priority"]
        ),
        _("Priority saved."),
    )


@login_required
@require_POST
def claim_platform_request(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    return _claim_action(
        request,
        claim_id,
        PlatformRequestForm,
        "request_form",
        lambda claim, data: services.claim_platform_request(
            claim=claim, requested_at=data["requested_at"], by=request.user, version=data["version"]
        ),
        _("The response deadline now counts from the platform's request."),
    )


@login_required
@require_POST
def claim_recompute(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    return _claim_action(
        request,
        claim_id,
        RecomputeForm,
        "recompute_form",
        lambda claim, data: services.claim_recompute_deadline(
            claim=claim, by=request.user, version=data["version"]
        ),
        _("Deadline recomputed with the current rule."),
    )


# --- Orders -------------------------------------------------------------------------------


@login_required
@require_GET
def order_list(request: AuthenticatedRequest) -> HttpResponse:
    form = OrderSearchForm(request.GET)
    # The ids as a list: with a subquery the planner cannot read an index in purchase order.
    store_ids = list(stores_for(request.user).values_list("pk", flat=True))
    orders = Order.objects.filter(store_id__in=store_ids).select_related("store", "buyer")
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if query:
        orders = orders.filter(platform_order_id__startswith=query)
    page = selectors.order_page(orders, request.GET.get("cursor", ""))
    if query and page.total == 1:
        return redirect("disputes:order", order_id=page.orders[0].pk)
    return render(
        request,
        "disputes/orders.html",
        {"form": form, "orders": page.orders, "page": page, "query": query},
    )


@login_required
@require_GET
def order_detail(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    return render(
        request,
        "disputes/order.html",
        _order_context(
            request,
            order,
            ClaimOpenForm(
                order=order, initial={"opened_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
            ),
        ),
    )


def _order_context(request: AuthenticatedRequest, order: Order, form: ClaimOpenForm) -> dict:
    lines = list(order.lines.all())
    return {
        "order": order,
        "lines": lines,
        "charges": charges_of(lines),
        "shipments": order.shipments.prefetch_related("events"),
        "claims": order.claims.select_related("assignee").order_by("-opened_at"),
        "history": selectors.buyer_history(order),
        "form": form,
    }


@login_required
@require_POST
def claim_open(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    form = ClaimOpenForm(request.POST, order=order)
    if not form.is_valid():
        return render(request, "disputes/order.html", _order_context(request, order, form), status=400)
    data = form.cleaned_data
    try:
        claim = services.claim_open(
            order=order,
            kind=data["kind"],
            reason=data["reason"],
            by=request.user,
            opened_at=data["opened_at"],
            platform_requested_at=data["platform_requested_at"],
            amount=data["amount"],
            platform_claim_id=data["platform_claim_id"],
            assignee=data["assignee"],
            priority=data["priority"],
        )
    except ClaimError as error:
        form.add_error(None, str(error))
        return render(request, "disputes/order.html", _order_context(request, order, form), status=400)
    messages.success(request, _("Claim opened."))
    return redirect("disputes:claim", claim_id=claim.pk)


# --- Stores and managers ------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    if not managed_stores_for(request.user).exists():
        raise PermissionDenied(_("The dashboard is for managers."))
    board = selectors.dashboard(request.user)
    set_aside = SetAside.objects.filter(
        store__in=managed_stores_for(request.user), resolved_at__isnull=True
    ).count()
    return render(
        request,
        "disputes/dashboard.html",
        {"board": board, "chart": weekly_chart(board.weeks), "set_aside": set_aside},
    )


def weekly_chart(weeks: list[selectors.Week], *, bar_area: int = 100) -> dict:
    """Geometry for the server-drawn SVG bar chart (no chart library, no inline script)."""
    peak = max([w.opened for w in weeks] + [w.won for w in weeks] + [w.lost for w in weeks] + [1])
    bars = []
    for n, week in enumerate(weeks):
        bar = {"week": week, "x": n * 36 + 4}
        for name in ("opened", "won", "lost"):
            height = round(getattr(week, name) * bar_area / peak)
            bar[f"{name}_h"], bar[f"{name}_y"] = height, bar_area - height
        bars.append(bar)
    return {"bars": bars, "width": len(weeks) * 36 + 4, "height": bar_area + 14, "base": bar_area}


# --- Alerts -------------------------------------------------------------------------------


@login_required
@require_GET
def alert_list(request: AuthenticatedRequest) -> HttpResponse:
    notes = (
        Notification.objects.filter(user=request.user)
        .select_related(
            "alert",
            "alert__claim",
            "alert__claim__order",
            "alert__claim__store",
            "alert__message__thread__order",
            "alert__message__store",
        )
        .order_by("acknowledged_at", "-alert__raised_at")[:100]
    )
    items = []
    for note in notes:
        late = note.alert.lateness
        text = sweep.describe(note.alert)
        items.append({"note": note, "text": text, "late": span(late) if late > timedelta(minutes=2) else ""})
    return render(request, "disputes/alerts.html", {"items": items})


@login_required
@require_GET
def alerts_bell(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "disputes/_bell.html", {"unread_alerts": unread_alerts(request.user)})


@login_required
@require_POST
def alert_ack(request: AuthenticatedRequest, notification_id: int) -> HttpResponse:
    note = get_object_or_404(Notification, pk=notification_id, user=request.user)
    Notification.objects.filter(pk=note.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now()
    )
    return redirect("disputes:alerts")


@login_required
@require_GET
def store_detail(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    store = get_store_for_user(request.user, store_id)
    memberships = store.memberships.select_related("user").order_by("role", "user__username")
    return render(
        request,
        "disputes/store.html",
        {
            "store": store,
            "memberships": memberships,
            "odr": selectors.order_defect_rate(store),
        },
    )


@login_required
@require_POST
def preferences(request: AuthenticatedRequest) -> HttpResponse:
    profile, _created = Profile.objects.get_or_create(user=request.user)
    # The header's language switch posts only the language; keep the stored time zone then.
    data = {"language": profile.language, "time_zone": profile.time_zone, **request.POST.dict()}
    form = PreferencesForm(data, instance=profile)
    if form.is_valid():
        form.save()
        remember_preferences(request, profile)
        activate_preferences(request)
        messages.success(request, _("Preferences saved."))
    else:
        for error in form.errors.values():
            messages.error(request, error.as_text())
    return redirect(_safe_next(request, reverse("disputes:queue")))
