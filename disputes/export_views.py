"""The queue as a spreadsheet: the claims its filters give (tag included), with their tags, up
to `QUEUE_CSV_CAP` rows; when more match, a last line says so."""

import csv

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import dates, selectors
from .downloads import attachment_header, spreadsheet_cell
from .forms import QueueFilterForm
from .requests import AuthenticatedRequest

# Excel reads a CSV as UTF-8 only when it starts with the byte order mark.
BOM = "\ufeff"


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def queue_csv(request: AuthenticatedRequest) -> StreamingHttpResponse:
    """The claims of the queue's filters (not only its first page), in its order, at most
    `QUEUE_CSV_CAP` of them; a GET that changes nothing. Labels in the reader's language, times
    in the desk's one format. One row past the cap is read to know that more match: then the
    file ends with a line saying the list was cut, rather than silently stopping."""
    cap = settings.QUEUE_CSV_CAP
    note = cut_note(cap)  # in the reader's language, before the rows stream
    filters = QueueFilterForm(request.GET, user=request.user).filters()
    claims = (
        selectors.queue_claims(request.user, filters)
        .select_related("store", "order", "assignee")
        .prefetch_related("tags")
    )
    writer = csv.writer(_Echo())
    header = [
        _("Store"),
        _("Order"),
        _("Kind"),
        _("Reason"),
        _("Status"),
        _("Priority"),
        _("Assignee"),
        _("Respond by"),
        _("Amount claimed"),
        _("Tags"),
    ]

    def row(cells: list) -> str:
        return writer.writerow([spreadsheet_cell(cell) for cell in cells])

    def lines():
        yield BOM + row(header)
        for written, claim in enumerate(claims[: cap + 1].iterator(chunk_size=500)):
            if written == cap:
                yield row([note])
                return
            yield row(
                [
                    claim.store.name,
                    claim.order.platform_order_id,
                    claim.get_kind_display(),
                    claim.get_reason_display(),
                    claim.get_status_display(),
                    claim.get_priority_display(),
                    claim.assignee.get_username() if claim.assignee else "",
                    dates.moment_text(claim.respond_by) if claim.respond_by else "",
                    claim.amount if claim.amount is not None else "",
                    ", ".join(sorted(tag.name for tag in claim.tags.all())),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_header(f"claims-{timezone.localdate().isoformat()}.csv")
    return response


def cut_note(cap: int) -> str:
    return _(
        "More claims match these filters: only the first %(cap)s are in this file. "
        "Narrow the filters (store, status, due window, tag) to export the rest."
    ) % {"cap": number_format(cap, force_grouping=True)}
