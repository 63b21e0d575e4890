"""Ozon Seller API: FBS and FBO postings become orders, FBO/FBS returns become claims, buyer
chats become messages.

Authentication is two headers, Client-Id and Api-Key, on every request (no token to refresh).
Every method is a JSON POST to api-seller.ozon.ru. What is read, and how it pages:

- /v3/posting/fbs/list: postings whose status changed in a window
  (filter.last_changed_status_date), `limit` up to 1000 and `offset`, `result.has_next`.
- /v2/posting/fbo/list: postings created in a window (filter.since/to), `limit`/`offset`; the
  answer is a bare list, shorter than `limit` on the last page. FBO postings change status for
  a while after they are created, so each sync reads the last REVISIT_DAYS again.
- /v1/returns/list: returns whose visual status changed in a window
  (filter.visual_status_change_moment), paged by `last_id`, `has_next`.
- /v3/chat/list (paged by `cursor`, `has_next`) and /v3/chat/history (direction Forward from a
  message id): the buyer chats, read from the last message the desk has of each.

A window's end is fixed when the window starts, and the cursor after each page says which
window and how far into it; the next sync starts where the last finished window ended, a little
earlier (OVERLAP), since a change can be stamped a moment before it becomes visible.
A posting number (12345678-0001-1) is the desk's order, as in Ozon's exports."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import CredentialField, Page, read_ahead
from ..http import ConnectorError, Http, base_url
from ..models import Connection
from ..records import ClaimRecord, LineRecord, MessageRecord, OrderRecord, ShipmentRecord

API = "https://api-seller.ozon.ru"
# How far back the first sync reads.
FIRST_DAYS = 30
REVISIT_DAYS = 14
OVERLAP = timedelta(minutes=5)
POSTINGS_PAGE = 1000
RETURNS_PAGE = 500
CHATS_PAGE = 100
HISTORY_PAGE = 100

# Ozon's posting statuses as the desk's (the same words its export import uses); others are kept.
STATUSES = {
    "awaiting_registration": "pending",
    "acceptance_in_progress": "pending",
    "awaiting_approve": "pending",
    "awaiting_packaging": "unshipped",
    "awaiting_deliver": "unshipped",
    "sent_by_seller": "shipped",
    "driver_pickup": "shipped",
    "delivering": "shipped",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "not_accepted": "cancelled",
}
# The return reasons Ozon shows buyers, by how their wording starts (lower case), as the desk's.
REASONS = (
    ("брак", "damaged"),
    ("поврежд", "damaged"),
    ("товар поврежд", "damaged"),
    ("не соответствует", "not_as_described"),
    ("не соответств", "not_as_described"),
    ("некомплект", "missing_parts"),
    ("не хватает", "missing_parts"),
    ("неполная комплектация", "missing_parts"),
    ("не получил", "not_received"),
    ("не доставлен", "not_received"),
)
# Return statuses (visual.status.sys_name) after which nothing more is owed: the goods went
# back to the seller, were disposed of or compensated. Ozon refunds the buyer for a return, so
# the desk records such a claim as refunded.
RETURN_ENDED = {
    "ReturnedToSeller",
    "ReturnedToOzon",
    "Utilized",
    "Disposed",
    "CancelledWithCompensation",
    "Compensated",
}
# A cancellation before delivery is in the same list but is nobody's complaint.
NOT_A_CLAIM_TYPES = {"Cancellation"}


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ConnectorError(
            _("Ozon sent a time the desk cannot read: %(value)s") % {"value": str(value)[:40]}
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value or "0"))
    except InvalidOperation:
        return Decimal("NaN")  # refused with its reason by the writer


def reason_of(text: str) -> str:
    folded = (text or "").casefold().replace("ё", "е")
    return next((reason for start, reason in REASONS if folded.startswith(start)), "other")


class _Window:
    """A window of time read page by page, kept in a cursor as JSON: {"from", "to", "at"} where
    "at" is the offset or last id reached in it; a finished window leaves only {"from": end}."""

    def __init__(self, cursor: str | None, *, first_days: int = FIRST_DAYS, revisit: timedelta | None = None):
        now = timezone.now()
        state = json.loads(cursor) if cursor else {}
        self.start: datetime = now - timedelta(days=first_days)
        self.end: datetime = now
        self.at = 0
        if "to" in state:  # a window cut short: go on with it
            self.start = _when(state["from"]) or self.start
            self.end = _when(state["to"]) or now
            self.at = state.get("at", 0)
        else:
            start = _when(state.get("from")) or self.start
            if revisit is not None:
                start = min(start, now - revisit)
            self.start = start - OVERLAP

    def cursor(self, at: Any) -> str:
        return json.dumps({"from": _iso(self.start), "to": _iso(self.end), "at": at})

    def done(self) -> str:
        return json.dumps({"from": _iso(self.end)})


# What one page of a windowed list gives: its records, where the next page starts, whether there is one.
_Found = tuple[Sequence[OrderRecord | ClaimRecord], int, bool]


def _postings_query(window_filter: dict, offset: int) -> dict:
    return {
        "dir": "ASC",
        "filter": window_filter,
        "limit": POSTINGS_PAGE,
        "offset": offset,
        "with": {"analytics_data": False, "financial_data": False},
    }


class _Stream:
    name = ""

    def __init__(self, ozon: Ozon) -> None:
        self.ozon = ozon

    def pull(self, cursor: str | None) -> Iterator[Page]:
        # The next page comes over HTTP while this one is written (Ozon's pull reads no database).
        return read_ahead(self._pages(cursor))

    def _pages(self, cursor: str | None) -> Iterator[Page]:
        raise NotImplementedError


class _WindowedStream(_Stream):
    """A list read window by window (see _Window), page by page inside one; `at` is where the
    next page starts (an offset or the last id read), as the list pages."""

    revisit: timedelta | None = None

    def page(self, window: _Window, at: int) -> _Found:
        """The page that starts at `at`."""
        raise NotImplementedError

    def _pages(self, cursor: str | None) -> Iterator[Page]:
        window = _Window(cursor, revisit=self.revisit)
        at = int(window.at or 0)
        while True:
            records, at, more = self.page(window, at)
            yield Page(records, window.cursor(at) if more else window.done())
            if not more:
                return


class FbsPostings(_WindowedStream):
    name = "fbs_postings"

    def page(self, window: _Window, at: int) -> _Found:
        changed = {"from": _iso(window.start), "to": _iso(window.end)}
        body = _postings_query({"last_changed_status_date": changed}, at)
        answer = self.ozon.http.post_json("/v3/posting/fbs/list", body, what=_("FBS postings"))
        result = answer.get("result") or {}
        postings = result.get("postings") or []
        more = bool(result.get("has_next")) and bool(postings)
        return [self.ozon.order(p, fbs=True) for p in postings], at + len(postings), more


class FboPostings(_WindowedStream):
    name = "fbo_postings"
    revisit = timedelta(days=REVISIT_DAYS)

    def page(self, window: _Window, at: int) -> _Found:
        body = _postings_query({"since": _iso(window.start), "to": _iso(window.end)}, at)
        answer = self.ozon.http.post_json("/v2/posting/fbo/list", body, what=_("FBO postings"))
        postings = answer.get("result") or []
        more = len(postings) == POSTINGS_PAGE
        return [self.ozon.order(p, fbs=False) for p in postings], at + len(postings), more


class Returns(_WindowedStream):
    name = "returns"

    def page(self, window: _Window, at: int) -> _Found:
        body = {
            "filter": {
                "visual_status_change_moment": {
                    "time_from": _iso(window.start),
                    "time_to": _iso(window.end),
                }
            },
            "limit": RETURNS_PAGE,
            "last_id": at,
        }
        answer = self.ozon.http.post_json("/v1/returns/list", body, what=_("returns"))
        returns = answer.get("returns") or []
        if returns:
            at = max(int(item.get("id") or 0) for item in returns)
        more = bool(answer.get("has_next")) and bool(returns)
        records = [claim for item in returns if (claim := self.ozon.claim(item)) is not None]
        return records, at, more


class Chats(_Stream):
    """Buyer chats: each chat whose last message the desk has not read yet, read on from there.
    The cursor is {chat id: last message id read}, moved with each page of a chat's history."""

    name = "chats"

    def _pages(self, cursor: str | None) -> Iterator[Page]:
        seen: dict[str, str] = json.loads(cursor) if cursor else {}
        for chat in self._chats():
            chat_id = str(chat.get("chat", {}).get("chat_id") or "")
            last = str(chat.get("last_message_id") or "")
            if not chat_id or chat.get("chat", {}).get("chat_type") != "Buyer_Seller":
                continue
            if last and seen.get(chat_id) == last:
                continue
            yield from self._history(chat_id, seen)

    def _chats(self) -> Iterator[dict]:
        page_cursor = ""
        while True:
            body: dict[str, Any] = {
                "filter": {"chat_status": "All", "unread_only": False},
                "limit": CHATS_PAGE,
            }
            if page_cursor:
                body["cursor"] = page_cursor
            answer = self.ozon.http.post_json("/v3/chat/list", body, what=_("chats"))
            yield from answer.get("chats") or []
            page_cursor = answer.get("cursor") or ""
            if not answer.get("has_next") or not page_cursor:
                return

    def _history(self, chat_id: str, seen: dict[str, str]) -> Iterator[Page]:
        order_number: str | None = None
        while True:
            after = int(seen.get(chat_id) or 0)
            body = {
                "chat_id": chat_id,
                "direction": "Forward",
                "from_message_id": after,
                "limit": HISTORY_PAGE,
            }
            answer = self.ozon.http.post_json("/v3/chat/history", body, what=_("chat history"))
            messages = [m for m in answer.get("messages") or [] if int(m.get("message_id") or 0) > after]
            records = []
            for message in messages:
                order_number = str((message.get("context") or {}).get("order_number") or "") or order_number
                if (record := self.ozon.message(chat_id, message, order_number)) is not None:
                    records.append(record)
            if messages:
                seen[chat_id] = str(max(int(m["message_id"]) for m in messages))
            yield Page(records, json.dumps(seen, sort_keys=True))
            if not answer.get("has_next") or not messages:
                return


class Ozon:
    label = "Ozon"
    fields = [
        CredentialField("client_id", gettext_lazy("Client-Id"), secret=False),
        CredentialField(
            "api_key",
            gettext_lazy("Api-Key"),
            help_text=gettext_lazy(
                "Seller API key from Settings → Seller API (read access to postings, returns and chats)."
            ),
        ),
    ]

    def __init__(self, connection: Connection, http: Http | None = None) -> None:
        self.connection = connection
        self.currency = connection.store.currency
        self.http = http or Http(base_url("ozon", API), platform="Ozon", auth=self._headers)

    def _headers(self) -> dict[str, str]:
        secrets = self.connection.secrets()
        return {
            "Client-Id": str(self.connection.settings.get("client_id", "")),
            "Api-Key": secrets.get("api_key", ""),
        }

    def check(self) -> str:
        answer = self.http.post_json("/v1/seller/info", {}, what=_("the seller's account"))
        company = answer.get("company") or {}
        name = company.get("name") or company.get("legal_name") or ""
        if not name:
            raise ConnectorError(_("Ozon answered, but did not name the seller's account."))
        return _("Connected to Ozon as %(name)s (Client-Id %(client)s).") % {
            "name": name,
            "client": self.connection.settings.get("client_id", ""),
        }

    def streams(self) -> list:
        return [FbsPostings(self), FboPostings(self), Returns(self), Chats(self)]

    # --- Ozon's JSON as records ---------------------------------------------------------------

    def order(self, posting: dict, *, fbs: bool) -> OrderRecord:
        products = posting.get("products") or []
        raw_status = str(posting.get("status") or "")
        tracking = str(posting.get("tracking_number") or "").strip()
        carrier = ((posting.get("delivery_method") or {}).get("tpl_provider") or "") or None
        shipped = _when(posting.get("delivering_date"))
        customer = posting.get("customer") or {}
        return OrderRecord(
            platform_order_id=str(posting.get("posting_number") or ""),
            purchased_at=_when(posting.get("in_process_at") or posting.get("created_at")) or timezone.now(),
            status=STATUSES.get(raw_status, raw_status),
            currency=str((products[0].get("currency_code") if products else "") or self.currency),
            fulfilment="seller" if fbs else "platform",
            lines=[
                LineRecord(
                    sku=str(p.get("offer_id") or p.get("sku") or ""),
                    quantity=int(p.get("quantity") or 0),
                    item_price=_money(p.get("price")) * int(p.get("quantity") or 0),
                    title=p.get("name"),
                )
                for p in products
            ],
            buyer_name=customer.get("name") or None,
            ship_by=_when(posting.get("shipment_date")) if fbs else None,
            shipments=[ShipmentRecord(tracking, carrier=carrier, shipped_at=shipped)] if tracking else [],
        )

    def claim(self, item: dict) -> ClaimRecord | None:
        if item.get("type") in NOT_A_CLAIM_TYPES:
            return None
        product = item.get("product") or {}
        price = product.get("price") or {}
        visual = item.get("visual") or {}
        status = (visual.get("status") or {}).get("sys_name") or ""
        changed = _when(visual.get("change_moment"))
        opened = _when((item.get("logistic") or {}).get("return_date")) or changed or timezone.now()
        ended = status in RETURN_ENDED
        quantity = int(product.get("quantity") or 1)
        return ClaimRecord(
            platform_claim_id=str(item.get("id") or ""),
            platform_order_id=str(item.get("posting_number") or ""),
            kind="ozon_dispute",
            reason=reason_of(item.get("return_reason_name") or ""),
            opened_at=opened,
            status="decided" if ended else "open",
            amount=_money(price.get("price")) * quantity if price.get("price") is not None else None,
            currency=price.get("currency_code"),
            outcome="refunded" if ended else None,
            decided_at=changed if ended else None,
            buyer_words=str(item.get("return_reason_name") or ""),
            updated_at=changed,
        )

    def message(self, chat_id: str, message: dict, order_number: str | None) -> MessageRecord | None:
        user = message.get("user") or {}
        kind = str(user.get("type") or "").casefold()
        # Ozon spells the buyer "Customer" (its examples once with a Cyrillic С); support, bots
        # and notices in a buyer chat are not the buyer's words.
        direction: Literal["in", "out"]
        if kind.endswith("ustomer"):
            direction = "in"
        elif kind == "seller":
            direction = "out"
        else:
            return None
        texts = message.get("data") or []
        return MessageRecord(
            platform_message_id=str(message.get("message_id")),
            thread_key=chat_id,
            direction=direction,
            sent_at=_when(message.get("created_at")) or timezone.now(),
            body="\n".join(str(t) for t in texts),
            platform_order_id=order_number,
            author=_("Buyer") if direction == "in" else _("Seller"),
            attachment_names=[_("an image")] if message.get("is_image") else [],
        )
