"""What the claim page reads beside the claim itself."""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

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
    """The buyer's claims across all their orders in this store, each with its order's id as
    `platform_order_id`. Both statements written out, the same on PostgreSQL and SQLite: built
    with the ORM they took several times longer to compile than to run (issue #18)."""
    if order.buyer_id is None:
        return None
    claims = list(Claim.objects.raw(HISTORY_CLAIMS, [order.buyer_id, limit]))
    with connection.cursor() as cursor:
        cursor.execute(HISTORY_COUNTS, [order.buyer_id])
        orders, claimed = cursor.fetchone()
    return BuyerHistory(
        claims=claims,
        orders=orders,
        repeat_complainer=claimed >= settings.DESK_REPEAT_COMPLAINER_CLAIMS,
    )


# Only what the claim page's list shows is read: another field of these claims is a query.
HISTORY_CLAIMS = """
    SELECT c.id, c.kind, c.status, c.outcome, c.opened_at, o.platform_order_id
    FROM disputes_claim c JOIN disputes_order o ON o.id = c.order_id
    WHERE o.buyer_id = %s ORDER BY c.opened_at DESC LIMIT %s
"""
# The buyer's orders (each once, whatever its claims) and their claims.
HISTORY_COUNTS = """
    SELECT COUNT(DISTINCT o.id), COUNT(c.id)
    FROM disputes_order o LEFT JOIN disputes_claim c ON c.order_id = o.id
    WHERE o.buyer_id = %s
"""
