"""The queue's strip of buyer messages waiting for a reply: its rows written in Python.

Each of the ten rows included `_reply_badge.html` (loading its tag libraries, a `{% with %}`,
the message's clock read through the template engine) and reversed the order's link: about a
tenth of the queue's rendering. `reply_rows_html` writes the same characters as that loop
(`tests/test_queue_rows.py` renders both); the badge's template stays in use on the order
page's messaging panel, and a change to it is made here too."""

from html import escape

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from disputes import dates
from disputes.models import Urgency
from disputes.templatetags.desk import countdown_text

from .models import Message


def reply_badge_html(message: Message, zone: str) -> str:
    """`messaging/_reply_badge.html` for one message; `zone`: the reader's, escaped."""
    due = message.due_state()
    clock = (
        f' data-due="{escape(message.reply_by.isoformat())}" data-soon="{formats.localize(due.soon_seconds)}"'
        f' data-tz="{zone}"'
        if due.state != Urgency.NONE and message.reply_by is not None  # a clock runs only with a time
        else ""
    )
    return (
        f'<span class="badge badge-{escape(due.state)}"{clock} title="{escape(dates.moment_text(message.reply_by))}">'
        f"{escape(countdown_text(due.remaining))}</span>"
    )


def reply_rows_html(messages: list[Message]) -> SafeString:
    """The strip table's rows, each message's thread and order and store read with it."""
    zone = escape(timezone.get_current_timezone_name())
    order_url = reverse("disputes:order", args=[0]).removesuffix("0/")
    rows = [
        # The badge's template file ends with a line break, which the include wrote too.
        f'\n      <tr class="reply-row"><td>{reply_badge_html(message, zone)}\n</td>'
        f'\n        <td><a href="{order_url}{message.thread.order_id}/#thread">'
        f"{escape(message.thread.order.platform_order_id)}</a></td>"
        f"\n        <td>{escape(message.store.name)}</td>"
        f'<td class="message-cell">{escape(Truncator(message.body).chars(90))}</td></tr>\n    '
        for message in messages
    ]
    return mark_safe("".join(rows))
