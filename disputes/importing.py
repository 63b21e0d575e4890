"""Order import: Amazon's "All Orders" report and the desk's own CSV, all or nothing.

A file is read once, as a stream. Every row is checked; while no row has failed, rows are
written in batches inside one transaction, and any error at the end rolls that transaction
back, so a refused file leaves nothing behind. What stays in memory for the whole file is
small: the keys already seen (to catch duplicate and disagreeing lines) and the ids of the
orders created or changed. Re-importing a file writes nothing, because a row is saved only
when one of its values differs from what is stored; and an Amazon row written before and
unchanged since is not even read again (_Unchanged). A batch costs a fixed number of queries:
stored orders and lines are read as tuples and compared in Python, new ones are inserted by
COPY on PostgreSQL (executemany elsewhere), changed ones updated in bulk. On PostgreSQL those
queries run in a thread of their own, on the import's connection and in its transaction, while
the rows after them are parsed (_Queries).

The desk's CSV is described in docs/import-format.md. eBay's and Ozon's exports are read by
disputes.importers, with this module's reading and writing.
"""

from __future__ import annotations

import csv
import functools
import gc
import hashlib
import io
import operator
import queue
import re
import sys
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO, Literal, Protocol, TypeVar
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .inputs import date_problem, hidden_character, identifier_problem
from .models import (
    CANCELLED_ITEM_STATUSES,
    Buyer,
    FulfilmentChannel,
    Order,
    OrderImport,
    OrderLine,
    Platform,
    Shipment,
    Store,
)

# Rows read, looked up and written per round trip. Large enough that a 100,000-row report costs
# about 200 queries, small enough that a batch's rows stay about 15 MB (bench/import_orders.py:
# 1,000 rows cost 1.5 s more SQL and 5,000 rows 24 MB more memory).
BATCH_ROWS = 2500
# Rows between two calls of an import's `progress` callback.
PROGRESS_ROWS = 1000
# A refused file lists this many problems; the rest are only counted.
MAX_REPORTED_ERRORS = 200
# Amazon's All Orders report has about 30 columns and the desk's CSV 18; a header far wider or
# longer than that is not an order report, and is refused before any work is spent on it.
MAX_COLUMNS = 300
MAX_HEADER_CHARS = 20_000
# Rows are far shorter than this, even with a 100,000-character cell (which csv refuses anyway).
MAX_LINE_CHARS = 1_000_000
# A value quoted back in an error message is cut to this many characters.
SHOWN_VALUE_CHARS = 60

AMAZON_FORMAT = "amazon_all_orders"
DESK_CSV_FORMAT = "desk_csv"

# Active ISO 4217 codes (2025), to catch typos such as "USS" or "EUR0".
CURRENCIES = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "UYU",
        "UZS",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XCG",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
    ]
)

# Amazon's sales-channel column names the marketplace's site; the store is one marketplace.
AMAZON_SALES_CHANNELS = {
    "amazon.com": "US",
    "amazon.ca": "CA",
    "amazon.com.mx": "MX",
    "amazon.com.br": "BR",
    "amazon.co.uk": "GB",
    "amazon.de": "DE",
    "amazon.fr": "FR",
    "amazon.it": "IT",
    "amazon.es": "ES",
    "amazon.nl": "NL",
    "amazon.se": "SE",
    "amazon.pl": "PL",
    "amazon.com.be": "BE",
    "amazon.ie": "IE",
    "amazon.com.tr": "TR",
    "amazon.eg": "EG",
    "amazon.ae": "AE",
    "amazon.sa": "SA",
    "amazon.in": "IN",
    "amazon.co.jp": "JP",
    "amazon.com.au": "AU",
    "amazon.sg": "SG",
    "amazon.co.za": "ZA",
}

# Order statuses the All Orders report uses (the Orders API spells some without spaces).
# "Shipped - Delivered to Buyer" and the like are accepted by their prefix.
AMAZON_STATUSES = frozenset(
    {
        "pending",
        "pendingavailability",
        "unshipped",
        "partiallyshipped",
        "partially shipped",
        "shipping",
        "shipped",
        "complete",
        "cancelled",
        "canceled",
        "unfulfillable",
        "invoiceunconfirmed",
    }
)
AMAZON_STATUS_PREFIXES = ("shipped - ", "pending - ")
AMAZON_FULFILMENT = {
    "amazon": FulfilmentChannel.PLATFORM,
    "afn": FulfilmentChannel.PLATFORM,
    "merchant": FulfilmentChannel.SELLER,
    "mfn": FulfilmentChannel.SELLER,
}
CANCELLED = frozenset({"cancelled", "canceled"})

DESK_STATUSES = ("pending", "unshipped", "shipped", "delivered", "cancelled", "returned", "refunded")
DESK_FULFILMENT = {"seller": FulfilmentChannel.SELLER, "platform": FulfilmentChannel.PLATFORM}

MONEY = re.compile(r"^\d{1,10}(\.\d{1,2})?$")
WHOLE = re.compile(r"^[+-]?\d+$")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_QUANTITY = 2_147_483_647
# The quantities of nearly every line, read without the full checks (0: only where allowed).
QUANTITIES = {str(number): number for number in range(1000)}
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Amounts already read, by their text ("19.99" → Decimal): a report repeats a few hundred prices.
MONEY_READ_SIZE = 10_000
_MONEY_READ: dict[str, Decimal] = {}

# Amazon's money columns beside item-price, each stored on the line under its own name.
AMAZON_CHARGES = {
    "item-tax": "item_tax",
    "shipping-price": "shipping_price",
    "shipping-tax": "shipping_tax",
    "gift-wrap-price": "gift_wrap_price",
    "gift-wrap-tax": "gift_wrap_tax",
    "item-promotion-discount": "item_promotion_discount",
    "ship-promotion-discount": "ship_promotion_discount",
}
DISCOUNTS = ("item_promotion_discount", "ship_promotion_discount")
ADDED_CHARGES = tuple(name for name in AMAZON_CHARGES.values() if name not in DISCOUNTS)


# --- Result -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int | None  # 1-based line of the file (the header is line 1); None: the whole file
    message: str


@dataclass
class ImportResult:
    ok: bool
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    orders_created: int = 0
    orders_updated: int = 0
    lines_created: int = 0
    lines_updated: int = 0
    errors_not_shown: int = 0
    file_format: str = ""
    buyers_created: int = 0
    shipments_created: int = 0
    shipments_updated: int = 0
    sha256: str = ""
    # When this store imported a file with the same fingerprint before, the latest such time.
    previously_imported_at: datetime | None = None
    # Refused untouched because another import into the store was running.
    busy: bool = False
    # Amazon's regional reports: rows of a marketplace with no store here, by sales channel.
    skipped: dict[str, int] = field(default_factory=dict)
    # The stores that received rows besides the one imported into (other marketplaces).
    other_stores: list[str] = field(default_factory=list)

    @property
    def skipped_notes(self) -> list[str]:
        return [
            ngettext(
                "%(count)d row of %(channel)s skipped: no store.",
                "%(count)d rows of %(channel)s skipped: no store.",
                count,
            )
            % {"count": count, "channel": channel}
            for channel, count in sorted(self.skipped.items())
        ]

    @property
    def changed_anything(self) -> bool:
        return any(
            (
                self.orders_created,
                self.orders_updated,
                self.lines_created,
                self.lines_updated,
                self.buyers_created,
                self.shipments_created,
                self.shipments_updated,
            )
        )

    @property
    def repeat_without_change(self) -> bool:
        """A file seen before that changed nothing: worth saying so, it is not an error."""
        return self.ok and self.previously_imported_at is not None and not self.changed_anything


class _ErrorList:
    def __init__(self) -> None:
        self.shown: list[RowError] = []
        self.total = 0

    def add(self, line: int | None, message: str) -> None:
        self.total += 1
        if len(self.shown) < MAX_REPORTED_ERRORS:
            self.shown.append(RowError(line, message))

    def __bool__(self) -> bool:
        return self.total > 0


# --- Parsed rows --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What a row says about its order. Every line of one order must say the same."""

    platform_order_id: str
    purchased_at: datetime
    status: str
    fulfilment_channel: str
    currency: str
    # None: the file does not say, and what the desk already knows is kept.
    ship_country: str | None = None
    ship_by: datetime | None = None
    latest_delivery: datetime | None = None
    buyer_alias: str | None = None


@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    tracking_number: str
    carrier: str | None
    shipped_at: datetime | None
    delivered_at: datetime | None


@dataclass(slots=True)
class ParsedRow:
    line: int
    order: OrderFacts
    line_key: str
    sku: str
    title: str | None
    quantity: int
    amount: Decimal  # the line's amount: quantity × unit price, as Amazon's item-price
    shipment: ShipmentFacts | None = None
    # The store the row goes to; None: the store being imported into.
    store: Store | None = None
    item_status: str | None = None  # None: the format does not say
    # Tax, shipping, gift wrap and discounts of the line (OrderLine's field names); None: the
    # format has no such columns, and what the desk holds is kept.
    charges: dict[str, Decimal] | None = None
    # The format has no line id, so a SKU repeated in one order is a further line of it
    # (keyed "SKU #2", "SKU #3"…) rather than an error.
    repeats_allowed: bool = False
    # Fingerprints of the row and of its order details, kept on its line (formats that pass
    # over unchanged rows only; see _Unchanged).
    row_digest: int | None = None
    facts_digest: int | None = None
    # Further shipments of the order beyond `shipment` (an API reports every parcel).
    more_shipments: tuple[ShipmentFacts, ...] = ()


def _shown(value: str) -> str:
    """A cell's value as an error message quotes it: short, and with hidden characters visible."""
    if len(value) > SHOWN_VALUE_CHARS:
        value = value[:SHOWN_VALUE_CHARS] + "…"
    if hidden_character(value):
        value = "".join(f"<U+{ord(c):04X}>" if hidden_character(c) else c for c in value)
    return value


class _Stripped(dict[str, str]):
    """A row's cells by column name, stripped; a column the row does not have reads as ""."""

    def __missing__(self, column: str) -> str:
        return ""


class _Cells:
    """One row's cells by column name, and the problems found while reading them."""

    __slots__ = ("values", "tz", "problems")

    def __init__(self, columns: Iterable[str], values: Iterable[str], tz: tzinfo) -> None:
        self.values = _Stripped(zip(columns, map(str.strip, values), strict=False))
        self.tz = tz
        self.problems: list[str] = []

    def text(self, column: str) -> str:
        return (self.values.get(column) or "").strip()

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def required(self, column: str, *, max_length: int) -> str:
        value = self.text(column)
        if not value:
            self.problem(_("%(column)s is empty.") % {"column": column})
        elif len(value) > max_length:
            self.problem(
                _("%(column)s is longer than %(max)d characters.") % {"column": column, "max": max_length}
            )
        return value

    def optional(self, column: str, *, max_length: int) -> str | None:
        value = self.text(column)
        if len(value) > max_length:
            self.problem(
                _("%(column)s is longer than %(max)d characters.") % {"column": column, "max": max_length}
            )
        return value or None

    def identifier(self, column: str, *, max_length: int, required: bool = True) -> str:
        """An order id, SKU, tracking number…: it ends up in file names and e-mail headers."""
        value = (self.required if required else self.optional)(column, max_length=max_length) or ""
        if problem := identifier_problem(value):
            self.problem(f"{column}: {problem}")
        return value

    def when(self, column: str, *, required: bool = False, end_of_day: bool = False) -> datetime | None:
        """A date or date-time. Without an offset it is read in the store's time zone; a bare
        date is the start of that day, or its end for promises such as "ship by"."""
        raw = self.text(column)
        if not raw:
            if required:
                self.problem(_("%(column)s is empty.") % {"column": column})
            return None
        try:
            if len(raw) == 10 and DATE_ONLY.match(raw):
                day = date.fromisoformat(raw)
                value = datetime.combine(day, time(23, 59, 59) if end_of_day else time.min)
            else:
                value = datetime.fromisoformat(raw)
        except ValueError:
            self.problem(
                _(
                    "%(column)s: “%(value)s” is not a date (expected ISO 8601, "
                    "e.g. 2026-05-01 or 2026-05-01T10:15:32+00:00)."
                )
                % {"column": column, "value": _shown(raw)}
            )
            return None
        if problem := date_problem(value):
            self.problem(f"{column}: {problem}")
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.tz)
        return value

    def quantity(self, column: str, *, allow_zero: bool) -> int | None:
        raw = self.text(column)
        if not raw:
            self.problem(_("%(column)s is empty.") % {"column": column})
            return None
        if not WHOLE.match(raw):
            if NUMBER.match(raw):
                self.problem(
                    _("%(column)s “%(value)s” is not a whole number.")
                    % {"column": column, "value": _shown(raw)}
                )
            else:
                self.problem(
                    _("%(column)s “%(value)s” is not a number.") % {"column": column, "value": _shown(raw)}
                )
            return None
        if len(raw.lstrip("+-").lstrip("0")) > len(str(MAX_QUANTITY)):
            # Too long to be a quantity, and too long to quote or even convert safely.
            self.problem(_("%(column)s is too large.") % {"column": column})
            return None
        value = int(raw)
        if value < 0:
            self.problem(_("%(column)s %(value)d is negative.") % {"column": column, "value": value})
        elif value == 0 and not allow_zero:
            self.problem(_("%(column)s is 0: a line needs at least one item.") % {"column": column})
        elif value > MAX_QUANTITY:
            self.problem(_("%(column)s %(value)d is too large.") % {"column": column, "value": value})
        else:
            return value
        return None

    def money(self, column: str, *, blank_is_zero: bool = False, signed: bool = False) -> Decimal | None:
        """A non-negative amount; with `signed`, a leading minus is allowed and dropped (Amazon
        writes discounts either way, and the desk stores them as positive amounts)."""
        raw = self.text(column)
        if signed and raw.startswith("-"):
            raw = raw[1:]
        # Prices repeat from row to row: one Decimal per distinct value read.
        if (known := _MONEY_READ.get(raw)) is not None:
            return known
        if not raw:
            if blank_is_zero:
                return ZERO
            self.problem(_("%(column)s is empty.") % {"column": column})
            return None
        if not MONEY.match(raw):
            self.problem(
                _(
                    "%(column)s “%(value)s” is not a price (expected e.g. 19.99: digits, "
                    "a dot, at most two decimals, not negative)."
                )
                % {"column": column, "value": _shown(raw)}
            )
            return None
        try:
            value = Decimal(raw).quantize(CENT)
        except InvalidOperation:  # pragma: no cover - the pattern already rules this out
            self.problem(
                _("%(column)s “%(value)s” is not a price.") % {"column": column, "value": _shown(raw)}
            )
            return None
        if len(_MONEY_READ) >= MONEY_READ_SIZE:
            _MONEY_READ.clear()
        _MONEY_READ[raw] = value
        return value

    def currency(self, column: str, *, default: str | None = None) -> str | None:
        raw = self.text(column).upper()
        if not raw:
            if default:
                return default
            self.problem(_("%(column)s is empty.") % {"column": column})
            return None
        if raw not in CURRENCIES:
            self.problem(
                _("%(column)s “%(value)s” is not a known currency code (ISO 4217, e.g. USD).")
                % {"column": column, "value": _shown(raw)}
            )
            return None
        return raw

    def country(self, column: str) -> str | None:
        raw = self.text(column).upper()
        if not raw:
            return None
        if not COUNTRY.match(raw):
            self.problem(
                _("%(column)s “%(value)s” is not a two-letter country code.")
                % {"column": column, "value": _shown(raw)}
            )
            return None
        return raw


# --- Formats ------------------------------------------------------------------------------


# One of csv.QUOTE_* (csv's own name for this type is private).
Quoting = Literal[0, 1, 2, 3, 4, 5]


class ReportFormat(Protocol):
    name: str
    delimiter: str
    quoting: Quoting
    required: tuple[str, ...]
    aliases: dict[str, str]

    # Rows left out because their marketplace has no store here, by sales channel.
    skipped: Counter[str]

    def check_store(self) -> str | None: ...

    def stores(self) -> list[Store]: ...

    def parse(self, cells: _Cells) -> ParsedRow | None: ...


class AmazonAllOrders:
    """Amazon's "All Orders" flat file: tab-separated, one row per order line, no quoting
    (a product name may hold a bare `"`), no order-item id (so a line is keyed by its SKU)."""

    name = AMAZON_FORMAT
    delimiter = "\t"
    quoting: Quoting = csv.QUOTE_NONE
    required: tuple[str, ...] = (
        "amazon-order-id",
        "purchase-date",
        "order-status",
        "fulfillment-channel",
        "sku",
        "quantity",
        "currency",
        "item-price",
    )
    # Some marketplaces' versions of the report call the quantity column this.
    aliases = {"quantity-purchased": "quantity"}
    # Each row stands alone (nothing carries over from the row before), so a row imported
    # before, unchanged, can be passed over: see _Unchanged.
    skips_unchanged = True

    def __init__(self, store: Store, others: Iterable[Store] = ()) -> None:
        self.store = store
        self.skipped: Counter[str] = Counter()
        # A regional report (North America, Europe) lists every marketplace of the region: each
        # row goes to the Amazon store of its marketplace among `others`, the store imported
        # into first. A marketplace served by two of those stores is left to neither.
        self.by_country: dict[str, Store | None] = {}
        for other in others:
            if other.platform == Platform.AMAZON and other.is_active and other.pk != store.pk:
                known = other.marketplace in self.by_country
                self.by_country[other.marketplace] = None if known else other
        self.by_country[store.marketplace] = store

    def stores(self) -> list[Store]:
        return [store for store in self.by_country.values() if store is not None]

    def check_store(self) -> str | None:
        if self.store.platform != Platform.AMAZON:
            return _("%(store)s is not an Amazon store: an Amazon report cannot be imported into it.") % {
                "store": self.store.name
            }
        return None

    def parse(self, cells: _Cells) -> ParsedRow | None:
        # Each cell is read once (stripped already: see _Cells). The common, valid shapes are
        # taken as they come; anything else goes through _Cells' full checks, which say what
        # is wrong.
        text = cells.values.__getitem__
        channel = text("sales-channel")
        store = self._route(cells, channel)
        if store is None:
            return None
        order_id = text("amazon-order-id")
        if not (order_id and len(order_id) <= 64 and order_id.isprintable()):
            order_id = cells.identifier("amazon-order-id", max_length=64)
        status = text("order-status")
        folded = status.casefold()
        if not (
            status
            and len(status) <= 40
            and (folded in AMAZON_STATUSES or folded.startswith(AMAZON_STATUS_PREFIXES))
        ):
            status = self._status(cells)
            folded = status.casefold()
        item_status = text("item-status")
        if len(item_status) > 40:
            item_status = cells.optional("item-status", max_length=40) or ""
        if not item_status and folded in CANCELLED:
            item_status = status  # a cancelled order's lines are cancelled too
        cancelled = item_status.casefold() in CANCELLED
        multi_channel = channel.casefold().startswith("non-amazon")
        # Amazon leaves prices and currency empty until an order is paid, reports a cancelled
        # line with quantity 0, and may leave both empty on multi-channel (Non-Amazon) orders.
        unpriced = cancelled or folded.startswith("pending") or multi_channel
        fulfilment = AMAZON_FULFILMENT.get(text("fulfillment-channel").casefold())
        if fulfilment is None:
            cells.problem(
                _("fulfillment-channel “%(value)s” is unknown (expected Amazon or Merchant).")
                % {"value": _shown(text("fulfillment-channel"))}
            )
        purchased_at = cells.when("purchase-date", required=True)
        sku = text("sku")
        if not (sku and len(sku) <= 64 and sku.isprintable()):
            sku = cells.identifier("sku", max_length=64)
        quantity = QUANTITIES.get(text("quantity"))
        if quantity is None or (quantity == 0 and not cancelled):
            quantity = cells.quantity("quantity", allow_zero=cancelled)
        amount = _MONEY_READ.get(text("item-price"))
        if amount is None:
            amount = cells.money("item-price", blank_is_zero=unpriced)
        currency: str | None = text("currency").upper()
        if currency not in CURRENCIES:
            currency = cells.currency("currency", default=store.currency if unpriced else None)
        if currency and currency != store.currency:
            cells.problem(
                _("currency %(currency)s is not the currency of store %(store)s (%(expected)s).")
                % {"currency": currency, "store": store.name, "expected": store.currency}
            )
        ship_country: str | None = text("ship-country").upper()
        if not (
            ship_country and len(ship_country) == 2 and ship_country.isascii() and ship_country.isalpha()
        ):
            ship_country = cells.country("ship-country")
        title = text("product-name")[:500] or None
        charges: dict[str, Decimal | None] = {}
        for column, name in AMAZON_CHARGES.items():
            raw = text(column)
            if not raw:
                charges[name] = ZERO
            elif (known := _MONEY_READ.get(raw)) is not None:
                charges[name] = known
            else:
                charges[name] = cells.money(column, blank_is_zero=True, signed=name in DISCOUNTS)
        if cells.problems:
            return None
        # Each of these reported a problem when it had no value.
        assert (
            purchased_at is not None
            and fulfilment is not None
            and currency is not None
            and quantity is not None
            and amount is not None
        )
        return ParsedRow(
            line=0,
            order=OrderFacts(
                platform_order_id=order_id,
                purchased_at=purchased_at,
                status=status,
                fulfilment_channel=fulfilment,
                currency=currency,
                ship_country=ship_country,
            ),
            line_key=sku,
            sku=sku,
            title=title,
            quantity=quantity,
            amount=amount,
            item_status=item_status,
            charges={name: value for name, value in charges.items() if value is not None},
            repeats_allowed=True,
            store=store if store is not self.store else None,
        )

    def line_of(self, channel: str, order_id: str, sku: str) -> tuple[Store, str, str] | None:
        """(store, order id, SKU) a row with these (stripped) cells would be written to, read
        without any check; None when its marketplace has no store here or is unknown (parse()
        tells which)."""
        folded = channel.casefold()
        if not channel or folded.startswith("non-amazon"):
            store: Store | None = self.store
        else:
            store = self.by_country.get(AMAZON_SALES_CHANNELS.get(folded, ""))
        if store is None:
            return None
        return store, order_id, sku

    def _status(self, cells: _Cells) -> str:
        status = cells.required("order-status", max_length=40)
        folded = status.casefold()
        if status and folded not in AMAZON_STATUSES and not folded.startswith(AMAZON_STATUS_PREFIXES):
            cells.problem(_("order-status “%(value)s” is unknown.") % {"value": _shown(status)})
        return status

    def _route(self, cells: _Cells, channel: str) -> Store | None:
        """The store the row goes to, by its sales channel (the cell's text). None: the row is
        skipped (and counted), or its channel is unknown (a problem is noted)."""
        folded = channel.casefold()
        # Blank, or an order from another sales channel that Amazon fulfilled (MCF).
        if not channel or folded.startswith("non-amazon"):
            return self.store
        country = AMAZON_SALES_CHANNELS.get(folded)
        if country is None:
            cells.problem(
                _("sales-channel “%(value)s” is not an Amazon marketplace the desk knows.")
                % {"value": _shown(channel)}
            )
            return self.store  # the row's other cells are still checked
        store = self.by_country.get(country)
        if store is None:
            self.skipped[channel] += 1
        return store


class DeskCsv:
    """The desk's own comma-separated format, for other platforms and manual exports."""

    name = DESK_CSV_FORMAT
    delimiter = ","
    quoting: Quoting = csv.QUOTE_MINIMAL
    required: tuple[str, ...] = (
        "order_id",
        "purchase_date",
        "status",
        "fulfilment",
        "sku",
        "quantity",
        "item_price",
        "currency",
    )
    aliases: dict[str, str] = {}

    def __init__(self, store: Store) -> None:
        self.store = store
        self.skipped: Counter[str] = Counter()

    def check_store(self) -> str | None:
        return None

    def stores(self) -> list[Store]:
        return [self.store]

    def parse(self, cells: _Cells) -> ParsedRow | None:
        store_name = cells.text("store")
        if store_name and store_name.casefold() != self.store.name.casefold():
            cells.problem(
                _("unknown store “%(value)s”: this file is being imported into %(store)s.")
                % {"value": _shown(store_name), "store": self.store.name}
            )
        order_id = cells.identifier("order_id", max_length=64)
        status = cells.text("status").casefold()
        if status not in DESK_STATUSES:
            cells.problem(
                _("status “%(value)s” is unknown (expected one of: %(choices)s).")
                % {"value": _shown(cells.text("status")), "choices": ", ".join(DESK_STATUSES)}
            )
        fulfilment = DESK_FULFILMENT.get(cells.text("fulfilment").casefold())
        if fulfilment is None:
            cells.problem(
                _("fulfilment “%(value)s” is unknown (expected seller or platform).")
                % {"value": _shown(cells.text("fulfilment"))}
            )
        purchased_at = cells.when("purchase_date", required=True)
        sku = cells.identifier("sku", max_length=64)
        quantity = cells.quantity("quantity", allow_zero=status == "cancelled")
        unit_price = cells.money("item_price")
        currency = cells.currency("currency")
        ship_country = cells.country("ship_country")
        ship_by = cells.when("ship_by", end_of_day=True)
        latest_delivery = cells.when("latest_delivery", end_of_day=True)
        buyer_alias = cells.identifier("buyer_alias", max_length=255, required=False) or None
        shipment = self._shipment(cells)
        title = cells.text("title")[:500] or None
        if cells.problems:
            return None
        # Each of these reported a problem when it had no value.
        assert (
            purchased_at is not None
            and fulfilment is not None
            and currency is not None
            and quantity is not None
            and unit_price is not None
        )
        return ParsedRow(
            line=0,
            order=OrderFacts(
                platform_order_id=order_id,
                purchased_at=purchased_at,
                status=status,
                fulfilment_channel=fulfilment,
                currency=currency,
                ship_country=ship_country,
                ship_by=ship_by,
                latest_delivery=latest_delivery,
                buyer_alias=buyer_alias,
            ),
            line_key=sku,
            sku=sku,
            title=title,
            quantity=quantity,
            amount=(unit_price * quantity).quantize(Decimal("0.01")),
            shipment=shipment,
        )

    def _shipment(self, cells: _Cells) -> ShipmentFacts | None:
        tracking = cells.identifier("tracking_number", max_length=100, required=False)
        carrier = cells.identifier("carrier", max_length=100, required=False) or None
        shipped_at = cells.when("shipped_at")
        delivered_at = cells.when("delivered_at")
        if shipped_at and delivered_at and delivered_at < shipped_at:
            cells.problem(_("delivered_at is before shipped_at."))
        if not (tracking or carrier or shipped_at or delivered_at):
            return None
        return ShipmentFacts(tracking or "", carrier, shipped_at, delivered_at)


# --- Reading ------------------------------------------------------------------------------


class ProgressReport(Protocol):
    """Told how an import goes: rows read, written and refused so far, and how far into the file
    (in bytes) the rows being written end."""

    def __call__(self, read: int, written: int, errors: int, *, position: int) -> None: ...


class _HashingReader(io.RawIOBase):
    """Passes a binary file through, fingerprinting every byte read."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.sha256 = hashlib.sha256()
        self.consumed = 0  # bytes handed on so far

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.file.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.sha256.update(data)
        self.consumed += size
        return size

    def hexdigest(self) -> str:
        while chunk := self.file.read(1 << 16):
            self.sha256.update(chunk)
        return self.sha256.hexdigest()


def _rewind(file: BinaryIO) -> None:
    if file.seekable():
        file.seek(0)


def _legacy_encoding(store: Store) -> str:
    # Seller Central has long served flat files in the marketplace's Windows code page.
    return "cp932" if store.marketplace == "JP" else "cp1252"


# eBay's report starts with one blank (or comma-only) line; a few are tolerated, not more.
MAX_BLANK_LINES_ABOVE_HEADER = 5


def _blank_line(text: str) -> bool:
    return not text.strip().strip(",;").strip()


def _platform_export(header_text: str, store: Store) -> ReportFormat | None:
    from .importers import detect  # the platforms' exports use this module's helpers

    return detect(header_text, store)


class _Refused(Exception):
    """Raised inside the transaction so that everything written so far is rolled back."""


# Namespace of the import locks among PostgreSQL advisory locks (the letters "ORDR").
IMPORT_LOCK_SPACE = 0x4F524452


def _take_store_lock(store: Store) -> bool:
    """One import per store at a time: two runs of one report would both insert its new
    orders and shipments. On PostgreSQL a transaction-level advisory lock, which ends with
    the import's transaction, so a crashed or killed import cannot leave it behind; it is
    tried, not waited for, so the second import is told at once. SQLite needs none: every
    transaction begins IMMEDIATE, holding the database's write lock until it ends."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s::integer, %s::integer)", [IMPORT_LOCK_SPACE, store.pk]
        )
        return cursor.fetchone()[0]


def _compile_queries(setting: str | None) -> str | None:
    """Sets PostgreSQL's `jit` for the rest of the transaction; returns what it was (None
    elsewhere). An import's look-ups are thousands of key probes whose estimated cost, on a
    store the table's statistics do not know yet, passes `jit_above_cost`: compiling them took
    7 ms of each 31 ms look-up of a batch's lines and ran nothing faster. The import turns it
    off while it reads and writes and sets it back after, so that what the caller's
    transaction runs next is planned as before (a refused import rolls it back with its
    writes)."""
    if connection.vendor != "postgresql" or setting is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), set_config('jit', %s, true)", [setting])
        return cursor.fetchone()[0]


# The foreign keys of the tables the import fills by the thousand (orders to their store and
# buyer, lines to their order).
CHECKED_AS_WRITTEN = (Order._meta.db_table, OrderLine._meta.db_table)


def _check_keys_as_written(*, immediate: bool) -> None:
    """PostgreSQL checks a foreign key at commit by default (Django makes them deferrable,
    initially deferred): for a first import, one look-up per order and per line, all at the
    end, after the file is read (about half a second per 100,000 lines). Checked IMMEDIATE,
    the same look-ups run at the end of each batch's statements instead, while the import
    parses the rows after it. Set back to DEFERRED once the rows are written, so that what the
    caller's transaction does next is checked as before; a refused import rolls the setting
    back with its writes. Nothing to do elsewhere (SQLite checks its keys at commit)."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(f"'{table}'::regclass" for table in CHECKED_AS_WRITTEN)
    with connection.cursor() as cursor:
        cursor.execute(
            "DO $$ DECLARE names text; BEGIN "
            "SELECT string_agg(quote_ident(conname), ', ') INTO names FROM pg_constraint "
            f"WHERE contype = 'f' AND condeferred AND conrelid IN ({tables}); "
            "IF names IS NOT NULL THEN "
            f"EXECUTE 'SET CONSTRAINTS ' || names || ' {'IMMEDIATE' if immediate else 'DEFERRED'}'; "
            "END IF; END $$"
        )


def import_orders(
    *,
    store: Store,
    file: BinaryIO,
    file_name: str,
    user: User | None = None,
    others: Iterable[Store] = (),
    progress: ProgressReport | None = None,
) -> ImportResult:
    """Import an order report into `store`: every row, or (when any row is wrong) none.

    `file` is a binary file that can be rewound (an upload, or a file opened with "rb").
    `others`: stores that rows of Amazon's regional reports may go to, by marketplace (the
    user's stores); rows of a marketplace without a store are skipped and counted.
    `progress(rows read, rows written, errors so far, position=bytes)` is called every
    PROGRESS_ROWS rows (position: how far into the file the rows being written end) and
    once the rows are all read; it runs inside the import's transaction, so what it records
    must go elsewhere (disputes/import_jobs.py)."""
    others = list(others)
    _rewind(file)
    head = file.read(1 << 16)
    first_line = head.split(b"\n", 1)[0]
    encodings = ["utf-8-sig"]
    if b"amazon-order-id" in first_line.lower():
        encodings.append(_legacy_encoding(store))
    elif b";" in first_line:
        # Ozon's exports come in UTF-8 or, saved again by Excel, in Windows-1251.
        encodings.append("cp1251")
    elif b"sales record number" in head.lower():
        # eBay's report, saved again by Excel in a Western code page (below a blank first line).
        encodings.append("cp1252")
    for encoding in encodings:
        _rewind(file)
        try:
            with _without_cycle_collection():
                return _Import(
                    store=store,
                    file=file,
                    file_name=file_name,
                    user=user,
                    encoding=encoding,
                    others=others,
                    progress=progress,
                ).run()
        except UnicodeDecodeError:
            continue
    return ImportResult(
        ok=False,
        errors=[
            RowError(
                None,
                _("The file is not text in a known encoding. Save it as “CSV UTF-8” and import it again."),
            )
        ],
    )


class _UnquotedRows:
    """csv.reader for a format without quoting (Amazon's report), giving each row as its line's
    text without the line break: such a line is one row, cut at every delimiter exactly as csv
    would cut it, and it is only cut (str.split) when its cells are read: a row passed over
    (_Unchanged) is fingerprinted and looked up from its text. A line longer than csv's cap on
    a cell goes through csv first, which refuses it (csv.Error) as it would."""

    def __init__(self, lines: Iterator[str], delimiter: str) -> None:
        self.lines = lines
        self.delimiter = delimiter
        self.line_num = 0
        self.cap = csv.field_size_limit()

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        text = next(self.lines)
        self.line_num += 1
        if len(text) > self.cap:
            # Raises csv.Error for a cell over the cap; otherwise csv cuts it as split would.
            next(csv.reader([text], delimiter=self.delimiter, quoting=csv.QUOTE_NONE), [])
        return text.rstrip("\r\n")


# A row of the file as read: (its line, its cells (a list from csv; the line's text from
# _UnquotedRows, cut when read), the problem reading it or None).
_Row = tuple[int, list[str] | str, str | None]


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector, paused while a file is imported. The rows' checks keep a few
    objects per row for the whole file, so every full collection walks them all again, more
    often as they grow: a third of a first import's time. What the import leaves behind is
    freed as it goes by reference counting; the collector resumes when it ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


T = TypeVar("T")
# Database jobs (a batch's look-up or writes) asked for and not yet run, at most: the reading
# of the file waits when it is this far ahead, so what waits for the database stays small.
QUEUED_JOBS = 4
# How long a thread that wants the interpreter waits for the one running Python before that one
# is made to let go (sys.setswitchinterval; 5 ms by default), while an import's query thread
# runs: it comes back from the server a dozen times a batch, and at 5 ms each it waited for
# the reading of the file longer than for the server (bench/README.md).
HAND_OFF_SECONDS = 0.0005


class _Queries:
    """The import's queries, run one after another in the order they are asked for, beside the
    reading and checking of the file's rows.

    On PostgreSQL they run in a thread of their own that borrows the import's connection, so
    they stay in its one transaction (all or nothing) and see what it wrote: while the server
    writes one batch or looks up the next, this process parses the rows after it (the server
    is a process of its own, and psycopg lets go of the GIL while it waits for it). Elsewhere
    (SQLite, whose writes hold the GIL) a job runs as soon as it is asked for. Once a job has
    failed the later ones are not run: each of them, and close(), raises that job's error."""

    def __init__(self) -> None:
        self.failure: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.switch_interval = sys.getswitchinterval()
        if connection.vendor == "postgresql":
            self.connection = connections[DEFAULT_DB_ALIAS]
            self.jobs: queue.Queue[tuple[Future[Any], Callable[[], Any]] | None] = queue.Queue(QUEUED_JOBS)
            self.connection.inc_thread_sharing()
            # For the process, until close(): like the cycle collector's pause, it only changes
            # how fast the interpreter passes between threads.
            sys.setswitchinterval(min(self.switch_interval, HAND_OFF_SECONDS))
            self.thread = threading.Thread(target=self._work, name="order-import-queries", daemon=True)
            self.thread.start()

    def run(self, job: Callable[[], T]) -> Future[T]:
        """Runs `job` after the jobs asked for before it; its future gives what it returns."""
        future: Future[T] = Future()
        if self.failure is not None:
            raise self.failure
        if self.thread is None:
            future.set_result(job())  # an error is raised here, as if the job were called
        else:
            self.jobs.put((future, job))
        return future

    def close(self) -> None:
        """Waits until every job asked for has run; raises the first failed job's error."""
        if self.thread is not None:
            self.jobs.put(None)
            self.thread.join()
            self.thread = None
            self.connection.dec_thread_sharing()
            sys.setswitchinterval(self.switch_interval)
        if self.failure is not None:
            raise self.failure

    def _work(self) -> None:
        connections[DEFAULT_DB_ALIAS] = self.connection  # this thread's `connection` is the import's
        try:
            while (item := self.jobs.get()) is not None:
                future, job = item
                if self.failure is not None:
                    future.set_exception(self.failure)
                    continue
                try:
                    future.set_result(job())
                except BaseException as error:  # handed to the import's own thread
                    self.failure = error
                    future.set_exception(error)
        finally:
            del connections[DEFAULT_DB_ALIAS]


class _Import:
    def __init__(
        self,
        *,
        store: Store,
        file: BinaryIO,
        file_name: str,
        user: User | None,
        encoding: str,
        others: list[Store],
        progress: ProgressReport | None = None,
    ) -> None:
        self.store = store
        self.progress = progress
        # Rows handed to a writer (only while no row has failed), for `progress`.
        self.written = 0
        self.others = others
        self.file_name = file_name
        self.user = user
        self.reader = _HashingReader(file)
        self.text = io.TextIOWrapper(io.BufferedReader(self.reader, 1 << 16), encoding=encoding, newline="")
        self.errors = _ErrorList()
        self.rows = 0
        self.format: ReportFormat | None = None
        self.queries: _Queries | None = None  # while the rows are read (see run())
        # Ids of the stores that held no order when the rows began to be read.
        self.empty_stores: set[int] = set()
        # Bytes of the file read when each batch read ahead was complete, oldest first; the
        # batch being written is reported at its own end, not at the one read ahead of it.
        self.batch_ends: deque[int] = deque()
        self.position = 0
        self.writer = _Writer(store)
        # store id → its writer; the import's own store always has one
        self.writers: dict[int, _Writer] = {store.pk: self.writer}
        # order id → (fingerprint of its order fields, line where the order first appears)
        self.orders_seen: dict[str, tuple[int, int]] = {}
        # "order id<US>line key" → line where that line first appears
        self.lines_seen: dict[str, int] = {}
        # "order id<US>SKU" → rows of it so far, for formats that number a SKU's repeats
        self.repeats_seen: dict[str, int] = {}
        self.shipments_seen: dict[str, tuple[int, int]] = {}
        # Lines of the file found too long to read, not yet reported (see _batches).
        self.long_lines: list[int] = []
        self.sha256 = ""
        self.previously_imported_at: datetime | None = None
        # The header's line in the file: eBay's report puts a blank line above it.
        self.header_line = 1

    def run(self) -> ImportResult:
        # Read one character past the cap, so that a header of exactly the cap still passes.
        header_text = first_line = self.text.readline(MAX_HEADER_CHARS + 1)
        while _blank_line(header_text) and header_text and self.header_line < MAX_BLANK_LINES_ABOVE_HEADER:
            header_text = self.text.readline(MAX_HEADER_CHARS + 1)
            self.header_line += 1
        if first_line.strip() and header_text.strip() and not _platform_export(header_text, self.store):
            # Only eBay's report has a comma-only line above its header; in another file
            # such a line is the header, and is refused as one.
            header_text, self.header_line = first_line, 1
        if not header_text.strip():
            self.errors.add(None, _("The file is empty."))
            return self._result(ok=False)
        if len(header_text.rstrip("\r\n")) > MAX_HEADER_CHARS:
            self.errors.add(
                1,
                _(
                    "The header line is longer than %(max)s characters: this is not an "
                    "order report the desk knows."
                )
                % {"max": f"{MAX_HEADER_CHARS:,}"},
            )
            return self._result(ok=False)
        if "\x00" in header_text:
            self.errors.add(
                1,
                _(
                    "The header holds NUL characters: the file is not plain text (perhaps "
                    "UTF-16). Save it as “CSV UTF-8” and import it again."
                ),
            )
            return self._result(ok=False)
        self.format = self._detect(header_text)
        columns = self._columns(header_text)
        if self.errors:
            return self._result(ok=False)
        try:
            with transaction.atomic():
                if not all(_take_store_lock(store) for store in self._stores()):
                    self.errors.add(
                        None, _("An import is running for this store; try again when it has finished.")
                    )
                    result = self._result(ok=False)
                    result.busy = True
                    return result
                _check_keys_as_written(immediate=True)
                jit_was = _compile_queries("off")
                self.queries = self.writer.queries = _Queries()
                try:
                    self._read(columns)
                    for writer in self.writers.values():
                        writer.finish()
                finally:
                    # Every query asked for has run before the transaction ends either way.
                    queries, self.queries = self.queries, None
                    queries.close()
                _check_keys_as_written(immediate=False)
                _compile_queries(jit_was)
                if self.errors:
                    raise _Refused
                self._record()
        except _Refused:
            return self._result(ok=False)
        return self._result(ok=True)

    def _stores(self) -> list[Store]:
        """Every store this file may write to, in a fixed order (the order locks are taken in)."""
        stores = self.format.stores() if self.format else [self.store]
        return sorted(stores, key=lambda store: store.pk)

    def _detect(self, header_text: str) -> ReportFormat:
        if found := _platform_export(header_text, self.store):
            return found
        if "\t" in header_text:
            return AmazonAllOrders(self.store, self.others)
        return DeskCsv(self.store)

    def _columns(self, header_text: str) -> list[str]:
        fmt = self.format
        assert fmt is not None  # run() detects the format first
        header = next(csv.reader([header_text], delimiter=fmt.delimiter, quoting=fmt.quoting))
        if len(header) > MAX_COLUMNS:
            self.errors.add(
                self.header_line,
                _(
                    "The header has %(found)s columns; the desk's formats have fewer than "
                    "%(max)d: this is not an order report the desk knows."
                )
                % {"found": f"{len(header):,}", "max": MAX_COLUMNS},
            )
            return []
        columns = []
        for name in header:
            name = name.strip().lower()
            columns.append(fmt.aliases.get(name, name))
        known = set(columns)
        if fmt.name == DESK_CSV_FORMAT and "amazon-order-id" in known:
            self.errors.add(
                self.header_line,
                _(
                    "This is Amazon's report saved as comma-separated: import the "
                    "original tab-separated file as Amazon delivers it."
                ),
            )
            return columns
        if fmt.name == DESK_CSV_FORMAT and "order_id" not in known:
            self.errors.add(
                self.header_line,
                _(
                    "The header is not one the desk knows: expected Amazon's All Orders "
                    "report (tab-separated) or the desk's CSV (order_id, purchase_date, …)."
                ),
            )
            return columns
        for name in fmt.required:
            if name not in known:
                self.errors.add(
                    self.header_line, _("Missing required column: %(column)s.") % {"column": name}
                )
        counts = Counter(columns)
        for name in sorted(name for name, count in counts.items() if name and count > 1):
            self.errors.add(
                self.header_line, _("Column %(column)s appears more than once.") % {"column": _shown(name)}
            )
        if problem := fmt.check_store():
            self.errors.add(None, problem)
        return columns

    def _read(self, columns: list[str]) -> None:
        fmt = self.format
        assert fmt is not None  # run() detects the format first
        tz = ZoneInfo(self.store.time_zone)
        delimiter = fmt.delimiter
        unchanged = _Unchanged(self, fmt, columns) if getattr(fmt, "skips_unchanged", False) else None
        next_progress = PROGRESS_ROWS
        last_order: OrderFacts | None = None
        last_digest = 0
        self._find_empty_stores()
        if unchanged:
            unchanged.empty = self.empty_stores
            unchanged.all_empty = self.empty_stores.issuperset(store.id for store in fmt.stores())
        batches = self._batches(columns)
        following = next(batches, None)
        looked_up = unchanged.look_up(following) if unchanged and following else None
        while following is not None:
            batch, known = following, looked_up
            self.position = self.batch_ends.popleft()
            # The next batch's look-up is asked for before this batch's writes, so that the
            # database reads it while this batch is parsed. It cannot miss anything those
            # writes add: a line written by this file is not one a later row of it may
            # match (that row would repeat it, and be refused).
            following = next(batches, None)
            looked_up = None
            if unchanged and following and not self.errors:
                looked_up = unchanged.look_up(following)
            if unchanged and known and not self.errors:
                unchanged.use(known.result())
            for line, values, error in batch:
                if self.progress and self.rows >= next_progress:
                    self.progress(self.rows, self.written, self.errors.total, position=self.position)
                    next_progress = self.rows + PROGRESS_ROWS
                if error:
                    self.errors.add(line, error)
                    continue
                self.rows += 1
                # A row of an unquoted format comes as its line's text, and is only cut into
                # cells (below) if it is read.
                text = values if type(values) is str else None
                found = len(values) if text is None else text.count(delimiter) + 1
                if found > len(columns):
                    self.errors.add(
                        line,
                        _("The row has %(found)d fields but the header has %(expected)d.")
                        % {"found": found, "expected": len(columns)},
                    )
                    continue
                if "\x00" in ("".join(values) if text is None else text):
                    # PostgreSQL cannot store NUL, and no report has it: refuse the row, not the server.
                    nul_in = next(
                        column
                        for column, value in zip(
                            columns, values if text is None else text.split(delimiter), strict=False
                        )
                        if "\x00" in value
                    )
                    self.errors.add(line, _("%(column)s holds a NUL character.") % {"column": _shown(nul_in)})
                    continue
                # The cells joined by U+001F: what a row's fingerprint is taken of (_Unchanged).
                joined = ""
                if unchanged:
                    joined = "\x1f".join(values) if text is None else text.replace(delimiter, "\x1f")
                    if not self.errors and unchanged.pass_over(line, joined):
                        continue
                if text is not None:
                    values = text.split(delimiter)
                cells = _Cells(columns, values, tz)
                skipped_before = fmt.skipped.total()
                parsed = fmt.parse(cells)
                for problem in cells.problems:
                    self.errors.add(line, problem)
                if parsed is None:
                    if not cells.problems and fmt.skipped.total() == skipped_before:
                        # Not an order line: a summary or footer row the format passes over. (A
                        # row skipped for its marketplace was read, and stays counted.)
                        self.rows -= 1
                    continue
                parsed.line = line
                if parsed.order != last_order:  # the rows of one order mostly follow one another
                    last_order, last_digest = parsed.order, _facts_digest(parsed.order)
                parsed.facts_digest = last_digest
                parsed.line_key = self._check_against_earlier_rows(
                    line,
                    parsed.order.platform_order_id,
                    parsed.line_key,
                    parsed.facts_digest,
                    repeats_allowed=parsed.repeats_allowed,
                    shipment=parsed.shipment,
                )
                if not self.errors:
                    # Once a row has failed nothing will be kept: only keep checking.
                    store = parsed.store or self.store
                    if unchanged:
                        parsed.row_digest = unchanged.digest(store, joined, store.id)
                    self._writer(store).add(parsed)
                    self.written += 1
        if self.progress:
            self.progress(self.rows, self.written, self.errors.total, position=self.reader.consumed)

    def _find_empty_stores(self) -> None:
        """Notes the stores the file may write to that hold no order yet (a first import), one
        query per store: their stored orders can only be ones this file writes, which their
        writers keep (_Writer.started_empty), and no row of theirs can be passed over, since a
        line this file writes is never one a later row of it may match (that row would repeat
        it, and be refused). An order another writer (a connector) adds to such a store
        meanwhile makes the import fail when it writes the same order, as when it does so
        between a batch's look-up and its writes."""
        assert self.format is not None and self.queries is not None
        pks = [store.id for store in self.format.stores()]

        def empty() -> set[int]:
            return {pk for pk in pks if not Order.objects.filter(store_id=pk).exists()}

        self.empty_stores = self.queries.run(empty).result()
        self.writer.started_empty = self.store.id in self.empty_stores

    def _writer(self, store: Store) -> _Writer:
        # `id`, not `pk`: once or twice per row, and `pk` is a property that looks the field up.
        writer = self.writers.get(store.id)
        if writer is None:
            writer = self.writers[store.id] = _Writer(store, self.queries)
            writer.started_empty = store.id in self.empty_stores
        return writer

    def _batches(self, columns: list[str]) -> Iterator[list[_Row]]:
        """The file's rows in batches of BATCH_ROWS, in order: (line, cells, problem reading
        it). Blank rows are left out."""
        fmt = self.format
        assert fmt is not None
        delimiter = fmt.delimiter
        reader: Iterator[list[str] | str] = (
            _UnquotedRows(self._lines(), fmt.delimiter)
            if fmt.quoting == csv.QUOTE_NONE
            else csv.reader(self._lines(), delimiter=fmt.delimiter, quoting=fmt.quoting)
        )
        ended = self.header_line  # csv's line_num counts lines after the header
        batch: list[_Row] = []
        while True:
            line = ended + 1
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                ended = reader.line_num + self.header_line  # type: ignore[attr-defined]
                batch.append((line, [], _("The row cannot be read: %(error)s.") % {"error": error}))
                continue
            finally:
                # A line too long to read was reported by _lines: it takes its place in order.
                while self.long_lines:
                    batch.append((self.long_lines.pop(0), [], self.long_line_message()))
            ended = reader.line_num + self.header_line  # type: ignore[attr-defined]
            # Only blanks? (One join or replace, and a strip, in C.)
            if not (values.replace(delimiter, "") if isinstance(values, str) else "".join(values)).strip():
                continue
            batch.append((line, values, None))
            if len(batch) >= BATCH_ROWS:
                self.batch_ends.append(self.reader.consumed)
                yield batch
                batch = []
        if batch:
            self.batch_ends.append(self.reader.consumed)
            yield batch

    def _lines(self) -> Iterator[str]:
        """The file's lines after the header, each read with a cap: a line longer than any row
        would be split into millions of fields in memory, so it is reported and skipped."""
        number = self.header_line
        while line := self.text.readline(MAX_LINE_CHARS + 1):
            number += 1
            if len(line) > MAX_LINE_CHARS and line[-1] not in "\r\n":
                while (rest := self.text.readline(MAX_LINE_CHARS)) and rest[-1] not in "\r\n":
                    pass
                self.long_lines.append(number)
                line = "\n"  # keeps csv's count of lines in step with the file
            yield line

    @staticmethod
    def long_line_message() -> str:
        return _("The line is longer than %(max)s characters: no order row is.") % {
            "max": f"{MAX_LINE_CHARS:,}"
        }

    def _check_against_earlier_rows(
        self,
        line: int,
        order_id: str,
        line_key: str,
        fingerprint: int,
        *,
        repeats_allowed: bool,
        shipment: ShipmentFacts | None = None,
    ) -> str:
        """Checks a row against the rows above it (its line once, its order's details alike on
        every line); returns its line key."""
        sku = line_key
        if repeats_allowed:
            # The second row of a SKU in one order is line "SKU #2", and so on: the same file
            # always gives the same keys, so importing it again changes nothing.
            repeat = self.repeats_seen[f"{order_id}\x1f{line_key}"] = (
                self.repeats_seen.get(f"{order_id}\x1f{line_key}", 0) + 1
            )
            if repeat > 1:
                line_key = f"{line_key} #{repeat}"
        first = self.lines_seen.setdefault(f"{order_id}\x1f{line_key}", line)
        if first != line:
            self.errors.add(
                line,
                _("order %(order)s lists SKU %(sku)s again (first on line %(first)d).")
                % {"order": order_id, "sku": sku, "first": first},
            )
        seen_fingerprint, first = self.orders_seen.setdefault(order_id, (fingerprint, line))
        if seen_fingerprint != fingerprint:
            self.errors.add(
                line,
                _(
                    "order %(order)s: its order details (date, status, fulfilment, currency, "
                    "country, dates, buyer) differ from line %(first)d, where the order first appears."
                )
                % {"order": order_id, "first": first},
            )
        if shipment:
            key = f"{order_id}\x1f{shipment.tracking_number}"
            shipment_fingerprint = hash(shipment)
            seen_fingerprint, first = self.shipments_seen.setdefault(key, (shipment_fingerprint, line))
            if seen_fingerprint != shipment_fingerprint:
                self.errors.add(
                    line,
                    _("order %(order)s: the shipment %(tracking)s differs from line %(first)d.")
                    % {"order": order_id, "tracking": shipment.tracking_number or "—", "first": first},
                )
        return line_key

    def _record(self) -> None:
        self.sha256 = self.reader.hexdigest()
        self.previously_imported_at = (
            OrderImport.objects.filter(store=self.store, sha256=self.sha256)
            .order_by("-imported_at")
            .values_list("imported_at", flat=True)
            .first()
        )
        # One record per store the file wrote to, each with its own counts.
        for writer in self.writers.values():
            counts = writer.counts()
            OrderImport.objects.create(
                store=writer.store,
                file_name=self.file_name[:255],
                sha256=self.sha256,
                file_format=self.format.name if self.format else "",
                imported_by=self.user,
                rows=self.rows if writer is self.writer else writer.rows,
                orders_created=counts["orders_created"],
                orders_updated=counts["orders_updated"],
            )

    def _counts(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for writer in self.writers.values():
            total.update(writer.counts())
        return total

    def _result(self, *, ok: bool) -> ImportResult:
        result = ImportResult(
            ok=ok,
            errors=self.errors.shown,
            errors_not_shown=self.errors.total - len(self.errors.shown),
            rows=self.rows,
            file_format=self.format.name if self.format else "",
        )
        if self.format:
            result.skipped = dict(self.format.skipped)
        if ok:
            for name, value in self._counts().items():
                setattr(result, name, value)
            result.other_stores = sorted(w.store.name for w in self.writers.values() if w is not self.writer)
            result.sha256 = self.sha256
            result.previously_imported_at = self.previously_imported_at
        return result


def write_rows(store: Store, rows: Iterable[ParsedRow]) -> dict[str, int]:
    """Upsert rows that were checked already (the marketplace connectors' orders) into `store`,
    in the caller's transaction, with the same writer as a file import; returns its counts.
    Lines of one order must have distinct line keys."""
    writer = _Writer(store)
    for row in rows:
        writer.add(row)
    writer.finish()
    return writer.counts()


def _keyed_values(
    model: type[models.Model], names: list[str], key: str, keys: Iterable[object], **equal: object
) -> list[tuple]:
    """values_list(*names) of the rows of `model` whose `key` is one of `keys` (and whose fields
    in `equal` have those values; None: is not null).

    On PostgreSQL the keys go as one text, cut up by the server, instead of an IN list of
    thousands of parameters that Django's lookup and psycopg's client-side binding would each
    go through one by one. Ids (the lines of a batch's orders) are looked up one by one (a
    nested loop over them, LATERAL … OFFSET 0), so that an index on the id is used whatever
    the planner knows of the table: with `= ANY(ids)` it scanned all 95,000 lines for a
    batch's 1,400 orders (58 ms instead of 2 ms). Other keys (order ids, with the store) stay
    `= ANY`: looked up one by one, a store the table's statistics do not know yet made the
    planner take the store's own index and read all its orders again for each key."""
    if connection.vendor != "postgresql":
        lookups = {
            f"{name}__isnull" if value is None else name: False if value is None else value
            for name, value in equal.items()
        }
        return list(
            model._default_manager.filter(**{f"{key}__in": list(keys)}, **lookups).values_list(*names)
        )
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(str(getattr(model._meta.get_field(name), "column", name)))

    # The keys as one text parameter, cut up by the server: psycopg's client-side binding
    # would quote each element of a list in Python. Ids are whole numbers; order ids and other
    # keys from a file cannot hold the separator (U+001F) once checked, and a raw one that
    # does only looks up rows that nothing will match (its row is then read, and refused).
    keys = list(dict.fromkeys(keys))  # each row once, as with `= ANY`
    by_id = all(type(value) is int for value in keys)
    if by_id:
        asked = "string_to_array(%s, ',')::bigint[]"
        params: list[Any] = [",".join(map(str, keys))]
    else:
        asked = "string_to_array(%s, chr(31))"
        params = ["\x1f".join(map(str, keys))]
    where = [f"found.{column(key)} = {'asked.key' if by_id else f'ANY({asked})'}"]
    for name, value in equal.items():
        if value is None:
            where.append(f"found.{column(name)} IS NOT NULL")
        else:
            where.append(f"found.{column(name)} = %s")
            params.append(value)
    columns = ", ".join(f"found.{column(n)}" for n in names)
    sql = f"SELECT {columns} FROM {quote(model._meta.db_table)} AS found WHERE {' AND '.join(where)}"
    if by_id:
        sql = f"SELECT {columns} FROM unnest({asked}) AS asked(key) CROSS JOIN LATERAL ({sql} OFFSET 0) AS found"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- Rows imported before, unchanged ------------------------------------------------------

# Raised when a change to how a format reads its rows makes the same row mean something else:
# every row's fingerprint then differs, and each is read again (once) on its next import.
READING_VERSION = 1
FACT_NAMES = tuple(name for name in OrderFacts.__slots__ if not name.startswith("__"))


def _digest(text: str) -> int:
    """A 64-bit fingerprint of `text` that stays the same from one process to the next."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _facts_digest(facts: OrderFacts) -> int:
    # FACT_NAMES' order, read as attributes (it runs once per order).
    return _values_digest(
        [
            facts.platform_order_id,
            facts.purchased_at,
            facts.status,
            facts.fulfilment_channel,
            facts.currency,
            facts.ship_country,
            facts.ship_by,
            facts.latest_delivery,
            facts.buyer_alias,
        ]
    )


def _values_digest(values: Iterable[object]) -> int:
    """Fingerprint of `values` (an order's details as a row gives them): a moment as its UTC
    ISO text, whatever its zone; a choice as its text, not its enum member."""
    shown: list[object] = []
    for value in values:
        kind = type(value)
        # Text and None first, by type: most values are, and isinstance costs more.
        if kind is str or value is None:
            shown.append(value)
        elif isinstance(value, datetime):
            shown.append(value.astimezone(UTC).isoformat())
        elif isinstance(value, str):
            shown.append(str(value))  # a choice ("platform"), not its enum member
        else:
            shown.append(value)
    return _digest(repr(shown))


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime | None) -> str:
    return "" if moment is None else str((moment - EPOCH) // MICROSECOND)


def _order_digest(
    purchased_at: datetime,
    status: str,
    fulfilment_channel: str,
    currency: str,
    ship_country: str,
    ship_by: datetime | None,
    latest_delivery: datetime | None,
    buyer_id: int | None,
) -> int:
    """Fingerprint of an order's stored details (ORDER_FIELDS, in that order), kept on each of
    its lines as `order_digest` when an import writes them. _order_digest_sql() is the same
    fingerprint taken by PostgreSQL, so that a look-up compares it there: moments as whole
    microseconds since 1970, the fields joined by U+001F, the first 8 bytes of their MD5."""
    text = "\x1f".join(
        (
            _micros(purchased_at),
            str(status),  # a choice, not its enum member
            str(fulfilment_channel),
            str(currency),
            str(ship_country),
            _micros(ship_by),
            _micros(latest_delivery),
            "" if buyer_id is None else str(buyer_id),
        )
    )
    return int.from_bytes(hashlib.md5(text.encode(), usedforsecurity=False).digest()[:8], "big", signed=True)


def _order_digest_sql(alias: str) -> str:
    """_order_digest() of the order row `alias`, in PostgreSQL's SQL."""

    def micros(name: str) -> str:
        return f"coalesce((extract(epoch FROM {alias}.{name}) * 1000000)::bigint::text, '')"

    fields = [
        micros("purchased_at"),
        f"{alias}.status",
        f"{alias}.fulfilment_channel",
        f"{alias}.currency",
        f"{alias}.ship_country",
        micros("ship_by"),
        micros("latest_delivery"),
        f"coalesce({alias}.buyer_id::text, '')",
    ]
    return f"('x' || left(md5(concat_ws(chr(31), {', '.join(fields)})), 16))::bit(64)::bigint"


# A batch's rows by line: (store id, order id, SKU); and what the lines of their orders were
# written from: (store id, order id, line key) → (row fingerprint, order details fingerprint).
_Known = tuple[dict[int, tuple[int, str, str]], dict[tuple[int, str, str], tuple[int, int]]]


def _lines_as_written(store_pk: int, order_ids: set[str]) -> list[tuple[str, str, int, int]]:
    """(order id, line key, row fingerprint, order details fingerprint) of the fingerprinted
    lines of the store's orders `order_ids` whose order still has the details it had when the
    line was written.

    On PostgreSQL this is one query that compares the fingerprints itself (_order_digest_sql()):
    no order's details come back to be fingerprinted here. The orders are found by key, then
    each one's lines (a nested loop, LATERAL … OFFSET 0), so that the lines' index is used
    whatever the planner knows of the tables: joined plainly, lines the statistics did not
    know yet were read in full and hashed. Elsewhere: the orders, then their lines."""
    if connection.vendor == "postgresql":
        line = OrderLine._meta.db_table
        sql = (
            "SELECT o.platform_order_id, l.line_key, l.row_digest, l.facts_digest FROM "
            f"(SELECT o.id, o.platform_order_id, {_order_digest_sql('o')} AS digest "
            f"FROM {Order._meta.db_table} AS o WHERE o.store_id = %s "
            "AND o.platform_order_id = ANY(string_to_array(%s, chr(31)))) AS o "
            "CROSS JOIN LATERAL (SELECT l.line_key, l.row_digest, l.facts_digest "
            f"FROM {line} AS l WHERE l.order_id = o.id AND l.order_digest = o.digest "
            "AND l.row_digest IS NOT NULL AND l.facts_digest IS NOT NULL OFFSET 0) AS l"
        )
        # The order ids as one text, cut up by the server (see _keyed_values).
        with connection.cursor() as cursor:
            cursor.execute(sql, [store_pk, "\x1f".join(order_ids)])
            return cursor.fetchall()
    orders = {
        pk: (order_id, _order_digest(*details))
        for pk, order_id, *details in _keyed_values(
            Order,
            ["id", "platform_order_id", *ORDER_FIELDS],
            "platform_order_id",
            order_ids,
            store_id=store_pk,
        )
    }
    found = []
    for pk, line_key, row_digest, facts_digest, order_digest in _keyed_values(
        OrderLine, ["order_id", "line_key", *DIGESTS], "order_id", orders, row_digest=None
    ):
        order_id, now = orders[pk]
        if order_digest == now and facts_digest is not None:
            found.append((order_id, line_key, row_digest, facts_digest))
    return found


class _Unchanged:
    """Passes over rows that are exactly as they were when their line was written.

    A line written from a row keeps three fingerprints: the row's cells as the file had them,
    with everything they were read against (the format, the header, the stores' time zone and
    currency, READING_VERSION); the order details the row gave; and its order's details as they
    stood once the line was written. A later row with the same fingerprint, whose order still
    has those details, would be read into exactly the values that are stored: it is neither
    read nor written, and only takes part in the checks across rows (its line once, its
    order's details alike on every line) through the stored fingerprint of its order details.
    Anything else (a changed cell, an order changed since by another file, a line imported
    before fingerprints existed) is read and checked in full. Only formats whose rows stand
    alone and key their lines by SKU (with repeats) pass rows over."""

    def __init__(self, run: _Import, fmt: ReportFormat, columns: list[str]) -> None:
        self.run = run
        self.fmt = fmt
        self.context = (
            f"{READING_VERSION}\x1e{fmt.name}\x1e{columns!r}\x1e{run.store.pk}\x1e{run.store.time_zone}"
        )
        self.prefixes: dict[int, hashlib.blake2b] = {}  # store id → a hash fed with its rows' prefix
        # (store id, order id, line key) → (row fingerprint, order details fingerprint)
        self.known: dict[tuple[int, str, str], tuple[int, int]] = {}
        # The batch's rows by line: (store id, order id, SKU), as line_of() reads them
        self.keys: dict[int, tuple[int, str, str]] = {}
        # The stores the rows go to, by id
        self.stores: dict[int, Store] = {}
        # Ids of the stores that held no order when the import began: no row of theirs can be
        # passed over, so none is looked up (_Import._find_empty_stores()).
        self.empty: set[int] = set()
        self.all_empty = False
        # Where the cells that say which line a row is stand in a row (past its end: missing).
        self.cells_at = tuple(
            columns.index(name) if name in columns else MAX_COLUMNS
            for name in ("sales-channel", "amazon-order-id", "sku")
        )

    def digest(self, store: Store, joined: str, store_pk: int) -> int:
        """_digest() of the row's cells (`joined` by U+001F) after what they were read against,
        with the hash of that long prefix (the header's columns and all) taken once per store,
        not per row."""
        hashed = self.prefixes.get(store_pk)
        if hashed is None:
            prefix = f"{self.context}\x1e{store_pk}\x1e{store.currency}\x1e"
            hashed = self.prefixes[store_pk] = hashlib.blake2b(
                prefix.encode("utf-8", "surrogatepass"), digest_size=8
            )
        row = hashed.copy()
        row.update(joined.encode("utf-8", "surrogatepass"))
        return int.from_bytes(row.digest(), "big", signed=True)

    def look_up(self, batch: list[_Row]) -> Future[_Known] | None:
        """Asks for the fingerprints of the lines of the batch's orders (one query per store
        for its orders, one for their lines); use() takes them when the batch is read. None:
        every store was empty when the import began, and there is nothing to look up."""
        if self.all_empty:
            return None
        empty = self.empty
        wanted: dict[int, set[str]] = {}
        keys: dict[int, tuple[int, str, str]] = {}
        channel_at, order_at, sku_at = self.cells_at
        # A row's text is cut only as far as the last of those cells.
        cuts = max((at for at in self.cells_at if at < MAX_COLUMNS), default=-1) + 1
        delimiter = self.fmt.delimiter
        line_of = self.fmt.line_of  # type: ignore[attr-defined]
        for line, row, error in batch:
            if error:
                continue
            values = row.split(delimiter, cuts) if type(row) is str else row
            count = len(values)
            key = line_of(
                values[channel_at].strip() if channel_at < count else "",
                values[order_at].strip() if order_at < count else "",
                values[sku_at].strip() if sku_at < count else "",
            )
            if key and "\x00" not in key[1] and (store_pk := key[0].id) not in empty:
                # (A NUL is refused with its row, later.)
                self.stores.setdefault(store_pk, key[0])
                wanted.setdefault(store_pk, set()).add(key[1])
                keys[line] = (store_pk, key[1], key[2])
        assert self.run.queries is not None  # rows are only read inside _Import.run()
        return self.run.queries.run(functools.partial(self._known, wanted, keys))

    def use(self, known: _Known) -> None:
        """What the batch about to be read wrote before (look_up's answer)."""
        self.keys, self.known = known

    @staticmethod
    def _known(wanted: dict[int, set[str]], keys: dict[int, tuple[int, str, str]]) -> _Known:
        known: dict[tuple[int, str, str], tuple[int, int]] = {}
        for store_pk, order_ids in wanted.items():
            # Only the lines whose order is as they left it: another file may have changed it.
            for order_id, line_key, row_digest, facts_digest in _lines_as_written(store_pk, order_ids):
                known[(store_pk, order_id, line_key)] = (row_digest, facts_digest)
        return keys, known

    def pass_over(self, line: int, joined: str) -> bool:
        """True when the row is as it was when its line was written (and is then counted and
        checked against the rows above it, not read)."""
        if not self.known or (key := self.keys.get(line)) is None:
            return False
        store_pk, order_id, sku = key
        run = self.run
        repeat = run.repeats_seen.get(f"{order_id}\x1f{sku}", 0) + 1
        known = self.known.get((store_pk, order_id, sku if repeat == 1 else f"{sku} #{repeat}"))
        store = self.stores[store_pk]
        if known is None or known[0] != self.digest(store, joined, store_pk):
            return False
        run._check_against_earlier_rows(line, order_id, sku, known[1], repeats_allowed=True)
        run._writer(store).rows += 1
        return True


# --- Writing ------------------------------------------------------------------------------


LINE_FIELDS = ["sku", "title", "quantity", "item_price", "item_status", *AMAZON_CHARGES.values()]
# What a row may set on its order, compared with what is stored before anything is written.
ORDER_FIELDS = (
    "purchased_at",
    "status",
    "fulfilment_channel",
    "currency",
    "ship_country",
    "ship_by",
    "latest_delivery",
    "buyer_id",
)
# A new line's values where its row says nothing (the model's defaults).
NEW_LINE = {"title": "", "item_status": "", **dict.fromkeys(AMAZON_CHARGES.values(), ZERO)}
# A new order's details where its rows say nothing (the model's defaults).
NEW_ORDER: dict[str, object] = {
    "ship_country": "",
    "ship_by": None,
    "latest_delivery": None,
    "buyer_id": None,
}
DIGESTS = ["row_digest", "facts_digest", "order_digest"]


def _charged(line: dict[str, object]) -> Decimal:
    """What a line adds to its order's total, from its stored or new values (as OrderLine.charged)."""
    if str(line["item_status"]).casefold() in CANCELLED_ITEM_STATUSES:
        return ZERO
    total: Decimal = line["item_price"]  # type: ignore[assignment]
    for name in ADDED_CHARGES:
        total += line[name]  # type: ignore[operator]
    for name in DISCOUNTS:
        total -= line[name]  # type: ignore[operator]
    return total


def _column_type(field: models.Field) -> str:
    """The column's type by the name psycopg knows it by ("varchar(64)" → "varchar")."""
    db_type = field.db_type(connection)
    assert db_type, f"{field} has no column"
    return db_type.split("(")[0]


class _Table:
    """Plain inserts of many rows into one model's table, without building model instances:
    COPY on PostgreSQL, executemany elsewhere. Every column is written; a value a row does not
    give is the field's default."""

    def __init__(self, model: type[models.Model]) -> None:
        # The database fills its own defaults and generated columns.
        self.fields = [
            f
            for f in model._meta.concrete_fields
            if not f.primary_key and f.db_default is models.NOT_PROVIDED and not f.generated
        ]
        self.table = model._meta.db_table
        self.pk = model._meta.pk

    def new_ids(self, count: int) -> list[int]:
        """`count` ids from the primary key's sequence (PostgreSQL), for rows inserted with them."""
        with connection.cursor() as cursor:
            # The sequence looked up once (OFFSET 0 keeps the subquery apart): inside nextval()
            # pg_get_serial_sequence() ran again for every id (10 ms a batch).
            cursor.execute(
                "SELECT nextval(found.sequence) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass"
                " AS sequence OFFSET 0) AS found, generate_series(1, %s)",
                [self.table, self.pk.column, count],
            )
            return [found[0] for found in cursor.fetchall()]

    def _columns(self, with_ids: bool) -> tuple[list[models.Field], str, dict[str, object]]:
        fields = [self.pk, *self.fields] if with_ids else self.fields
        columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
        return fields, columns, {field.attname: field.get_default() for field in fields}

    def copy_text(self, rows: list[dict[str, object]], *, with_ids: bool = False) -> bytes:
        """The rows as COPY's text (PostgreSQL), formatted by psycopg as its COPY would, but
        here, without the server: copy() then only sends them. with_ids: each row gives its
        primary key too (from new_ids())."""
        from psycopg import Copy
        from psycopg.copy import FileWriter

        fields, _, defaults = self._columns(with_ids)
        names = list(defaults)
        # A row's values in the columns' order, read in C; a row that gives every column (a
        # new line) needs no merging with the defaults.
        in_order = operator.itemgetter(*names)
        text = io.BytesIO()
        # A cursor of the import's connection for its adapters only: nothing is sent through it.
        with (
            connection.connection.cursor() as cursor,
            Copy(cursor, binary=False, writer=FileWriter(text)) as copy,
        ):
            # Each column's adapter chosen once, not looked up again for every value.
            copy.set_types([_column_type(field) for field in fields])
            for row in rows:
                try:
                    # Every column given (as many keys as columns, none missing).
                    values = in_order(row) if len(row) == len(names) else None
                except KeyError:
                    values = None
                if values is None:
                    # A row only overrides the defaults; it names no other column.
                    merged = {**defaults, **row}
                    assert len(merged) == len(names), (
                        f"not a column of {self.table}: {row.keys() - defaults.keys()}"
                    )
                    values = in_order(merged)
                copy.write_row(values)
        return text.getvalue()

    def copy(self, text: bytes, *, with_ids: bool = False) -> None:
        """Writes rows given as COPY's text (copy_text()) on PostgreSQL."""
        _, columns, _ = self._columns(with_ids)
        table = connection.ops.quote_name(self.table)
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write(text)

    def insert(self, rows: list[dict[str, object]]) -> None:
        """Inserts rows by executemany (SQLite; PostgreSQL takes copy_text() and copy())."""
        fields, columns, defaults = self._columns(with_ids=False)
        prepared = [
            [
                field.get_db_prep_save(row.get(field.attname, defaults[field.attname]), connection)
                for field in fields
            ]
            for row in rows
        ]
        marks = ", ".join(["%s"] * len(fields))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(self.table)} ({columns}) VALUES ({marks})", prepared
            )


@dataclass(slots=True)
class _Stored:
    """What a batch's orders hold in the database when it is looked up (_Writer._look_up)."""

    buyers: dict[str, int]  # buyer alias → id (created if new)
    orders: dict[str, tuple]  # order id → (id, order id, total, *ORDER_FIELDS)
    # an order's row id → its lines by line key: (order's row id, id, line key, *LINE_FIELDS, *DIGESTS)
    lines: dict[int, dict[str, tuple]]
    ids: list[int]  # ids from the orders' sequence for the orders not found (PostgreSQL)


@dataclass(slots=True)
class _Plan:
    """A batch's writes, worked out from what was stored (_Writer._plan); _apply() makes them."""

    rows: list[ParsedRow]
    new_orders: list[dict[str, object]] = field(default_factory=list)
    # (order id, the line's every column but its order's row id, which a new order may get later)
    new_lines: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    changed_orders: list[Order] = field(default_factory=list)
    changed_order_fields: set[str] = field(default_factory=set)
    changed_lines: list[OrderLine] = field(default_factory=list)
    # Lines whose values are as stored but whose fingerprints are not (see _Unchanged).
    refreshed_lines: list[OrderLine] = field(default_factory=list)
    order_ids: dict[str, int] = field(default_factory=dict)  # order id → row id, where known
    # PostgreSQL: the new orders and lines as COPY's text, formatted with the plan.
    order_text: bytes = b""
    line_text: bytes = b""
    # Orders of the next batch as this one leaves them, in _Stored's shapes (see _Writer.flush).
    after: dict[str, tuple[tuple, dict[str, tuple]]] = field(default_factory=dict)


class _Writer:
    """Upserts rows in batches keyed on (store, order id), (order, line key) and
    (order, tracking number); a row is saved only when a value differs.

    Each batch costs a fixed number of queries: the stored orders and all their lines are read
    as plain tuples (no model instances), compared in Python, and only what is new or differs is
    written: new orders and lines by COPY (PostgreSQL) or executemany, changed ones by
    bulk_update. An order's total is worked out from its stored lines and the batch's, so a
    re-import that changes nothing only reads.

    Beside a file's reading (_Queries in a thread of its own), a batch is looked up as soon as
    it is full, and planned (compared, in this thread) when the next one is: so the query
    thread writes one batch (COPY's own formatting, then waiting for the server) while this
    thread reads and plans the rows after it. A batch's look-up therefore runs before the
    writes of the batch just before it, and the orders they share are taken as that batch
    leaves them (_Plan.after), not as stored."""

    orders_table = _Table(Order)
    lines_table = _Table(OrderLine)

    def __init__(self, store: Store, queries: _Queries | None = None) -> None:
        self.store = store
        # Where the batches' queries run (see _Queries); None: at once.
        self.queries = queries
        self.now = timezone.now()
        self.pending: list[ParsedRow] = []
        # Batches looked up and not yet planned: (rows by order id, rows, the look-up).
        self.waiting: deque[tuple[dict[str, list[ParsedRow]], list[ParsedRow], Future[_Stored]]] = deque()
        # The last batch planned, as it leaves the orders the next one shares with it (_Plan.after).
        self.unwritten: dict[str, tuple[tuple, dict[str, tuple]]] = {}
        # Ids of the orders this import created and of those it changed (for the counts).
        self.created: set[int] = set()
        self.updated: set[int] = set()
        self.lines_created = self.lines_updated = 0
        self.buyers_created = 0
        # The store held no order when the import began: the only stored orders are the ones
        # this writer created (`created_ids`), and only those are looked up, by id.
        self.started_empty = False
        self.created_ids: dict[str, int] = {}  # order id → its row's id, while started_empty
        self.shipments_created = self.shipments_updated = 0
        self.rows = 0

    def add(self, row: ParsedRow) -> None:
        self.rows += 1
        self.pending.append(row)
        if len(self.pending) >= BATCH_ROWS:
            self.flush()

    def finish(self) -> None:
        self.flush()
        while self.waiting:
            self._write(*self.waiting.popleft())

    def counts(self) -> dict[str, int]:
        return {
            "orders_created": len(self.created),
            "orders_updated": len(self.updated - self.created),
            "lines_created": self.lines_created,
            "lines_updated": self.lines_updated,
            "buyers_created": self.buyers_created,
            "shipments_created": self.shipments_created,
            "shipments_updated": self.shipments_updated,
        }

    def flush(self) -> None:
        """Asks for the pending rows' look-up, then plans the batch before them (beside a
        file's reading) or these rows (otherwise), and asks for its writes."""
        rows, self.pending = self.pending, []
        if rows:
            self.waiting.append(self._ask(rows))
        ahead = 1 if self.queries is not None and self.queries.thread is not None else 0
        while len(self.waiting) > ahead:
            self._write(*self.waiting.popleft())

    def _run(self, job: Callable[[], T]) -> Future[T]:
        if self.queries is not None:
            return self.queries.run(job)
        future: Future[T] = Future()
        future.set_result(job())
        return future

    def _ask(
        self, rows: list[ParsedRow]
    ) -> tuple[dict[str, list[ParsedRow]], list[ParsedRow], Future[_Stored]]:
        by_order: dict[str, list[ParsedRow]] = {}
        for row in rows:
            by_order.setdefault(row.order.platform_order_id, []).append(row)
        aliases = {r[0].order.buyer_alias for r in by_order.values() if r[0].order.buyer_alias}
        if self.started_empty:
            # Looked up by id, and only an order an earlier batch began (its rows ran across
            # the batches' border): by order id, a store that the table's statistics do not
            # know yet is read whole through one of its other indexes, for every batch. (The
            # ids are taken here: an order the batch before began is in its plan's `after`.)
            ids = [self.created_ids[key] for key in by_order if key in self.created_ids]
            look_up = functools.partial(self._look_up, aliases, "id", ids, len(by_order))
        else:
            look_up = functools.partial(
                self._look_up, aliases, "platform_order_id", list(by_order), len(by_order)
            )
        return by_order, rows, self._run(look_up)

    def _look_up(self, aliases: set[str], key: str, keys: list, count: int) -> _Stored:
        buyers = self._buyer_ids(aliases)
        names = ["id", "platform_order_id", "total", *ORDER_FIELDS]
        if not keys:
            found: list[tuple] = []
        elif key == "id":
            found = _keyed_values(Order, names, "id", keys)
        else:
            found = _keyed_values(Order, names, key, keys, store_id=self.store.pk)
        orders = {row[1]: row for row in found}
        lines: dict[int, dict[str, tuple]] = {}
        if orders:
            for row in _keyed_values(
                OrderLine,
                ["order_id", "id", "line_key", *LINE_FIELDS, *DIGESTS],
                "order_id",
                [order[0] for order in orders.values()],
            ):
                lines.setdefault(row[0], {})[row[2]] = row
        # An id for each order not found (a few go unused: orders the batch before began).
        ids = []
        if connection.vendor == "postgresql" and count > len(orders):
            ids = self.orders_table.new_ids(count - len(orders))
        return _Stored(buyers, orders, lines, ids)

    def _write(
        self, by_order: dict[str, list[ParsedRow]], rows: list[ParsedRow], looked_up: Future[_Stored]
    ) -> None:
        plan = self._plan(by_order, rows, looked_up.result())
        self.unwritten = plan.after
        self._run(functools.partial(self._apply, plan))

    def _plan(self, by_order: dict[str, list[ParsedRow]], rows: list[ParsedRow], found: _Stored) -> _Plan:
        plan = _Plan(rows)
        stored, stored_lines, buyers = found.orders, found.lines, found.buyers
        # The orders this batch shares with the one before, whose writes its look-up preceded.
        for key, (as_left, its_lines) in self.unwritten.items():
            if key in by_order:
                stored[key] = as_left
                stored_lines[as_left[0]] = its_lines
        # The next batch was looked up before this one is written: it takes the orders they
        # share from here.
        following = self.waiting[0][0] if self.waiting else {}
        new_ids = iter(found.ids)
        for key, order_rows in by_order.items():
            values = self._order_values(order_rows[0].order, buyers)
            known = stored.get(key)
            lines = stored_lines.get(known[0], {}) if known else {}
            was = dict(zip(("total", *ORDER_FIELDS), known[2:], strict=True)) if known else NEW_ORDER
            details = {**was, **values}
            order_digest = _order_digest(*(details[name] for name in ORDER_FIELDS))
            # The order's lines after this batch: stored ones, with the batch's rows over them.
            after = {
                line_key: dict(zip(LINE_FIELDS, line[3 : 3 + len(LINE_FIELDS)], strict=True))
                for line_key, line in lines.items()
            }
            for row in order_rows:
                line_values = self._line_values(row)
                digests: tuple[int | None, ...] = (None, None, None)
                if row.row_digest is not None:
                    digests = (row.row_digest, row.facts_digest, order_digest)
                fingerprints = {
                    "row_digest": digests[0],
                    "facts_digest": digests[1],
                    "order_digest": digests[2],
                }
                old = after.get(row.line_key)
                if old is None:
                    # One dict for the new line: its values (for the order's total) and its row.
                    after[row.line_key] = new_line = {
                        **NEW_LINE,
                        **line_values,
                        **fingerprints,
                        "line_key": row.line_key,
                    }
                    plan.new_lines.append((key, new_line))
                    continue
                stored_line = lines[row.line_key]
                # A line this import wrote is never one a later row matches (that row would
                # repeat it, and be refused): a matched line is stored, with its id.
                assert stored_line[1] is not None
                if any(old[name] != value for name, value in line_values.items()):
                    old.update(line_values)
                    plan.changed_lines.append(OrderLine(pk=stored_line[1], **old, **fingerprints))
                elif row.row_digest is not None and stored_line[-3:] != digests:
                    plan.refreshed_lines.append(OrderLine(pk=stored_line[1], **fingerprints))
            values["total"] = sum((_charged(line) for line in after.values()), ZERO)
            if known is None:
                order = {
                    "store_id": self.store.pk,
                    "platform_order_id": key,
                    "created_at": self.now,
                    "updated_at": self.now,
                    **values,
                }
                if found.ids:
                    # PostgreSQL: written with an id taken from the sequence by the look-up.
                    order["id"] = plan.order_ids[key] = next(new_ids)
                plan.new_orders.append(order)
            else:
                plan.order_ids[key] = known[0]
                differing = [name for name, value in values.items() if was[name] != value]
                if differing:
                    plan.changed_orders.append(
                        Order(pk=known[0], updated_at=self.now, **{n: values[n] for n in differing})
                    )
                    plan.changed_order_fields.update(differing)
            if key in following:
                # As stored once written. A line this batch writes keeps no id or fingerprints
                # here: no later row of the file matches it (see the assertion above).
                pk = plan.order_ids[key]
                written = {row.line_key for row in order_rows}
                details.update(values)
                plan.after[key] = (
                    (pk, key, *(details[name] for name in ("total", *ORDER_FIELDS))),
                    {
                        line_key: (
                            (pk, None, line_key, *(line[name] for name in LINE_FIELDS), None, None, None)
                            if line_key in written
                            else lines[line_key]
                        )
                        for line_key, line in after.items()
                    },
                )
        if found.ids:
            # Known here, before the writes: the next batch's look-up is asked for before they run.
            created = {key: plan.order_ids[key] for key in by_order if stored.get(key) is None}
            self.created.update(created.values())
            if self.started_empty:
                self.created_ids.update(created)
        if connection.vendor == "postgresql":
            # Every order's id is known: the rows are formatted here, and the query thread only
            # sends them (and waits for the server) while this thread goes on.
            if plan.new_orders:
                plan.order_text = self.orders_table.copy_text(plan.new_orders, with_ids=True)
            if plan.new_lines:
                for key, new_line in plan.new_lines:
                    new_line["order_id"] = plan.order_ids[key]
                plan.line_text = self.lines_table.copy_text([new_line for _, new_line in plan.new_lines])
        return plan

    def _apply(self, plan: _Plan) -> None:
        order_ids = plan.order_ids
        if plan.order_text:
            self.orders_table.copy(plan.order_text, with_ids=True)
        elif plan.new_orders:
            self.orders_table.insert(plan.new_orders)
            created = dict(
                _keyed_values(
                    Order,
                    ["platform_order_id", "id"],
                    "platform_order_id",
                    [o["platform_order_id"] for o in plan.new_orders],
                    store_id=self.store.pk,
                )
            )
            self.created.update(created.values())
            order_ids.update(created)
            if self.started_empty:
                self.created_ids.update(created)
        if plan.changed_orders:
            Order.objects.bulk_update(plan.changed_orders, [*sorted(plan.changed_order_fields), "updated_at"])
            self.updated.update(order.pk for order in plan.changed_orders)
        if plan.line_text:
            self.lines_table.copy(plan.line_text)
        elif plan.new_lines:
            for key, new_line in plan.new_lines:
                new_line["order_id"] = order_ids[key]
            self.lines_table.insert([new_line for _, new_line in plan.new_lines])
        self.lines_created += len(plan.new_lines)
        if plan.changed_lines:
            OrderLine.objects.bulk_update(plan.changed_lines, [*LINE_FIELDS, *DIGESTS])
            self.lines_updated += len(plan.changed_lines)
        if plan.refreshed_lines:
            # Only the fingerprints: nothing the desk shows changes, and it is not counted.
            OrderLine.objects.bulk_update(plan.refreshed_lines, DIGESTS)
        self._upsert_shipments(plan.rows, order_ids)

    @staticmethod
    def _line_values(row: ParsedRow) -> dict[str, object]:
        """What the row sets on its line; a value its format does not have is left as stored."""
        values: dict[str, object] = {"sku": row.sku, "quantity": row.quantity, "item_price": row.amount}
        if row.title is not None:
            values["title"] = row.title
        if row.item_status is not None:
            values["item_status"] = row.item_status
        if row.charges is not None:
            values.update(row.charges)
        return values

    def _buyer_ids(self, aliases: set[str]) -> dict[str, int]:
        if not aliases:
            return {}
        known = dict(Buyer.objects.filter(store=self.store, alias__in=aliases).values_list("alias", "pk"))
        new = [Buyer(store=self.store, alias=alias) for alias in sorted(aliases - known.keys())]
        if new:
            Buyer.objects.bulk_create(new)
            self.buyers_created += len(new)
            known.update((buyer.alias, buyer.pk) for buyer in new)
        return known

    def _order_values(self, facts: OrderFacts, buyers: dict[str, int]) -> dict[str, object]:
        values: dict[str, object] = {
            "purchased_at": facts.purchased_at,
            "status": facts.status,
            "fulfilment_channel": facts.fulfilment_channel,
            "currency": facts.currency,
        }
        for name in ("ship_country", "ship_by", "latest_delivery"):
            if (value := getattr(facts, name)) is not None:
                values[name] = value
        if facts.buyer_alias:
            values["buyer_id"] = buyers[facts.buyer_alias]
        return values

    def _upsert_shipments(self, rows: list[ParsedRow], order_ids: dict[str, int]) -> None:
        wanted: dict[tuple[int, str], ShipmentFacts] = {}
        for row in rows:
            for given in (row.shipment, *row.more_shipments):
                if given:
                    order_id = order_ids[row.order.platform_order_id]
                    wanted.setdefault((order_id, given.tracking_number), given)
        if not wanted:
            return
        existing: dict[tuple[int, str], Shipment] = {}
        for stored in Shipment.objects.filter(order_id__in={key[0] for key in wanted}).order_by("pk"):
            existing.setdefault((stored.order_id, stored.tracking_number), stored)
        new: list[Shipment] = []
        changed: list[Shipment] = []
        for (order_id, tracking), facts in wanted.items():
            values = {
                name: getattr(facts, name)
                for name in ("carrier", "shipped_at", "delivered_at")
                if getattr(facts, name) is not None
            }
            shipment = existing.get((order_id, tracking))
            if shipment is None:
                new.append(Shipment(order_id=order_id, tracking_number=tracking, **values))
                continue
            differing = [name for name, value in values.items() if getattr(shipment, name) != value]
            if differing:
                for name in differing:
                    setattr(shipment, name, values[name])
                changed.append(shipment)
        if new:
            Shipment.objects.bulk_create(new)
            self.shipments_created += len(new)
        if changed:
            Shipment.objects.bulk_update(changed, ["carrier", "shipped_at", "delivered_at"])
            self.shipments_updated += len(changed)
