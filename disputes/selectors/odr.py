"""Order Defect Rate: the share of a store's orders of the last 60 days with a defect."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from ..models import Claim, ClaimKind, Order, Store, StoreHour


@dataclass(frozen=True)
class OdrFigures:
    """A store's orders of the ODR window and how many of them have a defect."""

    orders: int
    defective_orders: int

    @property
    def percent(self) -> Decimal:
        if not self.orders:
            return Decimal("0.00")
        return (Decimal(self.defective_orders) * 100 / self.orders).quantize(Decimal("0.01"))

    @property
    def at_risk(self) -> bool:
        return self.percent > settings.DESK_ODR_LIMIT_PERCENT


@dataclass(frozen=True)
class DefectRate(OdrFigures):
    """The same, with the defects by kind and the window's start."""

    negative_feedback: int
    claims: int
    chargebacks: int
    since: datetime


def odr_window(now: datetime) -> tuple[datetime, datetime]:
    """Where the ODR window ending at `now` starts, and the start of its first whole hour."""
    since = now - timedelta(days=settings.DESK_ODR_WINDOW_DAYS)
    boundary = since.replace(minute=0, second=0, microsecond=0)
    if boundary < since:
        boundary += timedelta(hours=1)
    return since, boundary


def defect_rates(stores: list[Store], now: datetime | None = None) -> dict[int, DefectRate]:
    """Each store's Order Defect Rate: orders with at least one defect ÷ all orders, over the
    last 60 days of orders, with the defective orders by group of kinds. One query whatever the
    number of stores and of orders: the whole hours of the window from the hour counts
    (StoreHour, a row per store and hour), the part of an hour before the first whole one from
    the orders and claims themselves (an index range each). The same figures as
    `defect_rates_from_rows`, which counts every order and defective order of the window."""
    now = now or timezone.now()
    since, boundary = odr_window(now)
    store_ids = [store.pk for store in stores]
    # Written out, as `odr_counts`; the same statement on PostgreSQL and SQLite. An order's
    # claims share its purchase time, so no order is counted in two parts; an order with claims
    # of two groups is in both groups, once in all.
    ids = ", ".join(["%s"] * len(store_ids)) or "NULL"
    sql = f"""
        SELECT store_id, SUM(orders), SUM(defective), SUM(defective_feedback),
               SUM(defective_chargeback), SUM(defective_other)
        FROM {StoreHour._meta.db_table}
        WHERE store_id IN ({ids}) AND hour >= %s GROUP BY store_id
        UNION ALL
        SELECT store_id, COUNT(*), 0, 0, 0, 0 FROM {Order._meta.db_table}
        WHERE store_id IN ({ids}) AND purchased_at >= %s AND purchased_at < %s GROUP BY store_id
        UNION ALL
        SELECT store_id, 0, COUNT(DISTINCT order_id),
               COUNT(DISTINCT CASE WHEN kind = %s THEN order_id END),
               COUNT(DISTINCT CASE WHEN kind = %s THEN order_id END),
               COUNT(DISTINCT CASE WHEN kind NOT IN (%s, %s) THEN order_id END)
        FROM {Claim._meta.db_table}
        WHERE store_id IN ({ids}) AND counts_toward_odr = %s
          AND order_purchased_at >= %s AND order_purchased_at < %s GROUP BY store_id
    """
    at = connection.ops.adapt_datetimefield_value
    feedback, chargeback = ClaimKind.NEGATIVE_FEEDBACK.value, ClaimKind.CHARGEBACK.value
    params = [
        *store_ids,
        at(boundary),
        *store_ids,
        at(since),
        at(boundary),
        feedback,
        chargeback,
        feedback,
        chargeback,
        *store_ids,
        True,
        at(since),
        at(boundary),
    ]
    counts = {pk: [0, 0, 0, 0, 0] for pk in store_ids}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for store_id, *row in cursor.fetchall():
            counts[store_id] = [before + int(n or 0) for before, n in zip(counts[store_id], row, strict=True)]
    return {
        pk: DefectRate(
            orders=orders,
            defective_orders=defective,
            negative_feedback=feedback_orders,
            chargebacks=chargeback_orders,
            claims=other_orders,
            since=since,
        )
        for pk, (orders, defective, feedback_orders, chargeback_orders, other_orders) in counts.items()
    }


def defect_rates_from_rows(stores: list[Store], now: datetime | None = None) -> dict[int, DefectRate]:
    """The same figures as `defect_rates`, counted from every order and every defective order of
    the window (two grouped queries): what the hour counts must add up to."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.DESK_ODR_WINDOW_DAYS)
    store_ids = [store.pk for store in stores]
    orders = dict(
        Order.objects.filter(store_id__in=store_ids, purchased_at__gte=since)
        .values("store_id")
        .annotate(n=Count("*"))
        .order_by()
        .values_list("store_id", "n")
    )
    defects = {
        row["store_id"]: {name: count for name, count in row.items() if name != "store_id"}
        for row in Claim.objects.filter(
            store_id__in=store_ids, counts_toward_odr=True, order_purchased_at__gte=since
        )
        .values("store_id")
        .annotate(
            defective_orders=Count("order", distinct=True),
            negative_feedback=Count("order", distinct=True, filter=Q(kind=ClaimKind.NEGATIVE_FEEDBACK)),
            chargebacks=Count("order", distinct=True, filter=Q(kind=ClaimKind.CHARGEBACK)),
            claims=Count(
                "order",
                distinct=True,
                filter=~Q(kind__in=[ClaimKind.NEGATIVE_FEEDBACK, ClaimKind.CHARGEBACK]),
            ),
        )
        .order_by()
    }
    none = {"defective_orders": 0, "negative_feedback": 0, "chargebacks": 0, "claims": 0}
    return {
        pk: DefectRate(orders=orders.get(pk, 0), since=since, **defects.get(pk, none)) for pk in store_ids
    }


def order_defect_rate(store: Store, now: datetime | None = None) -> DefectRate:
    return defect_rates([store], now)[store.pk]


def odr_counts(store_ids: list[int], now: datetime | None = None) -> dict[int, tuple[int, int]]:
    """Each store's (orders, orders with a defect) of the ODR window, without the defects' kinds,
    in one query: the whole hours from the hour counts (StoreHour's `orders` and `defective`),
    the part of an hour before the first whole one from the orders and claims themselves. The
    same figures as `defect_rates`, which counts every defective order of the window."""
    now = now or timezone.now()
    since, boundary = odr_window(now)
    # Written out rather than built with the ORM: building the three-part union cost more CPU
    # than running it (issue #18, the claim page). Same statement on PostgreSQL and SQLite.
    # An order's claims share its purchase time, so no order is counted in two parts.
    ids = ", ".join(["%s"] * len(store_ids)) or "NULL"
    sql = f"""
        SELECT store_id, SUM(orders), SUM(defective) FROM {StoreHour._meta.db_table}
        WHERE store_id IN ({ids}) AND hour >= %s GROUP BY store_id
        UNION ALL
        SELECT store_id, COUNT(*), 0 FROM {Order._meta.db_table}
        WHERE store_id IN ({ids}) AND purchased_at >= %s AND purchased_at < %s GROUP BY store_id
        UNION ALL
        SELECT store_id, 0, COUNT(DISTINCT order_id) FROM {Claim._meta.db_table}
        WHERE store_id IN ({ids}) AND counts_toward_odr = %s
          AND order_purchased_at >= %s AND order_purchased_at < %s GROUP BY store_id
    """
    at = connection.ops.adapt_datetimefield_value
    params = [
        *store_ids,
        at(boundary),
        *store_ids,
        at(since),
        at(boundary),
        *store_ids,
        True,
        at(since),
        at(boundary),
    ]
    counts = dict.fromkeys(store_ids, (0, 0))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for store_id, orders, defective in cursor.fetchall():
            before = counts[store_id]
            counts[store_id] = (before[0] + int(orders or 0), before[1] + int(defective or 0))
    return counts
