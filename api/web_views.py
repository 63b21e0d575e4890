"""The pages behind the API: a person's tokens (made and revoked on their account page) and a
store's webhooks (its managers subscribe addresses and see the last deliveries)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from disputes.access import get_store_for_user, is_manager, stores_for
from disputes.requests import AuthenticatedRequest

from . import subscriptions, tokens
from .models import ApiToken, WebhookEvent, WebhookSubscription

# How many deliveries of each webhook its page shows.
SHOWN_DELIVERIES = 10


def _tokens_context(request: AuthenticatedRequest, **extra) -> dict:
    return {"tokens": ApiToken.objects.filter(user=request.user), **extra}


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: AuthenticatedRequest) -> HttpResponse:
    """The account page's "API tokens" section: the caller's tokens, and a new one (its secret
    shown in this answer only)."""
    if request.method == "GET":
        return render(request, "api/tokens.html", _tokens_context(request))
    name = request.POST.get("name", "")
    try:
        made = tokens.token_create(user=request.user, name=name)
    except tokens.TokenError as error:
        return render(request, "api/tokens.html", _tokens_context(request, error=str(error), name=name))
    return render(request, "api/tokens.html", _tokens_context(request, made=made))


@login_required
@require_POST
def api_token_revoke(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    tokens.token_revoke(token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect(reverse("accounts:account") + "#api-tokens")


def _store_as_manager(request: AuthenticatedRequest, store_id: int):
    store = get_store_for_user(request.user, store_id)
    if not is_manager(request.user, store):
        raise PermissionDenied(_("A store's webhooks are for its managers."))
    return store


def _webhooks_context(store, **extra) -> dict:
    hooks = [
        {"hook": hook, "recent": hook.deliveries.order_by("-pk")[:SHOWN_DELIVERIES]}
        for hook in WebhookSubscription.objects.filter(store=store)
    ]
    return {"store": store, "hooks": hooks, "events": WebhookEvent.choices, **extra}


@login_required
@require_http_methods(["GET", "POST"])
def store_webhooks(request: AuthenticatedRequest, store_id: int) -> HttpResponse:
    store = _store_as_manager(request, store_id)
    if request.method == "GET":
        return render(request, "api/webhooks.html", _webhooks_context(store))
    url, events = request.POST.get("url", ""), request.POST.getlist("events")
    try:
        hook = subscriptions.webhook_subscribe(store=store, url=url, events=events, by=request.user)
    except subscriptions.SubscriptionError as error:
        context = _webhooks_context(store, error=str(error), url=url, chosen=events)
        return render(request, "api/webhooks.html", context)
    return render(request, "api/webhooks.html", _webhooks_context(store, created=hook))


@login_required
@require_POST
def webhook_remove(request: AuthenticatedRequest, webhook_id: int) -> HttpResponse:
    hook = get_object_or_404(WebhookSubscription, pk=webhook_id, store__in=stores_for(request.user))
    store = _store_as_manager(request, hook.store_id)
    subscriptions.webhook_remove(subscription=hook)
    messages.success(request, _("Webhook to %(url)s removed.") % {"url": hook.url})
    return redirect("integrations:webhooks", store_id=store.pk)
