"""The order list: the user's orders, newest first, a page at a time with a total.

Paged by keyset (purchase time, id) in both directions, never by OFFSET; the total is counted
up to COUNT_CAP rows only, so a store with millions of orders costs a bounded scan (the page
then says "more than 10,000")."""

import base64
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from ..inputs import date_problem, parse_id
from ..models import Order

PAGE_SIZE = 50
COUNT_CAP = 10_000
MAX_CURSOR_CHARS = 200


@dataclass
class OrderPage:
    orders: list[Order]
    total: int  # at most COUNT_CAP
    total_capped: bool  # there are more than COUNT_CAP
    first_number: int  # the position of the page's first order, from 1
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.orders) - 1


@dataclass(frozen=True)
class Cursor:
    forward: bool  # the orders after (older than) this one; else the ones before it
    purchased_at: datetime
    pk: int
    first_number: int


def encode_cursor(forward: bool, order: Order, first_number: int) -> str:
    text = f"{'a' if forward else 'b'}|{order.purchased_at.isoformat()}|{order.pk}|{first_number}"
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(cursor: str) -> Cursor | None:
    """A cursor from the URL; anything this page did not make means the first page."""
    if not cursor or len(cursor) > MAX_CURSOR_CHARS:
        return None
    try:
        way, at_text, pk_text, number_text = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        at = datetime.fromisoformat(at_text)
    except (ValueError, UnicodeDecodeError):
        return None
    pk, number = parse_id(pk_text), parse_id(number_text)
    if way not in ("a", "b") or pk is None or not number or at.tzinfo is None or date_problem(at):
        return None
    return Cursor(way == "a", at, pk, number)


def order_page(orders: QuerySet[Order], cursor_text: str = "") -> OrderPage:
    """A page of these orders (already scoped to the user), newest first."""
    total = orders.order_by()[: COUNT_CAP + 1].count()
    cursor = decode_cursor(cursor_text)
    if cursor is None:
        rows = list(orders.order_by("-purchased_at", "-pk")[: PAGE_SIZE + 1])
        more_after, more_before, first = len(rows) > PAGE_SIZE, False, 1
        rows = rows[:PAGE_SIZE]
    elif cursor.forward:
        older = Q(purchased_at__lt=cursor.purchased_at) | Q(
            purchased_at=cursor.purchased_at, pk__lt=cursor.pk
        )
        rows = list(orders.filter(older).order_by("-purchased_at", "-pk")[: PAGE_SIZE + 1])
        more_after, more_before, first = len(rows) > PAGE_SIZE, True, cursor.first_number
        rows = rows[:PAGE_SIZE]
    else:
        newer = Q(purchased_at__gt=cursor.purchased_at) | Q(
            purchased_at=cursor.purchased_at, pk__gt=cursor.pk
        )
        rows = list(orders.filter(newer).order_by("purchased_at", "pk")[: PAGE_SIZE + 1])
        more_after, more_before = True, len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        # Orders added meanwhile can shift the count: the first page is always number 1.
        first = max(1, cursor.first_number) if more_before else 1
    if not rows:
        more_after = more_before = False
    return OrderPage(
        orders=rows,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
        first_number=first,
        next_cursor=encode_cursor(True, rows[-1], first + len(rows)) if more_after else None,
        previous_cursor=encode_cursor(False, rows[0], max(1, first - PAGE_SIZE)) if more_before else None,
    )
