"""The queue's rows: each row's values worked out once (`queue_rows`), and the rows' HTML written
in Python (`rows_html`).

The 50 rows were most of the queue's rendering: in the template each row cost some forty
variable look-ups, each walked, localized and escaped, and the `{% if %}`s between them. The
HTML written here is the same, character for character, as the template loop it replaces, in
every language and time zone: `tests/test_queue_rows.py` keeps that loop and renders the same
rows through both. A change to the rows' markup is made here and in that test's template."""

import functools
from dataclasses import dataclass
from datetime import datetime
from html import escape

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from . import dates
from .models import ClaimKind, ClaimStatus, DueState, Priority, Reason, Urgency
from .selectors import QueueClaim
from .templatetags import desk as desk_tags


@dataclass(slots=True)
class QueueRow:
    """One line of the queue with every value it shows already worked out. Ids, links and ISO
    times are digits and ASCII by construction (marked safe); everything typed by someone
    (order ids, names) is plain text, escaped where it is written."""

    claim: QueueClaim
    due: DueState
    id: SafeString
    url: SafeString
    order_url: SafeString
    due_at: SafeString  # ISO time for the live countdown; "" when the badge does not count
    soon_seconds: SafeString
    is_open: bool
    ticked: bool
    loaded_assignee: SafeString  # the assignee id the row shows ("" for nobody)
    state: str
    countdown: str
    due_title: str
    age: str
    title: str  # "#12 · Item not received"
    reason: str
    kind: str
    status: str
    priority: str  # the chosen priority's label; "" for the default, which is left unsaid
    priority_class: str
    order_id: str
    buyer: str
    amount: str  # the claimed amount with its currency, else the order's total
    amount_is_total: bool
    store: str
    assignee: str

    # The queue's tests and bench read a row as (claim, due).
    def __iter__(self):
        return iter((self.claim, self.due))


def queue_rows(
    claims: list[QueueClaim], now: datetime, ticked: set[int] | frozenset[int] = frozenset()
) -> list[QueueRow]:
    # Each label and each word of the countdowns is translated once per page, not once per row:
    # the labels are looked up by their codes (a lazy label translates itself to be hashed).
    choices: dict[str, dict] = {
        "reason": dict(Reason.choices),
        "kind": dict(ClaimKind.choices),
        "status": dict(ClaimStatus.choices),
        "priority": dict(Priority.choices),
    }

    @functools.cache
    def label(field: str, code) -> str:
        # A code the choices do not know is shown as itself; an unknown priority not at all.
        return str(choices[field].get(code, "" if field == "priority" else code))

    words = functools.cache(gettext)
    # One reverse() for each kind of link, the ids put in by hand.
    claim_url = reverse("disputes:claim", kwargs={"claim_id": 0}).removesuffix("0/")
    order_url = reverse("disputes:order", kwargs={"order_id": 0}).removesuffix("0/")
    rows = []
    for claim in claims:
        due = claim.due_state(now)
        pk = str(claim.pk)
        reason = label("reason", claim.reason)
        is_open = claim.is_open
        rows.append(
            QueueRow(
                claim=claim,
                due=due,
                id=mark_safe(pk),
                url=mark_safe(f"{claim_url}{pk}/"),
                order_url=mark_safe(f"{order_url}{claim.order_id}/"),
                due_at=mark_safe(
                    claim.respond_by.isoformat()
                    if is_open and claim.respond_by is not None and due.state != Urgency.NONE
                    else ""
                ),
                soon_seconds=mark_safe(str(due.soon_seconds)),
                is_open=is_open,
                ticked=claim.pk in ticked,
                loaded_assignee=mark_safe("" if claim.assignee_id is None else str(claim.assignee_id)),
                state=due.state,
                countdown=desk_tags.countdown_text(due.remaining, words),
                due_title=dates.moment_text(claim.respond_by),
                age="" if claim.opened_at is None else desk_tags.span(now - claim.opened_at, words),
                title=f"#{pk} · {reason}",
                reason=reason,
                kind=label("kind", claim.kind),
                status=label("status", claim.status),
                priority=label("priority", claim.priority) if claim.priority_set else "",
                priority_class=str(claim.priority),
                order_id=claim.platform_order_id,
                buyer=claim.buyer or "—",
                amount=(
                    f"{formats.localize(claim.amount)} {claim.currency}"
                    if claim.amount is not None
                    else f"{formats.localize(claim.total)} {claim.currency}"
                ),
                amount_is_total=claim.amount is None,
                store=claim.store_name,
                assignee=claim.assignee_username or "",
            )
        )
    return rows


def rows_html(rows: list[QueueRow]) -> SafeString:
    """The queue table's body: a `<tr>` per row, or the one saying nothing matches. The
    template's own words (the cells' labels) are written as the template wrote its
    `{% translate %}`s, unescaped; every value of a row that is not marked safe is escaped."""
    if not rows:
        empty = gettext("No claims match these filters.")
        return mark_safe(f'\n      \n        <tr><td colspan="10" class="empty">{empty}</td></tr>\n      ')
    due, claim, order = gettext("Due"), gettext("Claim"), gettext("Order")
    buyer, amount, age = gettext("Buyer"), gettext("Amount"), gettext("Age")
    store, status, assignee = gettext("Store"), gettext("Status"), gettext("Assignee")
    select, total, unassigned = gettext("Select claim"), gettext("order total"), gettext("unassigned")
    zone = escape(timezone.get_current_timezone_name())
    parts = ["\n      "]
    for row in rows:
        pk = row.id
        if not row.is_open:
            badge = '<span class="muted">—</span>'
        elif row.due_at:
            badge = (
                f'<span class="badge badge-{escape(row.state)}" data-due="{row.due_at}" '
                f'data-soon="{row.soon_seconds}" data-tz="{zone}" title="{escape(row.due_title)}">'
                f"{escape(row.countdown)}</span>"
            )
        else:
            badge = (
                f'<span class="badge badge-{escape(row.state)}" title="{escape(row.due_title)}">'
                f"{escape(row.countdown)}</span>"
            )
        priority = (
            f'<span class="badge priority priority-{escape(row.priority_class)}">{escape(row.priority)}</span>'
            if row.priority
            else ""
        )
        shown_amount = (
            f'<span class="muted" title="{total}">{escape(row.amount)}</span>'
            if row.amount_is_total
            else escape(row.amount)
        )
        who = escape(row.assignee) if row.assignee else f'<span class="muted">{unassigned}</span>'
        parts.append(
            f'\n        <tr class="claim-row{"" if row.is_open else " closed"}" data-claim="{pk}">'
            f'\n          <td class="select-col"><input type="checkbox" name="claims" value="{pk}" '
            f'aria-label="{select} {pk}"{" checked" if row.ticked else ""}>'
            f'\n            <input type="hidden" name="loaded_assignee_{pk}" value="{row.loaded_assignee}"></td>'
            f'\n          <td data-label="{due}">{badge}</td>'
            f'\n          <td class="claim-cell" data-label="{claim}"><a href="{row.url}" class="claim-link">'
            f"{escape(row.title)}</a>"
            f"\n            {priority}"
            f'\n            <div class="muted">{escape(row.kind)}</div></td>'
            f'\n          <td data-label="{order}"><a href="{row.order_url}" class="order-link">'
            f"{escape(row.order_id)}</a></td>"
            f'\n          <td data-label="{buyer}" class="buyer-cell">{escape(row.buyer)}</td>'
            f'\n          <td data-label="{amount}" class="amount">{shown_amount}</td>'
            f'\n          <td data-label="{age}">{escape(row.age)}</td>'
            f'\n          <td data-label="{store}">{escape(row.store)}</td>'
            f'\n          <td data-label="{status}">{escape(row.status)}</td>'
            f'\n          <td data-label="{assignee}">{who}</td>'
            "\n        </tr>\n      "
        )
    return mark_safe("".join(parts))
