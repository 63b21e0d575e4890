"""Ozon's postings export (Заказы → Выгрузить, FBS or FBO), as Ozon delivers it.

Semicolon-separated, Russian headers, UTF-8 (Excel's re-save: Windows-1251). One row per
product of a posting; times are Moscow time. A posting (`Номер отправления`, e.g.
12345678-0001-1) is what the buyer receives and what claims name, so it is the desk's order;
the order number (12345678-0001) is the posting number without its last part."""

from __future__ import annotations

import csv
from collections import Counter
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from ..importing import OrderFacts, ParsedRow, Quoting, ShipmentFacts, _Cells, _shown
from ..models import FulfilmentChannel, Platform, Store
from . import common

OZON_FORMAT = "ozon_postings"
MOSCOW = ZoneInfo("Europe/Moscow")
POSTING = "номер отправления"
ORDER = "номер заказа"
# Only the FBS export (the seller ships) has this column; the FBO one (Ozon ships) has not.
HANDED_OVER = "фактическая дата передачи в доставку"
PRICE_COLUMNS = ("итоговая стоимость товара", "ваша цена")
DATE_PATTERNS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d",
    "%d.%m.%Y",
)
# Ozon's common statuses, by the start of their (lower-case, ё as е) wording, as the desk's.
STATUSES = (
    ("ожидает", "unshipped"),
    ("передается в доставку", "shipped"),
    ("доставляется", "shipped"),
    ("в пути", "shipped"),
    ("доставлен", "delivered"),
    ("получен", "delivered"),
    ("отменен", "cancelled"),
    ("возврат", "returned"),
)


class OzonPostings:
    name = OZON_FORMAT
    delimiter = ";"
    quoting: Quoting = csv.QUOTE_MINIMAL
    required: tuple[str, ...] = (ORDER, POSTING, "принят в обработку", "статус", "артикул", "количество")
    aliases: dict[str, str] = {}

    @staticmethod
    def recognises(header_text: str) -> bool:
        folded = header_text.casefold()
        return ";" in folded and POSTING in folded

    def __init__(self, store: Store) -> None:
        self.store = store
        self.skipped: Counter[str] = Counter()  # nothing is routed elsewhere
        self.symbols = {"₽": "RUB", "РУБ": "RUB", "RUB": "RUB"}

    def stores(self) -> list[Store]:
        return [self.store]

    def check_store(self) -> str | None:
        if self.store.platform != Platform.OZON:
            return _("%(store)s is not an Ozon store: an Ozon export cannot be imported into it.") % {
                "store": self.store.name
            }
        return None

    def parse(self, cells: _Cells) -> ParsedRow | None:
        posting = cells.identifier(POSTING, max_length=64)
        order_number = cells.identifier(ORDER, max_length=64)
        if posting and order_number and not posting.startswith(order_number + "-"):
            cells.problem(
                _("%(posting)s is not a posting of order %(order)s: are the two columns swapped?")
                % {"posting": _shown(posting), "order": _shown(order_number)}
            )
        status = self._status(cells)
        cancelled = status == "cancelled"
        purchased_at = common.when(cells, "принят в обработку", DATE_PATTERNS, MOSCOW, required=True)
        sku = cells.identifier("артикул", max_length=64)
        quantity = cells.quantity("количество", allow_zero=cancelled)
        price_column = next((c for c in PRICE_COLUMNS if c in cells.values), PRICE_COLUMNS[0])
        unit_price, _sign = common.amount(cells, price_column, self.symbols, blank_is_zero=cancelled)
        currency = cells.currency("код валюты товара", default=self.store.currency)
        if currency and currency != self.store.currency:
            cells.problem(
                _("currency %(currency)s is not the currency of store %(store)s (%(expected)s).")
                % {"currency": currency, "store": self.store.name, "expected": self.store.currency}
            )
        fbs = HANDED_OVER in cells.values
        ship_by = common.when(cells, "дата отгрузки", DATE_PATTERNS, MOSCOW) if fbs else None
        shipped_at = common.when(cells, HANDED_OVER, DATE_PATTERNS, MOSCOW) if fbs else None
        delivered_at = common.when(cells, "дата доставки", DATE_PATTERNS, MOSCOW)
        tracking = cells.identifier("трек-номер", max_length=100, required=False)
        if cells.problems:
            return None
        assert purchased_at is not None and quantity is not None and unit_price is not None
        assert currency is not None
        return ParsedRow(
            line=0,
            order=OrderFacts(
                platform_order_id=posting,
                purchased_at=purchased_at,
                status=status,
                fulfilment_channel=FulfilmentChannel.SELLER if fbs else FulfilmentChannel.PLATFORM,
                currency=currency,
                ship_by=ship_by,
            ),
            line_key=sku,
            sku=sku,
            title=cells.text("наименование товара")[:500] or None,
            quantity=quantity,
            amount=(unit_price * quantity).quantize(Decimal("0.01")),
            shipment=ShipmentFacts(tracking, None, shipped_at, delivered_at) if tracking else None,
        )

    @staticmethod
    def _status(cells: _Cells) -> str:
        raw = cells.required("статус", max_length=40)
        folded = raw.casefold().replace("ё", "е")
        for start, status in STATUSES:
            if folded.startswith(start):
                return status
        # Ozon has more statuses (arbitration, not accepted at the sorting centre…): kept as written.
        return raw
