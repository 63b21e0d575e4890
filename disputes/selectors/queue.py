"""The queue: open claims of the user's stores, due soonest first (or sorted by another column),
a page at a time. Paging is by keyset: the cursor carries the sort values of the last row shown,
never an offset."""

import base64
import binascii
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..access import managed_stores_for, stores_for
from ..inputs import date_problem, parse_id
from ..models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    DueState,
    Priority,
    Store,
    end_of_local_day,
    response_due_state,
    warnings_or_default,
)

PAGE_SIZE = 50
# A cursor this page makes is a few hundred characters at most (an order id is its longest
# part); anything far longer is not one.
MAX_CURSOR_CHARS = 600
MAX_ORDER_ID_CHARS = 200


@dataclass(frozen=True)
class SortKey:
    """One column the queue sorts on: a field (or annotation) of the claims, how its values are
    written into a cursor, its direction, and whether it can be empty (empty values come last
    in either direction)."""

    field: str
    kind: str  # "time", "number", "text", "int"
    descending: bool = False
    nullable: bool = False

    def value_of(self, claim: "Claim | QueueClaim"):
        """The key's value on a claim; a `QueueClaim` holds it under the field's last part."""
        if isinstance(claim, QueueClaim):
            return getattr(claim, self.field.rsplit("__", 1)[-1])
        value = claim
        for part in self.field.split("__"):
            value = getattr(value, part)
        return value


# Each sortable column, ascending in what the column shows: "age" ascending is the newest first.
SORTS: dict[str, SortKey] = {
    "due": SortKey("respond_by", "time", nullable=True),
    "age": SortKey("opened_at", "time", descending=True),
    "amount": SortKey("shown_amount", "number", nullable=True),
    "order": SortKey("order__platform_order_id", "text"),
}
SORT_CHOICES = [*SORTS, *(f"-{name}" for name in SORTS)]
DEFAULT_SORT = "due"
# With "any status", open claims come first whatever the column: closed ones are history.
CLOSED_LAST = SortKey("closed_rank", "int")


@dataclass
class QueueFilters:
    store: int | None = None
    scope: str = "all"  # "all" of the user's stores, or only those they "managed"
    kind: str = ""
    status: str = "open"  # "open", "any", or one ClaimStatus value
    assignee: str = "anyone"  # "me", "unassigned", "anyone", or a user id
    due: str = "any"  # "overdue", "today", "24h", "7d", "any"
    snoozed: str = "awake"  # "awake" (not asleep), "snoozed" (asleep), "all"
    tag: str = ""  # a tag's id: only the claims carrying it
    sort: str = DEFAULT_SORT  # a SORTS name, "-" in front for the other direction


@dataclass(slots=True)
class QueueClaim:
    """A claim as the queue lists it: the columns its row shows and its cursor reads, with its
    order's, buyer's, store's, assignee's and deadline rule's, read as values in the one query
    (`ROW_COLUMNS`, in this order). Fifty rows of six model instances each cost more to build
    than the query took to run (issue #18)."""

    pk: int
    status: str
    kind: str
    reason: str
    priority: int
    respond_by: datetime | None
    opened_at: datetime
    amount: Decimal | None
    assignee_id: int | None
    order_id: int
    warn_hours_before: list | None  # the deadline rule's, None without a rule
    platform_order_id: str
    buyer_name: str | None
    buyer_alias: str | None
    total: Decimal
    currency: str
    store_name: str
    assignee_username: str | None
    shown_amount: Decimal | None  # the amount claimed, else the order's total
    closed_rank: int

    @property
    def is_open(self) -> bool:
        return self.status != ClaimStatus.CLOSED

    @property
    def priority_set(self) -> bool:
        return self.priority != Priority.NORMAL

    @property
    def buyer(self) -> str:
        """As `Buyer.__str__` writes the order's buyer; "" for none."""
        return self.buyer_name or self.buyer_alias or ""

    def due_state(self, now: datetime | None = None) -> DueState:
        return response_due_state(
            self.status, self.respond_by, warnings_or_default(self.warn_hours_before), now
        )


ROW_COLUMNS = (
    "pk",
    "status",
    "kind",
    "reason",
    "priority",
    "respond_by",
    "opened_at",
    "amount",
    "assignee_id",
    "order_id",
    "respond_rule__warn_hours_before",
    "order__platform_order_id",
    "order__buyer__name",
    "order__buyer__alias",
    "order__total",
    "order__currency",
    "store__name",
    f"assignee__{get_user_model().USERNAME_FIELD}",
    "shown_amount",
    "closed_rank",
)


@dataclass
class QueuePage:
    claims: list[QueueClaim]
    next_cursor: str | None
    filters: QueueFilters
    store_ids: list[int] = field(default_factory=list)


def sort_keys(filters: QueueFilters) -> list[SortKey]:
    name = filters.sort if filters.sort in SORT_CHOICES else DEFAULT_SORT
    key = SORTS[name.lstrip("-")]
    if name.startswith("-"):
        key = replace(key, descending=not key.descending)
    return [CLOSED_LAST, key] if filters.status == "any" else [key]


def _written(value, kind: str):
    if value is None:
        return None
    if kind == "time":
        return value.isoformat()
    if kind == "number":
        return str(value)
    return value


def encode_cursor(claim: "Claim | QueueClaim", keys: list[SortKey] | None = None) -> str:
    keys = keys if keys is not None else [SORTS[DEFAULT_SORT]]
    values = [_written(key.value_of(claim), key.kind) for key in keys]
    text = json.dumps([*values, claim.pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode()


def _read(value, key: SortKey):
    """One value of a cursor, checked as a value of its column; ValueError if it is not one."""
    if value is None:
        if not key.nullable:
            raise ValueError("empty value in a column that has none")
        return None
    if key.kind == "time":
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        # A time without its offset, or in a year no deadline has (which the database could not
        # even compare once shifted to UTC), is not a cursor this page made.
        if moment is None or moment.tzinfo is None or date_problem(moment):
            raise ValueError("not a time")
        return moment
    if key.kind == "number":
        if not isinstance(value, str) or len(value) > 30:
            raise ValueError("not an amount")
        try:
            number = Decimal(value)
        except InvalidOperation as error:
            raise ValueError("not an amount") from error
        if not number.is_finite():
            raise ValueError("not an amount")
        return number
    if key.kind == "text":
        if not isinstance(value, str) or len(value) > MAX_ORDER_ID_CHARS or "\x00" in value:
            raise ValueError("not an order id")
        return value
    if not isinstance(value, int) or isinstance(value, bool) or value not in (0, 1):
        raise ValueError("not a rank")
    return value


def decode_cursor(cursor: str, keys: list[SortKey] | None = None) -> tuple[list, int] | None:
    """A cursor from the URL; anything malformed, or made for another sort, means 'start from
    the top'."""
    keys = keys if keys is not None else [SORTS[DEFAULT_SORT]]
    if len(cursor) > MAX_CURSOR_CHARS:
        return None
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        if not isinstance(parts, list) or len(parts) != len(keys) + 1:
            return None
        values = [_read(value, key) for value, key in zip(parts, keys, strict=False)]
    except (ValueError, UnicodeDecodeError, binascii.Error, RecursionError):
        return None
    pk = parse_id(str(parts[-1])) if isinstance(parts[-1], int) and not isinstance(parts[-1], bool) else None
    if pk is None:
        return None
    return values, pk


def _after(keys: list[SortKey], values: list, pk: int) -> Q:
    """Everything after the row with these values, in the order of `keys` then the id: after on
    the first key, or equal on it and after on the rest (empty values last in both directions)."""
    after = Q(pk__gt=pk)
    for key, value in reversed(list(zip(keys, values, strict=True))):
        if value is None:
            # Nothing sorts after an empty value but other empty ones.
            after = Q(**{f"{key.field}__isnull": True}) & after
            continue
        beyond = Q(**{f"{key.field}__{'lt' if key.descending else 'gt'}": value})
        if key.nullable:
            beyond |= Q(**{f"{key.field}__isnull": True})
        after = beyond | (Q(**{key.field: value}) & after)
    return after


def _ordered(claims: QuerySet[Claim], keys: list[SortKey]) -> QuerySet[Claim]:
    claims = claims.annotate(
        shown_amount=Coalesce("amount", "order__total"),
        closed_rank=Case(When(status=ClaimStatus.CLOSED, then=Value(1)), default=Value(0)),
    )
    # Empty values last, on every database (SQLite would put NULLs first ascending).
    order = [
        F(key.field).desc(nulls_last=True) if key.descending else F(key.field).asc(nulls_last=True)
        for key in keys
    ]
    return claims.order_by(*order, "pk")


def queue_claims(
    user, filters: QueueFilters, *, now: datetime | None = None, stores: list[Store] | None = None
) -> QuerySet[Claim]:
    """The claims the queue shows for these filters, due soonest first (unsliced). `stores`:
    the user's stores (`stores_for(user)`) when the caller has read them already."""
    now = now or timezone.now()
    if filters.scope == "managed":
        store_ids = list(managed_stores_for(user).values_list("pk", flat=True))
    elif stores is not None:
        store_ids = [store.pk for store in stores]
    else:
        store_ids = list(stores_for(user).values_list("pk", flat=True))
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
    # A snoozed claim sleeps until its time, unless its response deadline falls inside the
    # snooze (Claim.is_snoozed): a snooze never hides a platform deadline.
    asleep = Q(snoozed_until__gt=now) & (Q(respond_by__isnull=True) | Q(respond_by__gt=F("snoozed_until")))
    awake = Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now) | Q(respond_by__lte=F("snoozed_until"))
    if filters.snoozed == "awake":
        claims = claims.filter(awake)
    elif filters.snoozed == "snoozed":
        claims = claims.filter(asleep)
    # Windows ahead do not include what is already overdue.
    if filters.tag.isdigit():
        claims = claims.filter(tags__id=int(filters.tag))
    if filters.due == "overdue":
        claims = claims.filter(respond_by__lt=now)
    elif filters.due == "today":
        claims = claims.filter(respond_by__gte=now, respond_by__lt=end_of_local_day(now))
    elif filters.due == "24h":
        claims = claims.filter(respond_by__gte=now, respond_by__lt=now + timedelta(hours=24))
    elif filters.due == "7d":
        claims = claims.filter(respond_by__gte=now, respond_by__lt=now + timedelta(days=7))
    return _ordered(claims, sort_keys(filters))


def neighbour_in_queue(
    user, filters: QueueFilters, claim: Claim, *, previous: bool = False, now: datetime | None = None
) -> Claim | None:
    """The claim after (or before) `claim` in the queue these filters give, in the queue's own
    sort order (the column sorted on, closed claims last with "any status", then the id)."""
    keys = sort_keys(filters)
    claims = queue_claims(user, filters, now=now)
    # The claim's own sort values as the queue computes them, even when the filters leave it out.
    here = _ordered(Claim.objects.filter(pk=claim.pk), keys).select_related("order").get()
    after = _after(keys, [key.value_of(here) for key in keys], here.pk)
    if not previous:
        return claims.filter(after).only("pk").first()
    return claims.exclude(after).exclude(pk=here.pk).reverse().only("pk").first()


def back_from_snooze(
    user, *, now: datetime | None = None, limit: int = 20, stores: list[Store] | None = None
) -> list[Claim]:
    """The user's snoozed claims whose time has come, oldest reminder first: the top of their
    queue until they take the snooze off. Theirs: assigned to them, or snoozed by them and
    assigned to nobody. Each claim carries its order's id as `platform_order_id` and its store's
    name as `store_name` (its order and store are not read). `stores`: the user's stores, when
    the page has read them. Written out, the same on PostgreSQL and SQLite: the queue asks it on
    every request and it is usually empty, and built with the ORM it cost several times what
    running it does (issue #18)."""
    now = now or timezone.now()
    store_ids = (
        [store.pk for store in stores]
        if stores is not None
        else list(stores_for(user).values_list("pk", flat=True))
    )
    marks = ", ".join(["%s"] * len(store_ids)) or "NULL"
    at = connection.ops.adapt_datetimefield_value(now)
    params = [*store_ids, at, ClaimStatus.CLOSED.value, user.pk, user.pk, limit]
    return list(Claim.objects.raw(BACK_FROM_SNOOZE.format(marks=marks), params))


BACK_FROM_SNOOZE = """
    SELECT c.id, c.store_id, c.order_id, c.reason, c.snoozed_until, c.snooze_note,
           o.platform_order_id, s.name AS store_name
    FROM disputes_claim c
    JOIN disputes_order o ON o.id = c.order_id
    JOIN disputes_store s ON s.id = c.store_id
    WHERE c.store_id IN ({marks}) AND c.snoozed_until <= %s AND c.status <> %s
      AND (c.assignee_id = %s OR (c.assignee_id IS NULL AND c.snoozed_by_id = %s))
    ORDER BY c.snoozed_until, c.id LIMIT %s
"""


def _due_rows_after(claims: QuerySet, values: list, pk: int) -> list:
    """The next page of the queue in its default order (due soonest first, then the id; no due
    date last), read so the cursor is a condition of the index scan, not a filter applied to
    every entry before it: the dated claims after `(respond_by, id)` as one row-value
    comparison, then, only if the page is not full, the undated ones."""
    (due,) = values
    if due is None:
        return list(claims.filter(respond_by__isnull=True, pk__gt=pk)[: PAGE_SIZE + 1])
    rows = list(claims.filter(TupleGreaterThan(Tuple(F("respond_by"), F("pk")), (due, pk)))[: PAGE_SIZE + 1])
    if len(rows) <= PAGE_SIZE:
        rows += claims.filter(respond_by__isnull=True)[: PAGE_SIZE + 1 - len(rows)]
    return rows


def queue_page(
    user,
    filters: QueueFilters,
    cursor: str = "",
    *,
    now: datetime | None = None,
    stores: list[Store] | None = None,
) -> QueuePage:
    keys = sort_keys(filters)
    claims = queue_claims(user, filters, now=now, stores=stores).values_list(*ROW_COLUMNS)
    position = decode_cursor(cursor, keys) if cursor else None
    if position and keys == [SORTS[DEFAULT_SORT]]:
        values = _due_rows_after(claims, *position)
    else:
        if position:
            claims = claims.filter(_after(keys, *position))
        values = list(claims[: PAGE_SIZE + 1])
    rows = [QueueClaim(*row) for row in values]
    next_cursor = encode_cursor(rows[PAGE_SIZE - 1], keys) if len(rows) > PAGE_SIZE else None
    return QueuePage(claims=rows[:PAGE_SIZE], next_cursor=next_cursor, filters=filters)
