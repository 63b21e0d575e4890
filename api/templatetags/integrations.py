from django import template

from disputes.access import is_manager

register = template.Library()


@register.inclusion_tag("api/_webhooks_link.html", takes_context=True)
def webhooks_link(context, store) -> dict:
    """The store page's way to its webhooks, for its managers."""
    return {"store": store, "manager": is_manager(context["request"].user, store)}
