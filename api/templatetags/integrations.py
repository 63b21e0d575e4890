from django import template

from api.models import ApiToken
from disputes.access import is_manager

register = template.Library()


@register.inclusion_tag("api/_webhooks_link.html", takes_context=True)
def webhooks_link(context, store) -> dict:
    """The store page's way to its webhooks, for its managers."""
    return {"store": store, "manager": is_manager(context["request"].user, store)}


@register.inclusion_tag("api/_tokens_section.html", takes_context=True)
def api_tokens_section(context) -> dict:
    """The account page's "API tokens" section: the person's tokens and the form for a new one."""
    request = context["request"]
    return {"tokens": ApiToken.objects.filter(user=request.user), "csrf_token": context.get("csrf_token")}
