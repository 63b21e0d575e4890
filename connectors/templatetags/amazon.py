from django import template

from disputes.models import Order

from ..platforms.amazon_actions import connection_of

register = template.Library()


@register.inclusion_tag("connectors/amazon/_card.html")
def amazon_order_card(order: Order) -> dict:
    """The order's Amazon card, for a store connected to Amazon's API (else nothing). It loads
    what Amazon allows on the order after the page, so the page never waits for Amazon."""
    return {"order": order, "connected": connection_of(order) is not None}
