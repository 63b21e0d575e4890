"""Post-mortems after the claim is closed: the owner's improvement actions, and the managers'
report of win rates and root causes (also as CSV)."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import charts, dates, selectors, services
from .access import get_action_for_user, is_manager, managed_stores_for
from .downloads import attachment_header, spreadsheet_cell
from .forms import PostMortemReportForm
from .models import RootCause
from .requests import AuthenticatedRequest
from .services import ClaimError
from .views import _safe_next


@login_required
@require_POST
def action_done(request: AuthenticatedRequest, action_id: int) -> HttpResponse:
    action = get_action_for_user(request.user, action_id)
    if action.owner_id != request.user.pk and not is_manager(request.user, action.store):
        messages.error(request, _("Only the action's owner or a manager of the store can mark it done."))
    else:
        try:
            services.action_done(action=action, by=request.user)
            messages.success(request, _("Action marked done."))
        except ClaimError as error:
            messages.error(request, str(error))
    return redirect(_safe_next(request, reverse("disputes:queue")))


def _report_form(request: AuthenticatedRequest) -> PostMortemReportForm:
    if not managed_stores_for(request.user).exists():
        raise PermissionDenied(_("The post-mortem report is for managers."))
    # Bound with the defaults under what the URL says, so the selects show what is applied.
    form = PostMortemReportForm({"group": "store", "weeks": "12", **request.GET.dict()}, user=request.user)
    form.is_valid()
    return form


@login_required
@require_GET
def post_mortem_report(request: AuthenticatedRequest) -> HttpResponse:
    form = _report_form(request)
    report = selectors.post_mortem_report(request.user, **form.options())
    return render(
        request,
        "disputes/post_mortems.html",
        {
            "form": form,
            "report": report,
            "effects": selectors.action_effects(request.user, store=form.options()["store"]),
            "causes": RootCause.choices,
            "chart": win_rate_chart(report.weeks),
            "csv_query": request.GET.urlencode(),
        },
    )


def win_rate_chart(weeks) -> dict:
    """Geometry for the server-drawn SVG: claims closed per week split by root cause on a
    counted axis (left), and the week's win rate on its own 0–100 % axis (right), drawn as a
    line whose zero sits above the x-axis."""
    frame = charts.Frame(
        columns=len(weeks), peak=max([row.closed for _start, row in weeks] + [1]), right=40, title=_("closed")
    )
    bars = []
    for n, (start, row) in enumerate(weeks):
        x, below, parts = frame.x(n), 0, []
        for cause, label in RootCause.choices:
            count = row.causes.get(cause, 0)
            y = frame.y(below + count)
            parts.append({"cause": cause, "label": label, "count": count, "y": y, "h": frame.y(below) - y})
            below += count
        rate = row.win_rate
        bars.append(
            {
                "start": start,
                "row": row,
                "x": x,
                "top": frame.y(row.closed),
                "parts": parts,
                "rate_y": None if rate is None else charts.rate_y(frame, rate),
            }
        )
    line = " ".join(f"{bar['x'] + 18},{bar['rate_y']}" for bar in bars if bar["rate_y"] is not None)
    return {"frame": frame, "bars": bars, "rate_ticks": charts.rate_ticks(frame), "rate_line": line}


class _Echo:
    def write(self, value: str) -> str:
        return value


# Excel opens a CSV as UTF-8 only when it starts with the byte order mark; without it a
# Chinese Windows reads the file as GBK and shows mojibake.
BOM = "\ufeff"


@login_required
@require_GET
def post_mortem_csv(request: AuthenticatedRequest) -> StreamingHttpResponse:
    """The post-mortems the report shows, for a spreadsheet: the same filters as the page (the
    export link carries them), labels in the reader's language rather than codes, and times in
    the desk's one format (the reader's zone, to the minute). A GET that changes nothing."""
    form = _report_form(request)
    options = form.options()
    options.pop("group")
    rows = (
        selectors.post_mortems_for(request.user, **options)
        .select_related("claim__order", "store", "written_by")
        .prefetch_related("actions__owner", "claim__order__lines")
        .order_by("written_at", "pk")
    )
    writer = csv.writer(_Echo())
    header = [
        _("Written"),
        _("Store"),
        _("Order"),
        _("Products (SKU)"),
        _("Claim kind"),
        _("Reason"),
        _("Outcome"),
        _("Won"),
        _("Root cause"),
        _("What decided the outcome"),
        _("Improvement action"),
        _("Action owner"),
        _("Action due"),
        _("Action done"),
    ]
    yes, no = _("Yes"), _("No")

    def row(cells: list) -> str:
        return writer.writerow([spreadsheet_cell(cell) for cell in cells])

    def lines():
        yield BOM + row(header)
        for pm in rows.iterator(chunk_size=500):
            claim = pm.claim
            for action in pm.actions.all() or [None]:
                yield row(
                    [
                        dates.moment_text(pm.written_at),
                        pm.store.name,
                        claim.order.platform_order_id,
                        " ".join(sorted({line.sku for line in claim.order.lines.all()})),
                        claim.get_kind_display(),
                        claim.get_reason_display(),
                        pm.get_outcome_display(),
                        yes if pm.won else no,
                        pm.get_root_cause_display(),
                        pm.decided_by,
                        action.description if action else "",
                        action.owner.get_username() if action else "",
                        dates.moment_text(action.due_on) if action else "",
                        dates.moment_text(action.done_at) if action and action.done_at else "",
                    ]
                )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = attachment_header(f"post-mortems-{stamp}.csv")
    return response
