"""The queue as a spreadsheet: the claims its filters give (tag included), with their tags."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.utils import timezone
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
    """Every claim of the queue's filters (not only its first page), in its order; a GET that
    changes nothing. Labels in the reader's language, times in the desk's one format."""
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
        for claim in claims.iterator(chunk_size=500):
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
