"""The header's search box: one query over what an agent pastes or remembers (an order id with
text around it, a claim number, a buyer's alias, a tracking number, a SKU, words of a product
title or of a message), answered in groups by kind, only from the user's stores.

Each kind is a source: a function from the parsed query and the user's store ids to a few hits.
The apps above `disputes` add theirs in `AppConfig.ready()` (messaging adds message text), so
this module never imports them.

On PostgreSQL the `*_search_*` indexes (migrations `0012_search_indexes` and
`0036_products_for_search` here, messaging's `0008_message_text_search_index`) answer each source: trigram GIN indexes on `UPPER(column)`
for the contains matches Django writes as `UPPER(col::text) LIKE UPPER('%…%')`, a full-text
GIN index for message text. SQLite has neither; the same queries run as plain scans there.
"""

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connection, models, transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Buyer, Claim, Order, OrderLine, Product, Shipment

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# A contains match needs three characters: a trigram index cannot serve a shorter one, and
# two characters match half the database anyway.
MIN_TERM = 3
MAX_QUERY = 200
MAX_TERMS = 4
HITS_PER_KIND = 10
HITS_OF_ONE_KIND = 50

# What an identifier is made of: letters, digits and the joiners platforms put in ids and
# addresses ("111-2223334-5556667", "1Z999AA10123456784", "alias+x@relay.example").
_TOKEN = re.compile(r"[\w@.+\-]+")
_EDGE = "-.+@_"


@dataclass(frozen=True)
class Query:
    """What a search box's text is made of."""

    text: str  # the whole query, whitespace collapsed
    terms: tuple[str, ...]  # identifier-like pieces to look for in id columns
    number: int | None  # a claim number ("123", "#123")

    @property
    def has_words(self) -> bool:
        """Long enough to look for in titles, names and message text."""
        return len(self.text) >= MIN_TERM

    @property
    def usable(self) -> bool:
        return bool(self.terms) or self.number is not None or self.has_words


def parse(text: str) -> Query:
    """Split what was typed or pasted into the pieces each kind matches on. An id pasted with
    words or punctuation around it ("Order# 111-2223334-5556667 —") still yields the id."""
    text = " ".join(text.split())[:MAX_QUERY]
    tokens = [token.strip(_EDGE) for token in _TOKEN.findall(text)]
    # Ids and addresses carry a digit or an "@"; a plain word is matched as part of the text.
    ids = [t for t in tokens if len(t) >= MIN_TERM and (any(c.isdigit() for c in t) or "@" in t)]
    terms: list[str] = []
    for term in [text, *sorted(ids, key=len, reverse=True)]:
        if len(term) >= MIN_TERM and term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    number_text = text.removeprefix("#").strip()
    number = int(number_text) if number_text.isdigit() and len(number_text) <= 9 else None
    return Query(text=text, terms=tuple(terms[:MAX_TERMS]), number=number)


def any_contains(column: str, terms: Sequence[str]) -> Q:
    """The column contains one of the terms, case aside."""
    condition = Q()
    for term in terms:
        condition |= Q(**{f"{column}__icontains": term})
    return condition


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    detail: str = ""
    store: str = ""
    exact: bool = False  # the query named this very thing (its id), not a part of it


@dataclass
class Group:
    kind: str
    label: "StrOrPromise"
    hits: list[Hit] = field(default_factory=list)
    more: bool = False


Finder = Callable[[Query, list[int], int], list[Hit]]


@dataclass(frozen=True)
class Source:
    kind: str
    label: "StrOrPromise"
    find: Finder  # (query, store ids, how many) -> at most that many hits, best first


_SOURCES: dict[str, Source] = {}


def register(kind: str, label: "StrOrPromise", find: Finder) -> None:
    """Add a kind of result; the apps above add theirs in `ready()`."""
    _SOURCES[kind] = Source(kind, label, find)


def kinds() -> list[Source]:
    return list(_SOURCES.values())


def search(store_ids: list[int], query: Query, *, kind: str = "") -> list[Group]:
    """Every kind's hits for this query, or more of one kind. One query per kind at most."""
    if not query.usable or not store_ids:
        return []
    sources = [s for s in _SOURCES.values() if s.kind == kind] if kind else list(_SOURCES.values())
    limit = HITS_OF_ONE_KIND if kind else HITS_PER_KIND
    groups = []
    for source in sources:
        hits = source.find(query, store_ids, limit + 1)
        if hits:
            groups.append(Group(source.kind, source.label, hits[:limit], more=len(hits) > limit))
    return groups


def only_exact(groups: list[Group]) -> Hit | None:
    """The one thing the query named by its id, when nothing else matched: go straight to it."""
    hits = [hit for group in groups for hit in group.hits]
    if len(hits) == 1 and hits[0].exact:
        return hits[0]
    return None


# --- Newest matches first, at a bounded cost ---------------------------------------------------

# How many of the newest rows a search reads first, matching each on the fly: a common term
# finds its page there without touching its (large) index entries.
RECENT_WINDOW = 1000
# How many matches a search reads through its index before it calls a term common.
INDEX_READ_CAP = 2000


@contextmanager
def _plans_limited_to(*allowed: str) -> Iterator[None]:
    """Only these kinds of scan for the queries inside (PostgreSQL): the planner's guess of how
    many rows a contains or full-text match has is often wrong by orders of magnitude, and a
    wrong guess turns "walk the primary key until ten rows match" into a scan of the whole table
    computing the match on every row (seconds at a million rows). Parallel workers are off too:
    starting them costs more than these small reads."""
    settings = [f"enable_{scan}" for scan in ("seqscan", "indexscan", "bitmapscan") if scan not in allowed]
    settings.append("max_parallel_workers_per_gather")
    # SET LOCAL ends with its transaction; inside a longer one (a test, ATOMIC_REQUESTS) it is
    # reset by hand, so nothing after it plans differently.
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "; ".join(
                f"SET LOCAL {name} = 0" if name.startswith("max_") else f"SET LOCAL {name} = off"
                for name in settings
            )
        )
        try:
            yield
        finally:
            if nested:
                cursor.execute("; ".join(f"RESET {name}" for name in settings))


def newest[M: models.Model](
    matches: QuerySet[M], scoped: QuerySet[M], limit: int, *, words: bool = False, window: int = RECENT_WINDOW
) -> list[M]:
    """The newest `limit` rows (by id) of `scoped` (the matches, filtered to the user's stores and
    shaped for display). `matches` is the bare text condition, which its index answers alone.

    On PostgreSQL, in steps that each stay bounded whatever the planner guesses:
    1. for `words` (titles, names, message text, where a term may well be common): the newest
       `window` rows of the table, walked backwards by id: a common term has its page there;
    2. else the ids of up to INDEX_READ_CAP matches through the search index only (a bitmap
       scan); when there are fewer, the newest of them are exact;
    3. else (a term common in old rows only) the primary key, walked back until the page fills.
    """
    if connection.vendor != "postgresql":
        return list(scoped.order_by("-pk")[:limit])
    if words:
        # A literal lower bound (not a subquery), so the planner sees how few rows it spans.
        top = scoped.model._default_manager.aggregate(top=Max("pk"))["top"] or 0
        # The window's rows are walked back on the primary key and each matched on the fly.
        # Left to itself the planner ANDs the key's range with the search index's bitmap, which
        # reads every match of a common word in the whole table first (84,000 messages for
        # "tracking number" at a million: 5.7 ms against 0.4, and ten times that at ten).
        with _plans_limited_to("indexscan"):
            recent = list(scoped.filter(pk__gt=top - window).order_by("-pk")[:limit])
        if len(recent) == limit:
            return recent
    with _plans_limited_to("bitmapscan"):
        ids = list(matches.order_by().values_list("pk", flat=True)[:INDEX_READ_CAP])
    if len(ids) < INDEX_READ_CAP:
        return list(scoped.filter(pk__in=ids).order_by("-pk")[:limit])
    with _plans_limited_to("indexscan"):
        return list(scoped.order_by("-pk")[:limit])


# --- What the disputes app knows how to find ----------------------------------------------------

# Newest first, by id (see `newest`).


def _order_hit(order: Order, exact: bool = False) -> Hit:
    return Hit(
        title=order.platform_order_id,
        url=reverse("disputes:order", args=[order.pk]),
        detail=str(order.buyer) if order.buyer else "",
        store=order.store.name,
        exact=exact,
    )


def find_orders(query: Query, store_ids: list[int], limit: int) -> list[Hit]:
    ids = [term for term in query.terms if any(c.isdigit() for c in term)]
    if not ids:
        return []
    # Exact ids first (the unique index of store and order id), then ids containing a term.
    exact = list(
        Order.objects.filter(store_id__in=store_ids, platform_order_id__in=ids)
        .select_related("store", "buyer")
        .order_by("-pk")[:limit]
    )
    if exact:  # the id was whole: other ids do not contain it
        return [_order_hit(order, exact=True) for order in exact]
    matches = Order.objects.filter(any_contains("platform_order_id", ids), store_id__in=store_ids)
    return [_order_hit(order) for order in newest(matches, matches.select_related("store", "buyer"), limit)]


def find_claims(query: Query, store_ids: list[int], limit: int) -> list[Hit]:
    # Two queries rather than one OR across the join, so each keeps its index.
    condition = any_contains("platform_claim_id", query.terms)
    if query.number is not None:
        condition |= Q(pk=query.number)
    matches = Claim.objects.filter(condition, store_id__in=store_ids)
    claims = newest(matches, matches.select_related("store", "order"), limit)
    ids = [term for term in query.terms if any(c.isdigit() for c in term)]
    if ids:  # the claims of an order named by its id
        orders = Order.objects.filter(store_id__in=store_ids, platform_order_id__in=ids)
        claims += (
            Claim.objects.filter(order__in=orders, store_id__in=store_ids)
            .exclude(pk__in=[claim.pk for claim in claims])
            .select_related("store", "order")
            .order_by("-pk")[: limit - len(claims)]
        )
    return [
        Hit(
            title=f"#{claim.pk} · {claim.get_reason_display()}",
            url=reverse("disputes:claim", args=[claim.pk]),
            detail=" · ".join(
                filter(
                    None,
                    [claim.get_kind_display(), claim.order.platform_order_id, claim.get_status_display()],
                )
            ),
            store=claim.store.name,
            exact=claim.pk == query.number,
        )
        for claim in claims
    ]


def find_buyers(query: Query, store_ids: list[int], limit: int) -> list[Hit]:
    if not query.has_words:
        return []
    # A whole alias first (the store's unique index): an e-mail address pasted in full shares
    # its domain's trigrams with every other buyer of the marketplace.
    buyers = list(
        Buyer.objects.filter(store_id__in=store_ids, alias__in=query.terms).select_related("store")[:limit]
    )
    if not buyers:
        matches = Buyer.objects.filter(
            any_contains("alias", query.terms) | Q(name__icontains=query.text), store_id__in=store_ids
        )
        buyers = newest(matches, matches.select_related("store"), limit, words=True)
    # A buyer has no page of their own: their latest order shows their history across orders.
    latest = {
        order["buyer_id"]: order["pk"]
        for order in Order.objects.filter(buyer__in=[buyer.pk for buyer in buyers])
        .order_by("buyer_id", "pk")
        .values("buyer_id", "pk")  # the last one per buyer wins
    }
    return [
        Hit(
            title=buyer.alias,
            url=reverse("disputes:order", args=[latest[buyer.pk]]),
            detail=buyer.name,
            store=buyer.store.name,
        )
        for buyer in buyers
        if buyer.pk in latest
    ]


def find_shipments(query: Query, store_ids: list[int], limit: int) -> list[Hit]:
    ids = [term for term in query.terms if any(c.isdigit() for c in term)]
    if not ids:
        return []
    # A whole tracking number first (its own index; carriers print them in capitals).
    whole = {*ids, *(term.upper() for term in ids)}
    shipments = list(
        Shipment.objects.filter(tracking_number__in=whole, order__store_id__in=store_ids)
        .select_related("order", "order__store")
        .order_by("-pk")[:limit]
    )
    if not shipments:
        matches = Shipment.objects.filter(any_contains("tracking_number", ids))
        scoped = matches.filter(order__store_id__in=store_ids).select_related("order", "order__store")
        shipments = newest(matches, scoped, limit)
    return [
        Hit(
            title=shipment.tracking_number,
            url=reverse("disputes:order", args=[shipment.order_id]),
            detail=f"{shipment.carrier} · {shipment.order.platform_order_id}".strip(" ·"),
            store=shipment.order.store.name,
        )
        for shipment in shipments
    ]


def find_products(query: Query, store_ids: list[int], limit: int) -> list[Hit]:
    if not query.has_words:
        return []
    text = any_contains("sku", query.terms) | Q(title__icontains=query.text)
    # The text is matched against the stores' products first (a few rows per SKU: disputes/
    # products.py), then again against the lines of the SKUs found, read by SKU: every line's
    # store, SKU and title is a product, so these are the very lines the text matches.
    skus = list(Product.objects.filter(text, store_id__in=store_ids).values_list("sku", flat=True).distinct())
    if not skus:
        return []
    matches = OrderLine.objects.filter(text, sku__in=skus)
    scoped = matches.filter(order__store_id__in=store_ids).select_related("order", "order__store")
    lines = newest(matches, scoped, limit, words=True)
    return [
        Hit(
            title=f"{line.sku} · {line.title}" if line.title else line.sku,
            url=reverse("disputes:order", args=[line.order_id]),
            detail=line.order.platform_order_id,
            store=line.order.store.name,
        )
        for line in lines
    ]


register("orders", _("Orders"), find_orders)
register("claims", _("Claims"), find_claims)
register("buyers", _("Buyers"), find_buyers)
register("tracking", _("Tracking numbers"), find_shipments)
register("products", _("Products (SKU and title)"), find_products)
