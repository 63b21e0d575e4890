"""The queue: open claims of the user's stores, due soonest first, a page at a time."""

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ..access import managed_stores_for, stores_for
from ..inputs import date_problem, parse_id
from ..models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    end_of_local_day,
)

PAGE_SIZE = 50
# A cursor this page makes is under 80 characters; anything far longer is not one.
MAX_CURSOR_CHARS = 200


@dataclass
class QueueFilters:
    store: int | None = None
    scope: str = "all"  # "all" of the user's stores, or only those they "managed"
    kind: str = ""
    status: str = "open"  # "open", "any", or one ClaimStatus value
    assignee: str = "anyone"  # "me", "unassigned", "anyone", or a user id
    due: str = "any"  # "overdue", "today", "24h", "7d", "any"
    snoozed: str = "awake"  # "awake" (not asleep), "snoozed" (asleep), "all"


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
    # A snoozed claim sleeps until its time, unless its response deadline falls inside the
    # snooze (Claim.is_snoozed): a snooze never hides a platform deadline.
    asleep = Q(snoozed_until__gt=now) & (Q(respond_by__isnull=True) | Q(respond_by__gt=F("snoozed_until")))
    awake = Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now) | Q(respond_by__lte=F("snoozed_until"))
    if filters.snoozed == "awake":
        claims = claims.filter(awake)
    elif filters.snoozed == "snoozed":
        claims = claims.filter(asleep)
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


def back_from_snooze(user, *, now: datetime | None = None, limit: int = 20) -> list[Claim]:
    """The user's snoozed claims whose time has come, oldest reminder first: the top of their
    queue until they take the snooze off. Theirs: assigned to them, or snoozed by them and
    assigned to nobody."""
    now = now or timezone.now()
    return list(
        Claim.objects.filter(store__in=stores_for(user), snoozed_until__lte=now)
        .filter(~Q(status=ClaimStatus.CLOSED))
        .filter(Q(assignee=user) | Q(assignee__isnull=True, snoozed_by=user))
        .select_related("store", "order")
        .order_by("snoozed_until", "pk")[:limit]
    )


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
