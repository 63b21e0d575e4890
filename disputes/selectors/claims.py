"""What the claim page reads beside the claim itself."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count

from ..models import (
    Claim,
    Order,
)


@dataclass
class BuyerHistory:
    claims: list[Claim]
    orders: int
    repeat_complainer: bool


def buyer_history(order: Order, *, limit: int = 20) -> BuyerHistory | None:
    """The buyer's claims across all their orders in this store."""
    if order.buyer_id is None:
        return None
    claims = list(
        Claim.objects.filter(order__buyer_id=order.buyer_id)
        .select_related("order")
        .order_by("-opened_at")[:limit]
    )
    counts = Order.objects.filter(buyer_id=order.buyer_id).aggregate(
        orders=Count("pk"), claims=Count("claims")
    )
    return BuyerHistory(
        claims=claims,
        orders=counts["orders"],
        repeat_complainer=counts["claims"] >= settings.DESK_REPEAT_COMPLAINER_CLAIMS,
    )
