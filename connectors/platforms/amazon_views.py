"""The Amazon card on an order page: what Amazon's API allows on the order now (asked for when
the card loads, over htmx, so the page itself never waits for Amazon), and the actions."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from disputes.access import get_order_for_user
from disputes.models import Order
from disputes.requests import AuthenticatedRequest

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
) -> HttpResponse:
    context = {
        "order": order,
        "actions": amazon_actions.actions_for(order),
        "done": done,
        "error": error,
        "kind": kind,
        "text": text,
        "max_text": amazon_actions.MAX_TEXT,
    }
    return render(request, "connectors/amazon/_actions.html", context, status=400 if error else 200)


def _answer(request: AuthenticatedRequest, order: Order, **shown: str) -> HttpResponse:
    if request.htmx:
        return _card(request, order, **shown)
    return redirect(f"{reverse('disputes:order', args=[order.pk])}#amazon-actions")


@login_required
@require_GET
def amazon_actions_card(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    return _card(request, get_order_for_user(request.user, order_id))


@login_required
@require_POST
def amazon_review_request(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    try:
        amazon_actions.request_review(order=order, by=request.user)
    except ActionError as error:
        return _card(request, order, error=str(error))
    return _answer(request, order, done="review")


@login_required
@require_POST
def amazon_message_send(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    kind, text = request.POST.get("kind", ""), request.POST.get("text", "")
    try:
        amazon_actions.send_message(order=order, kind=kind, text=text, by=request.user)
    except ActionError as error:
        return _card(request, order, error=str(error), kind=kind, text=text)
    return _answer(request, order, done="message")
