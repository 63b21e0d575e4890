"""Records from a platform's API written into the desk, through the desk's own code paths.

Orders go through the importer's writer (disputes/importing.py: one source of truth for
orders), claims through the claim services (disputes/services.py), messages through
messaging's services (a buyer's message starts the reply clock, the seller's is recorded as
sent). Every write is an upsert keyed by the platform's ids, so a page written twice changes
nothing the second time. A record that cannot be written is returned with its reason and the
rest go on: orders are written a page at a time and, when that fails, one by one."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from disputes import services as claim_services
from disputes.importing import CURRENCIES, OrderFacts, ParsedRow, ShipmentFacts, write_rows
from disputes.inputs import date_problem, identifier_problem
from disputes.models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    FulfilmentChannel,
    Order,
    Outcome,
    Reason,
    Store,
)
from disputes.setaside import describe_error
from disputes.timeline import Action, record
from messaging import services as messaging_services
from messaging.models import Channel, Message

from .records import ClaimRecord, LineRecord, MessageRecord, OrderRecord, Record

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
CHARGE_NAMES = frozenset(
    {
        "item_tax",
        "shipping_price",
        "shipping_tax",
        "gift_wrap_price",
        "gift_wrap_tax",
        "item_promotion_discount",
        "ship_promotion_discount",
    }
)
# A claim the platform still waits on the seller for.
OPEN_WORDS = ("open", "awaiting_seller")
SETTLED_WORDS = ("decided", "closed")


class Refused(Exception):
    """This record cannot be written; str() says why, for the set-aside list."""


@dataclass
class Written:
    """What writing a page did: counts by what happened, and the records that failed."""

    counts: Counter[str] = field(default_factory=Counter)
    failed: list[tuple[Record, str]] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(n for name, n in self.counts.items() if name != "unchanged")

    def add(self, other: Written) -> None:
        self.counts.update(other.counts)
        self.failed.extend(other.failed)


def write_page(store: Store, records: Sequence[Record], *, platform: str = "") -> Written:
    """A page's records, orders first (so the page's claims and messages find them)."""
    written = write_orders(store, [r for r in records if isinstance(r, OrderRecord)])
    for item in records:
        if isinstance(item, OrderRecord):
            continue
        try:
            with transaction.atomic():
                if isinstance(item, ClaimRecord):
                    result = write_claim(store, item, platform=platform)
                else:
                    result = write_message(store, item, platform=platform)
        except Refused as refused:
            written.failed.append((item, str(refused)))
            continue
        except SoftTimeLimitExceeded:
            raise  # the task's time is up: the sync stops, not this record
        except Exception as error:
            log.exception("connector record %s of store %s failed", item.key, store.pk)
            written.failed.append((item, describe_error(error)))
            continue
        written.counts[result] += 1
    return written


# --- orders -----------------------------------------------------------------------------------


def _text(value: str | None, name: StrOrPromise, limit: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Refused(_("%(name)s is missing.") % {"name": name})
    if len(value) > limit:
        raise Refused(_("%(name)s is longer than %(limit)d characters.") % {"name": name, "limit": limit})
    if problem := identifier_problem(value):
        raise Refused(f"{name}: {problem}")
    return value


def _when(value: datetime | None, name: StrOrPromise) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        raise Refused(_("%(name)s has no time zone.") % {"name": name})
    if problem := date_problem(value):
        raise Refused(f"{name}: {problem}")
    return value


def _money(value: Decimal, name: StrOrPromise) -> Decimal:
    try:
        amount = Decimal(value).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        raise Refused(_("%(name)s is not an amount: %(value)s") % {"name": name, "value": value}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise Refused(_("%(name)s is not a plausible amount: %(value)s") % {"name": name, "value": value})
    return amount


def order_rows(order: OrderRecord) -> list[ParsedRow]:
    """The order as the importer's rows (one per line), or Refused saying what is wrong."""
    key = _text(order.platform_order_id, _lazy("order id"), 64, required=True)
    currency = (order.currency or "").upper()
    if currency not in CURRENCIES:
        raise Refused(_("%(value)s is not a currency code.") % {"value": order.currency})
    if order.fulfilment not in FulfilmentChannel.values:
        raise Refused(_("%(value)s is not a fulfilment channel.") % {"value": order.fulfilment})
    country = (order.ship_country or "").upper() or None
    if country is not None and not (len(country) == 2 and country.isalpha()):
        raise Refused(_("%(value)s is not a country code.") % {"value": order.ship_country})
    purchased_at = _when(order.purchased_at, _lazy("purchase date"))
    if purchased_at is None:
        raise Refused(_("purchase date is missing."))
    buyer = (order.buyer_email or order.buyer_name or "").strip()[:255] or None
    facts = OrderFacts(
        platform_order_id=key,
        purchased_at=purchased_at,
        status=_text(order.status, _lazy("order status"), 40),
        fulfilment_channel=order.fulfilment,
        currency=currency,
        ship_country=country,
        ship_by=_when(order.ship_by, _lazy("ship-by date")),
        latest_delivery=_when(order.latest_delivery, _lazy("latest delivery date")),
        buyer_alias=buyer,
    )
    if not order.lines:
        raise Refused(_("order %(order)s has no items.") % {"order": key})
    shipments = [
        ShipmentFacts(
            tracking_number=_text(s.tracking_number, _lazy("tracking number"), 100, required=True),
            carrier=_text(s.carrier, _lazy("carrier"), 100) or None,
            shipped_at=_when(s.shipped_at, _lazy("shipped date")),
            delivered_at=_when(s.delivered_at, _lazy("delivery date")),
        )
        for s in order.shipments
    ]
    seen: Counter[str] = Counter()
    rows = []
    for index, line in enumerate(order.lines):
        rows.append(_line_row(facts, line, seen, shipments[:1] if index == 0 else [], index))
    if len(shipments) > 1:
        rows[0].more_shipments = tuple(shipments[1:])
    return rows


def _line_row(
    facts: OrderFacts, line: LineRecord, seen: Counter[str], shipments: list[ShipmentFacts], index: int
) -> ParsedRow:
    sku = _text(line.sku, _lazy("SKU"), 100, required=True)
    base = _text(line.line_id, _lazy("line id"), 70) or sku[:70]
    seen[base] += 1
    line_key = base if seen[base] == 1 else f"{base} #{seen[base]}"
    if not isinstance(line.quantity, int) or not 0 <= line.quantity <= 2_147_483_647:
        raise Refused(_("%(value)s is not a quantity.") % {"value": line.quantity})
    charges = None
    if line.charges is not None:
        unknown = set(line.charges) - CHARGE_NAMES
        if unknown:
            raise Refused(_("unknown charges: %(names)s") % {"names": ", ".join(sorted(unknown))})
        charges = {name: _money(value, name) for name, value in line.charges.items()}
    return ParsedRow(
        line=index + 1,
        order=facts,
        line_key=line_key,
        sku=sku,
        title=(line.title or "").strip()[:500] if line.title is not None else None,
        quantity=line.quantity,
        amount=_money(line.item_price, _lazy("item price")),
        shipment=shipments[0] if shipments else None,
        item_status=(line.item_status or "")[:40] if line.item_status is not None else None,
        charges=charges,
    )


def write_orders(store: Store, orders: list[OrderRecord]) -> Written:
    """Upsert the orders through the importer's writer: the whole list in one go when it can,
    else one by one, so a bad order is set aside and the others are written."""
    written = Written()
    checked: dict[str, tuple[OrderRecord, list[ParsedRow]]] = {}
    for order in orders:
        try:
            checked[order.platform_order_id.strip()] = (order, order_rows(order))
        except Refused as refused:
            written.failed.append((order, str(refused)))
    if not checked:
        return written
    try:
        with transaction.atomic():
            counts = write_rows(store, [row for _order, rows in checked.values() for row in rows])
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        log.warning("orders of store %s written one by one after a failed batch", store.pk, exc_info=True)
        counts = Counter()
        for order, rows in checked.values():
            try:
                with transaction.atomic():
                    counts.update(write_rows(store, rows))
            except SoftTimeLimitExceeded:
                raise
            except Exception as error:
                written.failed.append((order, describe_error(error)))
    written.counts.update({name: n for name, n in counts.items() if n})
    touched = counts.get("orders_created", 0) + counts.get("orders_updated", 0)
    written.counts["unchanged"] += max(len(checked) - touched - len(written.failed), 0)
    return written


# --- claims -----------------------------------------------------------------------------------


def _order_of(store: Store, platform_order_id: str | None, platform_claim_id: str | None = None) -> Order:
    if not platform_order_id and not platform_claim_id:
        raise Refused(_("The platform names no order for it, so the desk has nowhere to put it."))
    order = None
    if platform_order_id:
        order = Order.objects.filter(store=store, platform_order_id=platform_order_id).first()
    if order is None and platform_order_id and platform_order_id.count("-") == 1:
        # Ozon names the order ("12345678-0001"); the desk keeps its postings ("12345678-0001-1"):
        # a single posting places it.
        postings = list(
            Order.objects.filter(store=store, platform_order_id__startswith=platform_order_id + "-")[:2]
        )
        order = postings[0] if len(postings) == 1 else None
    if order is None and platform_claim_id:
        claim = Claim.objects.filter(store=store, platform_claim_id=platform_claim_id).select_related("order")
        order = next((c.order for c in claim[:1]), None)
    if order is None:
        raise Refused(
            _("Order %(order)s is not among the orders of %(store)s (yet): retry once it is synced.")
            % {"order": platform_order_id or "?", "store": store.name}
        )
    return order


def _check_claim(item: ClaimRecord) -> None:
    _text(item.platform_claim_id, _lazy("claim id"), 64, required=True)
    if item.kind not in ClaimKind.values:
        raise Refused(_("%(value)s is not a claim kind.") % {"value": item.kind})
    if item.reason not in Reason.values:
        raise Refused(_("%(value)s is not a claim reason.") % {"value": item.reason})
    if item.outcome is not None and item.outcome not in Outcome.values:
        raise Refused(_("%(value)s is not an outcome.") % {"value": item.outcome})
    if item.status not in (*OPEN_WORDS, *SETTLED_WORDS):
        raise Refused(_("%(value)s is not a claim status.") % {"value": item.status})
    for name, value in (
        ("opened", item.opened_at),
        ("respond by", item.respond_by),
        ("decided", item.decided_at),
    ):
        _when(value, name)
    if item.amount is not None:
        _money(item.amount, _lazy("amount"))


def _state(claim: Claim) -> tuple:
    return (claim.status, claim.outcome, claim.amount, claim.respond_by, claim.platform_claim_id)


def write_claim(store: Store, item: ClaimRecord, *, platform: str = "") -> str:
    """Open, update or decide the claim with this platform id. Returns "claims_opened",
    "claims_updated", "claims_decided" or "unchanged" (also for a claim closed on the platform
    before the desk ever saw it open, with no outcome to record)."""
    _check_claim(item)
    claim = (
        Claim.objects.filter(store=store, platform_claim_id=item.platform_claim_id)
        .order_by("-opened_at")
        .first()
    )
    decided = item.status in SETTLED_WORDS and item.outcome is not None
    amount = _money(item.amount, _lazy("amount")) if item.amount is not None else None
    result = "unchanged"
    if claim is None:
        if item.status in SETTLED_WORDS and not decided:
            return "unchanged"
        order = _order_of(store, item.platform_order_id)
        claim = claim_services.claim_open(
            order=order,
            kind=item.kind,
            reason=item.reason,
            by=None,
            opened_at=item.opened_at,
            amount=amount,
            platform_claim_id=item.platform_claim_id,
            stated_respond_by=item.respond_by if not decided else None,
        )
        record(
            claim,
            Action.PLATFORM_API,
            platform=platform,
            event="opened",
            note=item.buyer_words[:600],
        )
        result = "claims_opened"
    elif claim.status not in ClaimStatus.settled():
        before = _state(claim)
        claim = claim_services.claim_platform_filed(
            claim=claim,
            by=None,
            platform_claim_id=item.platform_claim_id,
            amount=amount,
            stated_respond_by=item.respond_by if item.status in OPEN_WORDS else None,
        )
        if _state(claim) != before:
            record(claim, Action.PLATFORM_API, platform=platform, event="updated")
            result = "claims_updated"
    if decided and claim.status not in ClaimStatus.settled():
        assert item.outcome is not None
        claim = claim_services.claim_platform_decided(
            claim=claim,
            outcome=item.outcome,
            decided_at=max(item.decided_at or item.updated_at or timezone.now(), claim.opened_at),
            by=None,
            version=None,
        )
        record(claim, Action.PLATFORM_API, platform=platform, event="decided")
        result = "claims_decided"
    return result


# --- messages ---------------------------------------------------------------------------------


def message_id(item: MessageRecord, platform: str) -> str:
    """The key a platform's message is kept under (Message.rfc_message_id, unique per store)."""
    return f"{platform or 'api'}:{item.key}"[:500]


def write_message(store: Store, item: MessageRecord, *, platform: str = "") -> str:
    """File the message in its order's thread once. Returns "messages_received",
    "messages_sent" or "unchanged"."""
    _text(item.platform_message_id, _lazy("message id"), 200, required=True)
    _when(item.sent_at, _lazy("sent"))
    if item.direction not in ("in", "out"):
        raise Refused(_("%(value)s is not a message direction.") % {"value": item.direction})
    key = message_id(item, platform)
    if Message.objects.filter(store=store, rfc_message_id=key).exists():
        return "unchanged"
    order = _order_of(store, item.platform_order_id, item.platform_claim_id)
    body = item.body.strip()
    if item.attachment_names:
        names = ", ".join(item.attachment_names)
        body = (body + "\n\n" if body else "") + _("Attachments on the platform: %(names)s") % {
            "names": names
        }
    if not body:
        return "unchanged"  # nothing to read (a system event of the chat)
    if item.direction == "in":
        messaging_services.message_receive(
            order=order,
            body=body,
            at=item.sent_at,
            channel=Channel.PLATFORM,
            author_name=item.author[:255],
            rfc_message_id=key,
        )
        return "messages_received"
    sent = messaging_services.sent_copy_record(
        order=order, body=body, at=item.sent_at, author_name=item.author[:255], rfc_message_id=key
    )
    return "messages_sent" if sent is not None else "unchanged"
