from django import template

from disputes.access import is_manager

from ..models import Connection

register = template.Library()


@register.inclusion_tag("connectors/_card.html", takes_context=True)
def connection_card(context, store) -> dict:
    """The store page's card: how its marketplace sync goes, and the way to its page."""
    return {
        "store": store,
        "connection": Connection.objects.filter(store=store).first(),
        "manager": is_manager(context["request"].user, store),
    }
