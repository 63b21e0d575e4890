"""A store's webhook subscriptions, as its managers change them."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from disputes.models import Store

from .models import WebhookEvent, WebhookSubscription

# How many webhooks one store may have.
MAX_PER_STORE = 10


class SubscriptionError(Exception):
    pass


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    allowed = ("https", "http") if settings.DESK_WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise SubscriptionError(_("Give a full https:// address."))
    if not settings.DESK_WEBHOOK_ALLOW_HTTP and _is_internal(parts.hostname):
        raise SubscriptionError(_("Give an address on the internet, not one of this network."))
    if parts.username or parts.password:
        raise SubscriptionError(_("Leave the user name and password out of the address."))
    if len(url) > 500:
        raise SubscriptionError(_("The address is at most 500 characters."))
    return url


def _is_internal(host: str) -> bool:
    """A loopback, private or link-local address written as such (names are not resolved here)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local or address.is_reserved


def webhook_subscribe(*, store: Store, url: str, events: list[str], by: User) -> WebhookSubscription:
    url = check_url(url)
    chosen = [event for event in WebhookEvent.values if event in set(events)]
    if not chosen or len(chosen) != len(set(events)):
        raise SubscriptionError(_("Choose at least one event from the list."))
    if WebhookSubscription.objects.filter(store=store).count() >= MAX_PER_STORE:
        raise SubscriptionError(_("A store has at most %(count)d webhooks.") % {"count": MAX_PER_STORE})
    return WebhookSubscription.objects.create(store=store, url=url, events=chosen, created_by=by)


def webhook_remove(*, subscription: WebhookSubscription) -> None:
    subscription.delete()
