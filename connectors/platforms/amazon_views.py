"""The Amazon card on an order page: what Amazon's API allows on the order now (asked for when
the card loads, over htmx, so the page itself never waits for Amazon), and the actions, queued
for the worker (connectors/outbox.py). While one is on its way the card polls a light version of
itself that asks Amazon nothing, and shows the full card with the outcome once it is settled."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from disputes.access import get_order_for_user
from disputes.models import Order
from disputes.requests import AuthenticatedRequest

from .. import outbox
from ..models import PlatformAction
from . import amazon_actions
from .amazon_actions import ActionError


def _card(
    request: AuthenticatedRequest,
    order: Order,
    *,
    done: str = "",
    error: str = "",
    kind: str = "",
    text: str = "",
    status: int | None = None,
) -> HttpResponse:
    actions = amazon_actions.actions_for(order)
    context = {
        "order": order,
        "actions": actions,
        "pending": [(row, amazon_actions.kind_label(row)) for row in actions.pending],
        "watch": actions.pending[0].pk if actions.pending else None,
        "poll_every": outbox.poll_seconds(actions.pending),
        "done": done,
        "error": error,
        "kind": kind,
        "text": text,
        "max_text": amazon_actions.MAX_TEXT,
    }
    return render(
        request, "connectors/amazon/_actions.html", context, status=status or (400 if error else 200)
    )


def _waiting(request: AuthenticatedRequest, order: Order, row: PlatformAction) -> HttpResponse:
    """The card while `row` is on its way: polls itself, asks Amazon nothing."""
    rows = amazon_actions.pending_on(order)
    pending = [(p, amazon_actions.kind_label(p)) for p in rows]
    context = {"order": order, "pending": pending, "watch": row.pk, "poll_every": outbox.poll_seconds(rows)}
    return render(request, "connectors/amazon/_waiting.html", context)


def _answer(request: AuthenticatedRequest, order: Order, row: PlatformAction) -> HttpResponse:
    if request.htmx:
        return _waiting(request, order, row)
    return redirect(f"{reverse('disputes:order', args=[order.pk])}#amazon-actions")


@login_required
@require_GET
def amazon_actions_card(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    watch = request.GET.get("watch", "")
    row = amazon_actions.watched(order, int(watch)) if watch.isdigit() else None
    if row is None:
        return _card(request, order)
    if row.pending:
        return _waiting(request, order, row)
    done, error = amazon_actions.outcome(row)
    # The outcome of the action the card waited for (a refusal too) is the card's answer: 200.
    return _card(request, order, done=done, error=error, status=200)


@login_required
@require_POST
def amazon_review_request(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    try:
        row = amazon_actions.request_review(order=order, by=request.user)
    except ActionError as error:
        return _card(request, order, error=str(error))
    return _answer(request, order, row)


@login_required
@require_POST
def amazon_message_send(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    kind, text = request.POST.get("kind", ""), request.POST.get("text", "")
    try:
        row = amazon_actions.send_message(order=order, kind=kind, text=text, by=request.user)
    except ActionError as error:
        return _card(request, order, error=str(error), kind=kind, text=text)
    return _answer(request, order, row)
