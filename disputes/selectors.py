"""Reads the pages share, already scoped to the user's stores and shaped for a fixed number
of queries."""

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .access import managed_stores_for, stores_for
from .inputs import date_problem, parse_id
from .models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    ImprovementAction,
    Order,
    Outcome,
    PostMortem,
    Reason,
    RootCause,
    Store,
    end_of_local_day,
)

PAGE_SIZE = 50
# A cursor this page makes is under 80 characters; anything far longer is not one.
MAX_CURSOR_CHARS = 200


# --- The queue ----------------------------------------------------------------------------


@dataclass
class QueueFilters:
    store: int | None = None
    scope: str = "all"  # "all" of the user's stores, or only those they "managed"
    kind: str = ""
    status: str = "open"  # "open", "any", or one ClaimStatus value
    assignee: str = "anyone"  # "me", "unassigned", "anyone", or a user id
    due: str = "any"  # "overdue", "today", "24h", "7d", "any"


@dataclass
class QueuePage:
    claims: list[Claim]
    next_cursor: str | None
    filters: QueueFilters
    store_ids: list[int] = field(default_factory=list)


def encode_cursor(claim: Claim) -> str:
    due = claim.respond_by.isoformat() if claim.respond_by else "-"
    return base64.urlsafe_b64encode(f"{due}|{claim.pk}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime | None, int] | None:
    """A cursor from the URL; anything malformed means 'start from the top'."""
    if len(cursor) > MAX_CURSOR_CHARS:
        return None
    try:
        due_text, pk_text = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        due = None if due_text == "-" else datetime.fromisoformat(due_text)
    except (ValueError, UnicodeDecodeError):
        return None
    pk = parse_id(pk_text)
    # A time without its offset, or in a year no deadline has (which the database could not
    # even compare once shifted to UTC), is not a cursor this page made.
    if pk is None or due is not None and (due.tzinfo is None or date_problem(due)):
        return None
    return due, pk


def _after_cursor(due: datetime | None, pk: int) -> Q:
    # Order is respond_by ascending with claims without a deadline last, then id.
    if due is None:
        return Q(respond_by__isnull=True, pk__gt=pk)
    return Q(respond_by__gt=due) | Q(respond_by=due, pk__gt=pk) | Q(respond_by__isnull=True)


def queue_claims(user, filters: QueueFilters, *, now: datetime | None = None) -> QuerySet[Claim]:
    """The claims the queue shows for these filters, due soonest first (unsliced)."""
    now = now or timezone.now()
    stores = managed_stores_for(user) if filters.scope == "managed" else stores_for(user)
    store_ids = list(stores.values_list("pk", flat=True))
    if filters.store is not None:
        store_ids = [pk for pk in store_ids if pk == filters.store]
    claims = Claim.objects.filter(store_id__in=store_ids)
    if filters.status == "open":
        claims = claims.filter(~Q(status=ClaimStatus.CLOSED))  # matches the partial index
    elif filters.status in ClaimStatus.values:
        claims = claims.filter(status=filters.status)
    if filters.kind in ClaimKind.values:
        claims = claims.filter(kind=filters.kind)
    if filters.assignee == "me":
        claims = claims.filter(assignee=user)
    elif filters.assignee == "unassigned":
        claims = claims.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        claims = claims.filter(assignee_id=int(filters.assignee))
    # Windows ahead do not include what is already overdue.
    if filters.due == "overdue":
        claims = claims.filter(respond_by__lt=now)
    elif filters.due == "today":
        claims = claims.filter(respond_by__gte=now, respond_by__lt=end_of_local_day(now))
    elif filters.due == "24h":
        claims = claims.filter(respond_by__gte=now, respond_by__lt=now + timedelta(hours=24))
    elif filters.due == "7d":
        claims = claims.filter(respond_by__gte=now, respond_by__lt=now + timedelta(days=7))
    # Claims without a deadline last, on every database (SQLite would put NULLs first).
    return claims.order_by(F("respond_by").asc(nulls_last=True), "pk")


def queue_page(user, filters: QueueFilters, cursor: str = "", *, now: datetime | None = None) -> QueuePage:
    claims = queue_claims(user, filters, now=now).select_related(
        "store", "order", "order__buyer", "assignee", "respond_rule"
    )
    position = decode_cursor(cursor) if cursor else None
    if position:
        claims = claims.filter(_after_cursor(*position))
    rows = list(claims[: PAGE_SIZE + 1])
    next_cursor = encode_cursor(rows[PAGE_SIZE - 1]) if len(rows) > PAGE_SIZE else None
    return QueuePage(claims=rows[:PAGE_SIZE], next_cursor=next_cursor, filters=filters)


# --- The claim page -----------------------------------------------------------------------


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


# --- Order Defect Rate --------------------------------------------------------------------


@dataclass(frozen=True)
class DefectRate:
    orders: int
    defective_orders: int
    negative_feedback: int
    claims: int
    chargebacks: int
    since: datetime

    @property
    def percent(self) -> Decimal:
        if not self.orders:
            return Decimal("0.00")
        return (Decimal(self.defective_orders) * 100 / self.orders).quantize(Decimal("0.01"))

    @property
    def at_risk(self) -> bool:
        return self.percent > settings.DESK_ODR_LIMIT_PERCENT


def defect_rates(stores: list[Store], now: datetime | None = None) -> dict[int, DefectRate]:
    """Each store's Order Defect Rate: orders with at least one defect ÷ all orders, over the
    last 60 days of orders. Two grouped queries, whatever the number of stores."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.DESK_ODR_WINDOW_DAYS)
    store_ids = [store.pk for store in stores]
    orders = dict(
        Order.objects.filter(store_id__in=store_ids, purchased_at__gte=since)
        .values("store_id")
        .order_by()
        .annotate(n=Count("*"))
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


# --- Managers' dashboard ------------------------------------------------------------------


def week_starts(now: datetime, weeks: int) -> list:
    """The Mondays (in the user's time zone) of the last `weeks` weeks, this one last."""
    first = (timezone.localtime(now) - timedelta(weeks=weeks - 1)).date()
    first -= timedelta(days=first.weekday())
    return [first + timedelta(weeks=n) for n in range(weeks)]


@dataclass
class AgentLoad:
    user_id: int | None
    username: str
    open: int
    due_today: int
    overdue: int


@dataclass
class Week:
    start: datetime
    opened: int = 0
    won: int = 0
    lost: int = 0


@dataclass
class Dashboard:
    overdue: int
    due_24h: int
    unassigned: int
    agents: list[AgentLoad]
    stores: list[tuple[Store, DefectRate]]
    weeks: list[Week]


def dashboard(user, *, now: datetime | None = None, weeks: int = 12) -> Dashboard:
    """Everything on the managers' dashboard, read from the claim columns (no worker needed)."""
    now = now or timezone.now()
    stores = list(managed_stores_for(user).order_by("name"))
    store_ids = [store.pk for store in stores]
    end_of_day = end_of_local_day(now)
    # One pass over the open claims (claim_open_load), by assignee. Counting "store" (never
    # null) rather than "pk" keeps every column inside the index: an index-only scan.
    load = list(
        Claim.objects.filter(store_id__in=store_ids)
        .filter(~Q(status=ClaimStatus.CLOSED))
        .values("assignee_id", "assignee__username")
        .order_by()
        .annotate(
            open=Count("*"),
            overdue=Count("store", filter=Q(respond_by__lt=now)),
            due_today=Count("store", filter=Q(respond_by__gte=now, respond_by__lt=end_of_day)),
            due_24h=Count("store", filter=Q(respond_by__gte=now, respond_by__lt=now + timedelta(hours=24))),
        )
    )
    agents = sorted(
        (
            AgentLoad(
                row["assignee_id"], row["assignee__username"], row["open"], row["due_today"], row["overdue"]
            )
            for row in load
            if row["assignee_id"]
        ),
        key=lambda agent: (-agent.overdue, -agent.open, agent.username),
    )
    totals = {
        "overdue": sum(row["overdue"] for row in load),
        "due_24h": sum(row["due_24h"] for row in load),
        "unassigned": sum(row["open"] for row in load if not row["assignee_id"]),
    }
    since = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        weeks=weeks
    )
    by_week: dict = {}
    opened = (
        Claim.objects.filter(store_id__in=store_ids, opened_at__gte=since)
        .annotate(week=TruncWeek("opened_at"))
        .values("week")
        .order_by()
        .annotate(
            n=Count("*"),
            won=Count("store", filter=Q(outcome__in=Outcome.wins())),
            lost=Count("store", filter=Q(outcome__in=Outcome.losses())),
        )
    )
    for row in opened:
        by_week[row["week"].date()] = Week(row["week"], row["n"], row["won"], row["lost"])
    series = [
        by_week.get(day) or Week(datetime.combine(day, datetime.min.time()))
        for day in week_starts(now, weeks)
    ]
    rates = defect_rates(stores, now)
    return Dashboard(
        overdue=totals["overdue"],
        due_24h=totals["due_24h"],
        unassigned=totals["unassigned"],
        agents=agents,
        stores=[(store, rates[store.pk]) for store in stores],
        weeks=series,
    )


# --- Post-mortems -------------------------------------------------------------------------


def open_actions(user, *, limit: int = 20) -> list[ImprovementAction]:
    """The improvement actions this user owns and has not done, soonest first (their queue)."""
    return list(
        ImprovementAction.objects.filter(owner=user, done_at__isnull=True, store__in=stores_for(user))
        .select_related("post_mortem__claim__order", "owner")
        .order_by("due_on", "pk")[:limit]
    )


REPORT_GROUPS = {
    "store": ("store__name", _("Store")),
    "sku": ("claim__order__lines__sku", _("Product (SKU)")),
    "reason": ("claim__reason", _("Reason")),
}


@dataclass
class CauseRow:
    label: str
    closed: int = 0
    won: int = 0
    causes: dict[str, int] = field(default_factory=dict)

    @property
    def win_rate(self) -> Decimal | None:
        if not self.closed:
            return None
        return (Decimal(self.won) * 100 / self.closed).quantize(Decimal("1"))

    def cause_counts(self) -> list[int]:
        return [self.causes.get(cause, 0) for cause in RootCause.values]


@dataclass
class PostMortemReport:
    group: str
    weeks: list[tuple[datetime, CauseRow]]
    rows: list[CauseRow]
    total: CauseRow


def post_mortems_for(user, *, store: int | None = None, weeks: int = 12, now: datetime | None = None):
    """Post-mortems of the stores this user manages, written in the last `weeks` weeks."""
    now = now or timezone.now()
    since = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        weeks=weeks
    )
    store_ids = list(managed_stores_for(user).values_list("pk", flat=True))
    if store is not None:
        store_ids = [pk for pk in store_ids if pk == store]
    return PostMortem.objects.filter(store_id__in=store_ids, written_at__gte=since)


def post_mortem_report(
    user, *, group: str = "store", store: int | None = None, weeks: int = 12, now: datetime | None = None
) -> PostMortemReport:
    """Win rate and root causes over time, and by store, product or reason: three grouped
    queries, whatever the number of post-mortems."""
    now = now or timezone.now()
    group = group if group in REPORT_GROUPS else "store"
    field_name = REPORT_GROUPS[group][0]
    chosen = post_mortems_for(user, store=store, weeks=weeks, now=now)
    won = Count("store", filter=Q(outcome__in=Outcome.wins()))

    def fill(row: CauseRow, item: dict) -> None:
        row.closed += item["n"]
        row.won += item["won"]
        row.causes[item["root_cause"]] = row.causes.get(item["root_cause"], 0) + item["n"]

    by_week: dict = {}
    total = CauseRow(str(_("All")))
    for item in (
        chosen.annotate(week=TruncWeek("written_at"))
        .values("week", "root_cause")
        .order_by()
        .annotate(n=Count("*"), won=won)
    ):
        fill(by_week.setdefault(item["week"].date(), CauseRow(item["week"].date().isoformat())), item)
        fill(total, item)
    series = [
        (datetime.combine(day, datetime.min.time()), by_week.get(day) or CauseRow(day.isoformat()))
        for day in week_starts(now, weeks)
    ]

    labels = dict(Reason.choices) if group == "reason" else {}
    groups: dict[str, CauseRow] = {}
    # Distinct counts: an order with two lines of one SKU is one claim for that SKU.
    for item in (
        chosen.values(field_name, "root_cause")
        .order_by()
        .annotate(
            n=Count("pk", distinct=True), won=Count("pk", distinct=True, filter=Q(outcome__in=Outcome.wins()))
        )
    ):
        key = item[field_name] or "—"
        fill(groups.setdefault(key, CauseRow(str(labels.get(key, key)))), item)
    rows = sorted(groups.values(), key=lambda row: (-row.closed, row.label))
    return PostMortemReport(group=group, weeks=series, rows=rows, total=total)
