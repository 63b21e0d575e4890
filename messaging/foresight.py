"""Claims seen coming: orders without a claim whose signs say one may follow, each with the date
from which its buyer may open one on the platform (`disputes.deadlines.claim_opens_from`), so the
team acts before it. And the buyers whose claims repeat across orders and stores.

Every read is a fixed number of queries over the user's stores, whatever their size: each sign is
found through an index (the awaiting-reply and complaint partial indexes on messages, the late
orders' partial index on `Order.late_from`, the buyers with claims' on `Buyer.claims`), the
candidates are capped, then read with their facts in two more. The columns these indexes hold
are kept by the database on every write (disputes/watch_columns.py), never stale."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.access import stores_for
from disputes.deadlines import ClaimOpening, claim_opens_from, opening_rules
from disputes.models import Buyer, Claim, Order
from disputes.models.orders import CANCELLED_ITEM_STATUSES

from .models import Direction, Message, ReplyState, Thread

# Amazon lets an item-not-received claim open up to 90 days after the latest delivery date: a
# late order older than that can no longer become one.
LATE_FOR_AT_MOST = timedelta(days=90)
# Orders are read through their purchase date (indexed per store); none is delivered later than
# this after it was bought.
PURCHASED_WITHIN = timedelta(days=180)
# A complaint older than this, with no claim since, is taken as settled.
COMPLAINT_WITHIN = timedelta(days=30)
# A buyer with a claim history is watched on the orders they placed this recently.
HISTORY_ORDERS_WITHIN = timedelta(days=60)
# "Wrote more than once without an answer".
UNANSWERED_AT_LEAST = 2
# A buyer with claims on this many orders is a serial complainer (DOMAIN: worth flagging).
SERIAL_CLAIM_ORDERS = 3  # no fewer: the buyers' index for them (buyer_serial) holds 3 and up
# Each sign contributes at most this many candidates; the list shows the soonest.
CANDIDATES_PER_SIGN = 500


class Sign:
    UNANSWERED = "unanswered"
    LATE = "late"
    COMPLAINT = "complaint"
    HISTORY = "history"


@dataclass
class ComingClaim:
    order: Order
    opens: ClaimOpening | None
    unanswered: int = 0
    complaints: int = 0
    late_since: datetime | None = None
    buyer_claims: int = 0
    signs: list[str] = field(default_factory=list)

    def reasons(self) -> list[str]:
        """The signs in words, for the list."""
        words = []
        if Sign.UNANSWERED in self.signs:
            words.append(
                str(_("The buyer wrote %(count)d times without an answer")) % {"count": self.unanswered}
            )
        if Sign.LATE in self.signs:
            words.append(str(_("Not delivered by the promised date")))
        if Sign.COMPLAINT in self.signs:
            words.append(str(_("The buyer's message reads as a complaint")))
        if Sign.HISTORY in self.signs:
            words.append(
                str(_("The buyer has %(count)d claims on other orders")) % {"count": self.buyer_claims}
            )
        return words

    def opens_now(self, now: datetime) -> bool:
        return self.opens is None or self.opens.at <= now


def _cancelled() -> Q:
    """A cancelled order (Amazon spells it both ways) cannot become a claim."""
    cancelled = Q(pk__in=[])
    for status in CANCELLED_ITEM_STATUSES:
        cancelled |= Q(status__iexact=status)
    return cancelled


def claims_seen_coming(user, *, now: datetime | None = None, limit: int = 200) -> list[ComingClaim]:
    """Orders of the user's stores with no claim yet whose buyer wrote more than once without an
    answer, whose delivery is late against the promised date, whose message reads as a complaint,
    or whose buyer (the store's record of them) has claims on other orders: soonest claimable first."""
    now = now or timezone.now()
    store_ids = list(stores_for(user).values_list("pk", flat=True))
    if not store_ids:
        return []
    rules = opening_rules()
    mine = Q(store_id__in=store_ids)

    # Signs found among messages are grouped by thread first (no join), then read as orders.
    unanswered = set(
        Thread.objects.filter(
            pk__in=Message.objects.filter(
                mine, reply_state=ReplyState.AWAITING, direction=Direction.FROM_BUYER
            )
            .values("thread_id")
            .order_by()
            .annotate(n=Count("pk"))
            .filter(n__gte=UNANSWERED_AT_LEAST)
            .values("thread_id")[:CANDIDATES_PER_SIGN]
        ).values_list("order_id", flat=True)
    )
    # `late_from` is the latest delivery date of an order neither delivered nor cancelled (a
    # column the database keeps): its partial index holds only those.
    late = set(
        Order.objects.filter(
            mine,
            purchased_at__gte=now - PURCHASED_WITHIN,
            late_from__lt=now,
            late_from__gte=now - LATE_FOR_AT_MOST,
        )
        # The longest overdue first (their buyers may claim soonest).
        .order_by("late_from", "pk")
        .values_list("pk", flat=True)[:CANDIDATES_PER_SIGN]
    )
    # The threads with the latest complaints first, from the complaint index alone; their orders
    # after (a DISTINCT over orders had the planner walk every thread in order id order).
    complaints = set(
        Thread.objects.filter(
            pk__in=Message.objects.filter(mine, reads_as_complaint=True, at__gte=now - COMPLAINT_WITHIN)
            .values("thread_id")
            .annotate(latest=Max("at"))
            .order_by("-latest", "thread_id")
            .values("thread_id")[:CANDIDATES_PER_SIGN]
        ).values_list("order_id", flat=True)
    )
    with_history = set(
        Order.objects.filter(
            mine,
            purchased_at__gte=now - HISTORY_ORDERS_WITHIN,
            # The store's own buyer record (`Buyer.claims`, kept by the database): matching
            # aliases across stores here would cost a join of every claim with its buyer.
            buyer_id__in=Subquery(Buyer.objects.filter(mine, claims__gt=0).values("pk")),
        ).values_list("pk", flat=True)[:CANDIDATES_PER_SIGN]
    )

    orders = list(
        Order.objects.filter(pk__in=unanswered | late | complaints | with_history)
        .exclude(Exists(Claim.objects.filter(order=OuterRef("pk"))))
        .exclude(_cancelled())
        .select_related("store", "buyer", "thread")
    )
    if not orders:
        return []
    # The buyers' messages of those orders, by thread (message_thread_time, no join): how many
    # await a reply, how many read as a complaint, and when the buyer first wrote.
    by_thread = {
        row["thread_id"]: row
        for row in Message.objects.filter(
            thread_id__in=Thread.objects.filter(order_id__in=[o.pk for o in orders]).values("pk"),
            direction=Direction.FROM_BUYER,
        )
        .values("thread_id")
        .order_by()
        .annotate(
            awaiting=Count("pk", filter=Q(reply_state=ReplyState.AWAITING)),
            complaints=Count("pk", filter=Q(reads_as_complaint=True, at__gte=now - COMPLAINT_WITHIN)),
            first_contact=Min("at"),
        )
    }
    found = []
    for order in orders:
        thread = getattr(order, "thread", None)
        messages = (thread and by_thread.get(thread.pk)) or {
            "awaiting": 0,
            "complaints": 0,
            "first_contact": None,
        }
        late_now = order.late_from is not None and now - LATE_FOR_AT_MOST <= order.late_from < now
        item = ComingClaim(
            order=order,
            opens=claim_opens_from(
                order.store,
                rules=rules,
                first_contact=cast(datetime | None, messages["first_contact"]),
                latest_delivery=None if order.delivered else order.latest_delivery,
            ),
            unanswered=cast(int, messages["awaiting"]),
            complaints=cast(int, messages["complaints"]),
            late_since=order.latest_delivery if late_now else None,
            buyer_claims=order.buyer.claims if order.buyer else 0,
        )
        if item.unanswered >= UNANSWERED_AT_LEAST:
            item.signs.append(Sign.UNANSWERED)
        if late_now:
            item.signs.append(Sign.LATE)
        if item.complaints:
            item.signs.append(Sign.COMPLAINT)
        if item.buyer_claims:
            item.signs.append(Sign.HISTORY)
        if item.signs:
            found.append(item)
    found.sort(key=lambda c: (c.opens.at if c.opens else now, -len(c.signs), c.order.pk))
    return found[:limit]


@dataclass
class SerialComplainer:
    alias: str
    buyer_id: int  # one of the buyer's rows, for the abuse report's address
    claims: int
    orders: int
    stores: int
    last_opened: datetime


def serial_complainers(user, *, limit: int = 50) -> list[SerialComplainer]:
    """Buyers (by alias, across the user's stores) with claims on at least
    `SERIAL_CLAIM_ORDERS` orders, most claims first. One grouped query over the stores' buyers
    with claims (their records kept by the database: `Buyer.claims` and the rest), a buyer row
    per store, so the rows of an alias are the stores it claimed in."""
    store_ids = list(stores_for(user).values_list("pk", flat=True))
    rows = (
        Buyer.objects.filter(
            store_id__in=store_ids, claims__gt=0, alias_claim_orders__gte=SERIAL_CLAIM_ORDERS
        )
        .values("alias")
        .order_by()
        .annotate(
            claims_total=Sum("claims"),
            claim_orders_total=Sum("claim_orders"),
            stores=Count("store"),
            last_opened=Max("last_claim_at"),
            buyer_id=Max("pk"),
        )
        .filter(claim_orders_total__gte=SERIAL_CLAIM_ORDERS)
        .order_by("-claims_total", "-last_opened")[:limit]
    )
    return [
        SerialComplainer(
            alias=row["alias"],
            buyer_id=row["buyer_id"],
            claims=row["claims_total"],
            orders=row["claim_orders_total"],
            stores=row["stores"],
            last_opened=row["last_opened"],
        )
        for row in rows
    ]
