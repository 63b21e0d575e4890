from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import conditional_escape, escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from . import charts, claim_page, dates, deadlines, presence, selectors, services
from .access import (
    get_claim_for_user,
    get_order_for_user,
    get_store_for_user,
    is_manager,
    managed_stores_for,
    stores_for,
)
from .forms import (
    BulkAssignForm,
    ClaimAppealForm,
    ClaimAssignForm,
    ClaimCloseForm,
    ClaimMoveForm,
    ClaimOpenForm,
    ClaimPriorityForm,
    ClaimReopenForm,
    ClaimSnoozeForm,
    OrderSearchForm,
    PlatformRequestForm,
    PreferencesForm,
    QueueFilterForm,
    RecomputeForm,
    store_members,
    team_members,
)
from .inputs import has_nul
from .models import (
    Claim,
    ClaimStatus,
    ImprovementAction,
    Order,
    Profile,
    Role,
    SavedView,
    SetAside,
    Store,
    charges_of,
)
from .preferences import activate_preferences, remember_preferences
from .queue_rows import queue_rows, rows_html
from .requests import AuthenticatedRequest
from .selectors import PAGE_SIZE
from .services import ALLOWED_MOVES, ClaimConflict, ClaimError
from .templatetags import desk as desk_tags


def _safe_next(request: AuthenticatedRequest, fallback: str) -> str:
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return next_url
    return fallback


# --- Queue --------------------------------------------------------------------------------


# The claims ticked in the queue when a bulk action was posted: ticked again on the next page.
QUEUE_TICKED = "queue_ticked"
# Saved views a queue page lists (a user keeps a handful; the list never grows the page unbounded).
MAX_SAVED_VIEWS = 50


def _sort_links(query: QueryDict, current: str) -> dict[str, dict[str, str]]:
    """Per sortable column: the link that sorts by it (the other direction when it already
    does) and the direction it sorts now, for `aria-sort`."""
    base = query.copy()
    base.pop("sort", None)
    base.pop("cursor", None)
    links = {}
    for name in selectors.SORTS:
        now = "ascending" if current == name else "descending" if current == f"-{name}" else "none"
        base["sort"] = f"-{name}" if current == name else name
        links[name] = {"url": "?" + base.urlencode(), "state": now}
    return links


def _saved_view_query(query: QueryDict) -> str:
    """The queue filters of a query string, and nothing else (no cursor, no stray keys)."""
    kept = QueryDict(mutable=True)
    for name in QueueFilterForm.base_fields:
        value = query.get(name, "")
        if value and len(value) <= 40:
            kept[name] = value
    return kept.urlencode()


@login_required
@require_GET
def queue(request: AuthenticatedRequest) -> HttpResponse:
    team = list(team_members(request.user))  # for the filter's and the assign form's selects
    form = QueueFilterForm(request.GET, user=request.user, team=team)
    filters = form.filters()
    page = selectors.queue_page(request.user, filters, request.GET.get("cursor", ""), stores=form.stores)
    now = timezone.now()
    query = request.GET.copy()
    query.pop("cursor", None)
    ticked = (
        {int(pk) for pk in request.session.pop(QUEUE_TICKED, [])}
        if QUEUE_TICKED in request.session
        else set()
    )
    rows = queue_rows(page.claims, now, ticked)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "rows_html": rows_html(rows),
        "filter_query": query.urlencode(),
        "sort": filters.sort,
        "sort_links": _sort_links(query, filters.sort),
        "assign_form": BulkAssignForm(user=request.user, team=team),
    }
    if request.htmx:
        return render(request, "disputes/queue.html#results", context)
    context["actions"] = selectors.open_actions(request.user, stores=form.stores)
    context["back_from_snooze"] = selectors.back_from_snooze(request.user, now=now, stores=form.stores)
    saved = list(SavedView.objects.filter(user=request.user).order_by("name")[:MAX_SAVED_VIEWS])
    current = _saved_view_query(request.GET)
    context["saved_views"] = [(view, view.query == current) for view in saved]
    context["saved_view_query"] = current
    return render(request, "disputes/queue.html", context)


@login_required
@require_POST
def saved_view_save(request: AuthenticatedRequest) -> HttpResponse:
    """Save the queue's current filters under a name; a name already used is replaced."""
    name = " ".join(request.POST.get("name", "").split())
    query = _saved_view_query(QueryDict(request.POST.get("query", "")[:1000]))
    if not name or len(name) > 60 or has_nul(name):
        messages.error(request, _("Give the view a name of at most 60 characters."))
        return redirect(reverse("disputes:queue") + (f"?{query}" if query else ""))
    _view, created = SavedView.objects.update_or_create(
        user=request.user, name=name, defaults={"query": query}
    )
    messages.success(
        request,
        (_("View “%(name)s” saved.") if created else _("View “%(name)s” now keeps these filters."))
        % {"name": name},
    )
    return redirect(reverse("disputes:queue") + (f"?{query}" if query else ""))


@login_required
@require_POST
def saved_view_delete(request: AuthenticatedRequest, view_id: int) -> HttpResponse:
    view = get_object_or_404(SavedView, pk=view_id, user=request.user)
    view.delete()
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect("disputes:queue")


@login_required
@require_POST
def claims_assign(request: AuthenticatedRequest) -> HttpResponse:
    """Assign the ticked claims: what can be assigned is, each claim left as it was is named with
    the reason, and the ticks are kept for the queue shown next."""
    form = BulkAssignForm(request.POST, user=request.user)
    ticked = [pk for pk in request.POST.getlist("claims") if pk.isdigit() and len(pk) < 19][: PAGE_SIZE * 2]
    request.session[QUEUE_TICKED] = ticked
    if form.is_valid():
        assignee = form.cleaned_data["assignee"]
        try:
            result = services.claim_assign(
                claims=form.cleaned_data["claims"], assignee=assignee, by=request.user, loaded=form.loaded()
            )
        except ClaimError as error:
            messages.error(request, str(error))
        else:
            if assignee is None:
                done = ngettext("%(count)d claim unassigned.", "%(count)d claims unassigned.", result.changed)
            else:
                done = ngettext(
                    "%(count)d claim assigned to %(user)s.",
                    "%(count)d claims assigned to %(user)s.",
                    result.changed,
                )
            messages.success(request, done % {"count": result.changed, "user": assignee})
            for claim, problem in [*result.skipped, *result.conflicts]:
                messages.error(
                    request,
                    _("Skipped #%(claim)s (order %(order)s): %(problem)s")
                    % {"claim": claim.pk, "order": claim.order.platform_order_id, "problem": problem},
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
    # The order's store is the claim's, already read: the order facts and the buyer thread's
    # panel then need no query of their own for it.
    if order.store_id == claim.store_id:
        order.store = claim.store
    initial = {"version": claim.version}
    current = deadlines.for_claim(claim) if claim.is_open else None
    # Into the order's prefetch cache: the fight-or-refund card reads the SKUs from it.
    prefetch_related_objects([order], "lines")
    lines = list(order.lines.all())
    # Read once for the two forms that choose among them (assignee, action owner), which the
    # page shows while the claim is open.
    members = list(store_members(claim.store_id)) if claim.is_open else None
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
        or ClaimCloseForm(
            initial={**initial, "owner": claim.assignee_id or request.user.pk}, claim=claim, members=members
        ),
        "assign_form": forms.get("assign_form")
        or ClaimAssignForm(
            initial={**ClaimAssignForm.seen_now(claim), "assignee": claim.assignee_id},
            claim=claim,
            members=members,
        ),
        "priority_form": forms.get("priority_form")
        or ClaimPriorityForm(initial={**ClaimPriorityForm.seen_now(claim), "priority": claim.priority}),
        "request_form": forms.get("request_form") or PlatformRequestForm(initial=initial),
        "appeal_form": ClaimAppealForm(initial=initial),
        "snooze_form": forms.get("snooze_form") or ClaimSnoozeForm(initial=initial),
        "snooze_latest": services.snooze_latest(claim) if claim.is_open else None,
        "reopen_form": forms.get("reopen_form") or ClaimReopenForm(initial=initial),
        "presence_poll": settings.DESK_PRESENCE_POLL_SECONDS,
        # Asked once here for the panels of the apps above (thread, vault), which both need it;
        # read from the members while the claim is open (their roles come with them).
        "manages_store": _manages(request.user, claim, members),
        # The panels of the apps above disputes come from their template tags; their entries in
        # the timeline from the sources they registered.
        "events": claim_page.timeline(claim),
    }


def _manages(user, claim: Claim, members: list | None) -> bool:
    """Whether the user manages the claim's store: from the store's members and their roles
    when the page has read them, else asked."""
    if members is None or user.is_superuser:
        return is_manager(user, claim.store)
    return any(member.pk == user.pk and member.store_role == Role.MANAGER for member in members)


def _claim_action(
    request: AuthenticatedRequest,
    claim_id: int,
    form_class,
    form_name: str,
    act: Callable[[Claim, dict], Any],
    success: str | Callable[[Any], str],
    **form_kwargs,
) -> HttpResponse:
    """Validate the form, run the service, and come back to the claim page: errors in place
    (status 400), a conflict as a clear message (status 409)."""
    claim = get_claim_for_user(request.user, claim_id)
    kwargs = {"claim": claim} if form_kwargs.get("needs_claim") else {}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        try:
            result = act(claim, form.cleaned_data)
        except ClaimConflict as conflict:
            messages.error(request, str(conflict))
            return _conflict_page(request, claim_id, form_class, form_name, **form_kwargs)
        except ClaimError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, success(result) if callable(success) else success)
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
def claim_reopen(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    return _claim_action(
        request,
        claim_id,
        ClaimReopenForm,
        "reopen_form",
        lambda claim, data: services.claim_reopen(
            claim=claim, by=request.user, version=data["version"], reason=data["reason"]
        ),
        _("Claim reopened."),
    )


@login_required
@require_POST
def claim_snooze(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    return _claim_action(
        request,
        claim_id,
        ClaimSnoozeForm,
        "snooze_form",
        lambda claim, data: services.claim_snooze(
            claim=claim, until=data["until"], note=data["note"], by=request.user, version=data["version"]
        ),
        _snoozed_message,
    )


def _snoozed_message(snoozed: services.Snoozed) -> str:
    until = dates.moment_text(snoozed.until)
    if snoozed.asked is not None:
        return _(
            "Snoozed until %(until)s, not later: the response deadline's first warning comes "
            "then, and a snooze never hides a deadline."
        ) % {"until": until}
    return _("Snoozed until %(until)s.") % {"until": until}


@login_required
@require_POST
def claim_unsnooze(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    claim = get_claim_for_user(request.user, claim_id)
    try:
        services.claim_unsnooze(claim=claim, by=request.user)
    except ClaimError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The snooze is off: the claim is back in its place in the queue."))
    return redirect(_safe_next(request, reverse("disputes:claim", args=[claim.pk])))


@login_required
@require_POST
def claim_presence(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    """The claim page's poll (htmx): who else is here; `left` when the page goes away. Both
    carry the page load's token (`page`)."""
    page = request.POST.get("page", "")
    if len(page) > presence.PAGE_TOKEN_MAX:
        return HttpResponseBadRequest()
    if request.POST.get("left"):
        if not presence.leave(request.user, claim_id, page=page):
            raise Http404
        return HttpResponse(status=204)
    others = presence.poll(request.user, claim_id, typing=request.POST.get("typing") == "1", page=page)
    if others is None:
        raise Http404
    # Without the request: the layout's context processors (the bell's count) would cost a query.
    return HttpResponse(render_to_string("disputes/_presence.html#people", {"others": others}))


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
    if result.skipped:
        raise result.skipped[0][1]
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
        "manages_store": is_manager(request.user, order.store),
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
    # The stores read once: whether the user manages any, and the board's.
    stores = list(managed_stores_for(request.user).order_by("name"))
    if not stores:
        raise PermissionDenied(_("The dashboard is for managers."))
    board = selectors.dashboard(request.user, stores=stores)
    set_aside = SetAside.objects.filter(
        store_id__in=[store.pk for store in stores], resolved_at__isnull=True
    ).count()
    # The trends and the forecasts add up the days the board has read (one query, not two).
    trends = selectors.store_trends(stores, now=board.now, store_days=board.days)
    return render(
        request,
        "disputes/dashboard.html",
        {
            "board": board,
            "managed_stores": stores,
            "agent_rows": _agent_rows(board.agents, reverse("disputes:queue")),
            "chart": weekly_chart(board.weeks),
            "set_aside": set_aside,
            "trends": [(trend, odr_chart(trend)) for trend in trends],
            "figures_days": selectors.FIGURES_DAYS,
            "forecasts": _forecasts(stores, now=board.now, store_days=board.days),
        },
    )


@login_required
@require_GET
def my_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """Every member's own dashboard: their overdue and due-today claims, and their win rate."""
    return render(request, "disputes/my_dashboard.html", {"mine": selectors.my_board(request.user)})


_AGENT_ROW = (
    "\n        <tr><td>{0}</td>\n"
    '          <td><a href="{1}?store=managed&amp;assignee={2}">{3}</a></td>\n'
    '          <td><a href="{1}?store=managed&amp;assignee={2}&amp;due=today">{4}</a></td>\n'
    '          <td><a href="{1}?store=managed&amp;assignee={2}&amp;due=overdue">{5}</a></td></tr>\n      '
)


def _agent_rows(agents: list[selectors.AgentLoad], queue_url: str) -> SafeString:
    """The dashboard's load per agent, a row each with links to the queue, written out rather
    than by a template loop of eight variables a row (the whitespace is the loop's)."""
    url = conditional_escape(queue_url)
    return mark_safe(
        "".join(
            _AGENT_ROW.format(
                desk_tags.shown(agent.username),
                url,
                desk_tags.shown(agent.user_id),
                desk_tags.shown(agent.open),
                desk_tags.shown(agent.due_today),
                desk_tags.shown(agent.overdue),
            )
            for agent in agents
        )
    )


def weekly_chart(weeks: list[selectors.Week]) -> dict:
    """Geometry for the server-drawn SVG bar chart: three bars a week on a counted axis, each
    with its value written above it (no chart library, no inline script). The bars are written
    out here (`charts.week_marks`), their hover text translated once per chart: a
    {% blocktranslate %} with four filters and a loop of seven variables a bar, twelve weeks,
    were most of the chart's rendering."""
    peak = max([w.opened for w in weeks] + [w.won for w in weeks] + [w.lost for w in weeks] + [1])
    frame = charts.Frame(columns=len(weeks), peak=peak, title=_("claims"))
    sentence = _("Week of %(week)s: %(opened)s opened, %(won)s won, %(lost)s lost")
    bars = []
    for n, week in enumerate(weeks):
        x = frame.x(n)
        marks = []
        words = {"week": desk_tags.when_text(week.start.date())}
        for offset, name in ((4, "opened"), (13, "won"), (22, "lost")):
            value = getattr(week, name)
            words[name] = formats.localize(value, use_l10n=True)
            marks.append(
                {
                    "name": name,
                    "value": value,
                    "text": words[name],
                    "x": x + offset,
                    "y": frame.y(value),
                    "h": frame.h(value),
                }
            )
        bars.append(
            {
                "week": week,
                "x": x,
                "marks": marks,
                "title": sentence % {key: escape(text) for key, text in words.items()},
                "label": charts.month_day(timezone.localtime(week.start)),
            }
        )
    return {"frame": frame, "bars": bars, "marks": charts.week_marks(bars, frame.full_height - 6)}


def odr_chart(trend: selectors.StoreTrend) -> dict:
    """Geometry for a store's ODR trend: a line of points, each with its value, under an axis
    that always shows the platforms' limit (a dashed line at 1 %)."""
    limit = settings.DESK_ODR_LIMIT_PERCENT
    peak = max([float(point.percent) for point in trend.points] + [float(limit) * 1.5])
    frame = charts.Frame(columns=len(trend.points), peak=peak, whole=False, suffix="%", column=44)
    # Each point's hover text and day label are worded here, the sentence translated once per
    # chart: a {% blocktranslate %} with its filters on each of 60 points a store was most of
    # the dashboard's rendering.
    sentence = _("%(day)s: ODR %(percent)s%% (%(defective)s of %(orders)s orders with a defect)")
    points = []
    for n, point in enumerate(trend.points):
        percent = point.percent
        y = frame.y(percent)
        words = {
            "day": desk_tags.when_text(point.day),
            "percent": formats.localize(percent),
            "defective": formats.localize(point.defective_orders),
            "orders": formats.localize(point.orders),
        }
        points.append(
            {
                "point": point,
                "x": frame.x(n) + frame.column // 2,
                "y": y,
                "value_y": y - 5,
                "percent": words["percent"],
                "at_risk": point.at_risk,
                "title": sentence % words,
                "day_label": charts.month_day(point.day),
            }
        )
    return {
        "frame": frame,
        "points": points,
        "marks": charts.trend_marks(points, frame.full_height - 6),
        "line": " ".join(f"{p['x']},{p['y']}" for p in points),
        "limit_y": frame.y(limit),
        "limit": limit,
    }


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
            "forecasts": _forecasts([store], team=list(stores_for(request.user))),
        },
    )


def _forecasts(
    stores: list[Store],
    *,
    team: list[Store] | None = None,
    now: datetime | None = None,
    store_days: selectors.StoreDays | None = None,
) -> list[tuple]:
    """Each store's ODR forecast with its chart's geometry."""
    forecasts = selectors.odr_forecasts(stores, team=team, now=now, store_days=store_days)
    return [(forecasts[store.pk], charts.forecast_chart(forecasts[store.pk])) for store in stores]


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
