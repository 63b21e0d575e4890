"""What every platform's API is mapped to before the desk writes it: plain, neutral records.

A platform module turns its JSON into these and knows nothing of the desk's models;
connectors/writing.py turns these into orders, claims and messages. Times are aware datetimes;
money is Decimal in the currency given beside it. None means "the platform does not say" and
keeps what the desk already holds."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class LineRecord:
    sku: str
    quantity: int
    # The line's price for its whole quantity, as Amazon's ItemPrice (unit price × quantity where
    # the platform gives a unit price).
    item_price: Decimal
    title: str | None = None
    item_status: str | None = None
    # The platform's own id of the line, when an order may hold one SKU twice; else the SKU.
    line_id: str | None = None
    # Tax, shipping, gift wrap and discounts of the line, by OrderLine's names (item_tax,
    # shipping_price, shipping_tax, gift_wrap_price, gift_wrap_tax, item_promotion_discount,
    # ship_promotion_discount); None: the platform does not report them.
    charges: dict[str, Decimal] | None = None


@dataclass(frozen=True, slots=True)
class ShipmentRecord:
    tracking_number: str
    carrier: str | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OrderRecord:
    platform_order_id: str
    purchased_at: datetime
    status: str
    currency: str
    lines: list[LineRecord]
    # "seller" or "platform" (disputes.models.FulfilmentChannel's values).
    fulfilment: str = "seller"
    updated_at: datetime | None = None
    buyer_name: str | None = None
    buyer_email: str | None = None
    ship_country: str | None = None
    ship_by: datetime | None = None
    latest_delivery: datetime | None = None
    shipments: list[ShipmentRecord] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.platform_order_id


ClaimStatusWord = Literal["open", "awaiting_seller", "decided", "closed"]


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    platform_claim_id: str
    platform_order_id: str
    # disputes.models.ClaimKind and Reason values (the platform module maps its own words).
    kind: str
    reason: str
    opened_at: datetime
    status: ClaimStatusWord = "open"
    amount: Decimal | None = None
    currency: str | None = None
    # The platform's own time by which the seller must respond, when it gives one.
    respond_by: datetime | None = None
    # disputes.models.Outcome value, when decided.
    outcome: str | None = None
    decided_at: datetime | None = None
    buyer_words: str = ""
    updated_at: datetime | None = None

    @property
    def key(self) -> str:
        return self.platform_claim_id


@dataclass(frozen=True, slots=True)
class MessageRecord:
    platform_message_id: str
    # The thread on the platform (a chat id, a conversation id); with the message id it is unique.
    thread_key: str
    direction: Literal["in", "out"]
    sent_at: datetime
    body: str
    platform_order_id: str | None = None
    platform_claim_id: str | None = None
    author: str = ""
    attachment_names: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.thread_key}/{self.platform_message_id}"


Record = OrderRecord | ClaimRecord | MessageRecord

RECORD_TYPES: dict[str, type] = {"order": OrderRecord, "claim": ClaimRecord, "message": MessageRecord}


def type_name(record: Record) -> str:
    return next(name for name, cls in RECORD_TYPES.items() if isinstance(record, cls))


# --- kept as JSON (a record set aside is written again from this) -------------------------------


def to_json(record: Any) -> Any:
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: to_json(getattr(record, f.name)) for f in dataclasses.fields(record)}
    if isinstance(record, datetime):
        return record.isoformat()
    if isinstance(record, Decimal):
        return str(record)
    if isinstance(record, list):
        return [to_json(item) for item in record]
    if isinstance(record, dict):
        return {key: to_json(value) for key, value in record.items()}
    return record


def _from(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _from(options[0], value) if len(options) == 1 else value
    if origin is list:
        (item,) = typing.get_args(kind)
        return [_from(item, each) for each in value]
    if origin is dict:
        _key, item = typing.get_args(kind)
        return {name: _from(item, each) for name, each in value.items()}
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is Decimal:
        return Decimal(value)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return from_json(kind, value)
    return value


def from_json(cls: type, data: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    return cls(
        **{f.name: _from(hints[f.name], data[f.name]) for f in dataclasses.fields(cls) if f.name in data}
    )
