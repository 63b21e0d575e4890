"""eBay Seller Hub's "Orders" report (Orders → Download report), as eBay delivers it.

Comma-separated, with a blank or comma-only line above the header and two lines below the data
("3 record(s) downloaded…", "Seller ID: …"). One row per line item; an order of several items
has first a summary row (no item number) that carries the buyer, dates and totals, and then
its item rows, which may leave those cells blank. Dates are American ("May-01-26",
"05/01/2026"), amounts carry a currency sign ("$24.99", "£12.00")."""

from __future__ import annotations

import csv
import re
from collections import Counter
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from ..importing import OrderFacts, ParsedRow, Quoting, ShipmentFacts, _Cells
from ..models import FulfilmentChannel, Platform, Store
from . import common

EBAY_FORMAT = "ebay_orders"

# Cells of an item row that, when blank, are read from its order's summary row.
ORDER_COLUMNS = (
    "buyer username",
    "ship to country",
    "sale date",
    "paid on date",
    "ship by date",
    "maximum estimated delivery date",
    "shipped on date",
    "shipping service",
    "tracking number",
    "ebay fulfillment program",
)
DATE_PATTERNS = (
    "%b-%d-%y",
    "%b-%d-%Y",
    "%b %d, %Y",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%b-%d-%y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
)
FOOTER = re.compile(r"^\s*(\d[\d,]*\s+record\(s\)\s+downloaded|seller\s*id\b)", re.IGNORECASE)
COUNTRIES = {
    "united states": "US",
    "canada": "CA",
    "mexico": "MX",
    "united kingdom": "GB",
    "germany": "DE",
    "france": "FR",
    "italy": "IT",
    "spain": "ES",
    "australia": "AU",
    "ireland": "IE",
    "austria": "AT",
    "netherlands": "NL",
}


class EbayOrders:
    name = EBAY_FORMAT
    delimiter = ","
    quoting: Quoting = csv.QUOTE_MINIMAL
    required: tuple[str, ...] = ("order number", "item number", "quantity", "sold for", "sale date")
    aliases: dict[str, str] = {}

    @staticmethod
    def recognises(header_text: str) -> bool:
        folded = header_text.casefold()
        return "sales record number" in folded and "order number" in folded

    def __init__(self, store: Store) -> None:
        self.store = store
        self.skipped: Counter[str] = Counter()  # nothing is routed elsewhere
        self.tz = ZoneInfo(store.time_zone)
        dollar = store.currency if store.currency in {"USD", "CAD", "AUD"} else "USD"
        self.symbols = {
            "$": dollar,
            "US$": "USD",
            "C$": "CAD",
            "CA$": "CAD",
            "AU$": "AUD",
            "A$": "AUD",
            "£": "GBP",
            "€": "EUR",
            "EUR": "EUR",
            "USD": "USD",
            "GBP": "GBP",
            "CAD": "CAD",
            "AUD": "AUD",
        }
        # The latest summary row: (order number, its cells).
        self.summary: tuple[str, dict[str, str]] | None = None

    def stores(self) -> list[Store]:
        return [self.store]

    def check_store(self) -> str | None:
        if self.store.platform != Platform.EBAY:
            return _("%(store)s is not an eBay store: an eBay report cannot be imported into it.") % {
                "store": self.store.name
            }
        return None

    def parse(self, cells: _Cells) -> ParsedRow | None:
        order_id = cells.text("order number")
        item = cells.text("item number")
        if not order_id and not item and any(FOOTER.match(value or "") for value in cells.values.values()):
            return None  # the lines eBay writes below the data
        order_id = cells.identifier("order number", max_length=64)
        if not item:
            self.summary = (order_id, dict(cells.values))
            return None
        if self.summary and self.summary[0] == order_id:
            for column in ORDER_COLUMNS:
                if not cells.text(column):
                    cells.values[column] = self.summary[1].get(column, "")
        item = cells.identifier("item number", max_length=40)
        transaction = cells.identifier("transaction id", max_length=23, required=False)
        sku = cells.identifier("custom label", max_length=64, required=False) or item
        quantity = cells.quantity("quantity", allow_zero=False)
        unit_price, currency = common.amount(cells, "sold for", self.symbols)
        currency = currency or self.store.currency
        if unit_price is not None and currency != self.store.currency:
            cells.problem(
                _("currency %(currency)s is not the currency of store %(store)s (%(expected)s).")
                % {"currency": currency, "store": self.store.name, "expected": self.store.currency}
            )
        purchased_at = common.when(cells, "sale date", DATE_PATTERNS, self.tz, required=True)
        paid_at = common.when(cells, "paid on date", DATE_PATTERNS, self.tz)
        shipped_at = common.when(cells, "shipped on date", DATE_PATTERNS, self.tz)
        ship_by = self._end_of_day(common.when(cells, "ship by date", DATE_PATTERNS, self.tz))
        latest = self._end_of_day(
            common.when(cells, "maximum estimated delivery date", DATE_PATTERNS, self.tz)
        )
        buyer = cells.identifier("buyer username", max_length=255, required=False) or None
        tracking = cells.identifier("tracking number", max_length=100, required=False)
        carrier = cells.identifier("shipping service", max_length=100, required=False) or None
        country = cells.text("ship to country")
        ship_country = COUNTRIES.get(country.casefold()) or (country.upper() if len(country) == 2 else None)
        if cells.problems:
            return None
        assert purchased_at is not None and quantity is not None and unit_price is not None
        status = "shipped" if shipped_at else "unshipped" if paid_at else "pending"
        platform_fulfilled = cells.text("ebay fulfillment program").casefold() in {"yes", "true", "1"}
        return ParsedRow(
            line=0,
            order=OrderFacts(
                platform_order_id=order_id,
                purchased_at=purchased_at,
                status=status,
                fulfilment_channel=FulfilmentChannel.PLATFORM
                if platform_fulfilled
                else FulfilmentChannel.SELLER,
                currency=currency,
                ship_country=ship_country,
                ship_by=ship_by,
                latest_delivery=latest,
                buyer_alias=buyer,
            ),
            line_key=f"{item}-{transaction}" if transaction else item,
            sku=sku,
            title=cells.text("item title")[:500] or None,
            quantity=quantity,
            amount=(unit_price * quantity).quantize(Decimal("0.01")),
            shipment=ShipmentFacts(tracking, carrier, shipped_at, None) if tracking else None,
        )

    @staticmethod
    def _end_of_day(value):
        # eBay's promised dates are days: a promise "by May 5" holds all of May 5.
        if value is not None and (value.hour, value.minute, value.second) == (0, 0, 0):
            value = value.replace(hour=23, minute=59, second=59)
        return value
