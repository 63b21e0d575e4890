from django import template
from django.conf import settings

from disputes import deadlines

from .. import selectors
from ..models import Channel, Purpose

register = template.Library()


@register.inclusion_tag("messaging/_panel.html", takes_context=True)
def messaging_panel(context, order, claim=None) -> dict:
    """The order's buyer thread with the composer, for the order and claim pages."""
    request = context["request"]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "csp_nonce": context.get("csp_nonce"),
        "order": order,
        "claim": claim,
        "panel": selectors.panel(request.user, order),
        "body": "",
        "template_id": "",
        "purpose": "",
        "channel": Channel.PLATFORM,
        "channels": Channel.choices,
        "error": "",
        "override_reason": "",
        "purposes": [p for p in Purpose.choices if p[0] != Purpose.OFF_PLATFORM_REASON],
        "next": request.get_full_path(),
        "checked": False,
        "findings": [],
        "pieces": [],
        "blocking": False,
        "chase_limit": settings.DESK_MESSAGING_UNANSWERED_LIMIT,
    }


@register.filter
def reply_due(message):
    """How urgent a buyer message's reply is, in the shape the countdown badge reads."""
    from datetime import timedelta

    from django.utils import timezone

    from disputes.selectors import DueState

    if not message.is_awaiting or message.reply_by is None:
        return DueState("none", None)
    remaining = message.reply_by - timezone.now()
    if remaining <= timedelta(0):
        return DueState("overdue", remaining)
    warn = max(deadlines.warning_hours(message.warn_hours_before) or [6])
    return DueState("warning" if remaining <= timedelta(hours=warn) else "fine", remaining)


@register.inclusion_tag("messaging/_queue_replies.html", takes_context=True)
def messaging_queue(context) -> dict:
    rows, overdue = selectors.awaiting_replies(context["request"].user)
    return {"replies": rows, "overdue": overdue, "capped": overdue >= selectors.COUNT_CAP}


@register.inclusion_tag("messaging/_dashboard.html", takes_context=True)
def messaging_dashboard(context) -> dict:
    board = selectors.dashboard(context["request"].user)
    return {"board": board, "capped": board.overdue_replies >= selectors.COUNT_CAP}
