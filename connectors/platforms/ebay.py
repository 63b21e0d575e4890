"""eBay: orders from the Fulfillment API; returns, item-not-received inquiries and cases from the
Post-Order API v2, each a claim carrying eBay's own respond-by time; and the seller's answers
the Post-Order API allows (connectors/platforms/ebay_actions.py).

Authentication is eBay's OAuth user token: the app's client id and secret plus the seller's
refresh token (valid 18 months) buy a user access token (valid 2 hours) at
/identity/v1/oauth2/token. The Fulfillment API takes it as `Bearer`, the Post-Order API as `IAF`.

Cursors are small JSON texts. Orders are read by last-modified time in a closed window
[from..to] fixed when the window starts, paged by offset; the cursor names the window and the
offset reached, so a run cut short goes on where its last written page ended, and the next window
starts a little before the last one ended (the writes are idempotent, an overlap costs nothing).
Post-Order searches can only filter by creation time, so each of their streams reads new items
by creation window and then asks for the current state of every item the desk still holds
open; that is how a return accepted, an inquiry escalated or a case decided flows back."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import requests
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.models import Claim, ClaimKind, ClaimStatus, Order, Outcome, Reason

from ..base import CredentialField, Page
from ..http import AuthRefused, Http, Transient, base_url
from ..models import Connection
from ..records import ClaimRecord, ClaimStatusWord, LineRecord, OrderRecord, ShipmentRecord

API = "https://api.ebay.com"
TOKEN_PATH = "/identity/v1/oauth2/token"
SCOPES = " ".join(
    [
        "https://api.ebay.com/oauth/api_scope",
        "https://api.ebay.com/oauth/api_scope/sell.fulfillment",
    ]
)
ORDERS_PER_PAGE = 200  # the Fulfillment API's largest page
CLAIMS_PER_PAGE = 50
REFRESH_PER_PAGE = 50
# How far back the first sync looks (the Post-Order searches refuse more than 18 months).
FIRST_WINDOW = timedelta(days=90)
# Each window starts this much before the last one ended: eBay's clocks and ours may differ.
OVERLAP = timedelta(minutes=5)

# Claim ids on the desk name what they are: eBay numbers returns, inquiries and cases apart.
# An inquiry eBay is asked to step into becomes a case with the same number, so an INR case
# keeps its inquiry's claim (`inr-`), while a case opened from a return has its own (`case-`).
RETURN, INR, CASE = "return-", "inr-", "case-"

RETURN_REASONS = {
    "ARRIVED_DAMAGED": Reason.DAMAGED,
    "DEFECTIVE_ITEM": Reason.NOT_AS_DESCRIBED,
    "NOT_AS_DESCRIBED": Reason.NOT_AS_DESCRIBED,
    "DIFFERENT_FROM_LISTING": Reason.NOT_AS_DESCRIBED,
    "WRONG_ITEM": Reason.NOT_AS_DESCRIBED,
    "FAKE_OR_COUNTERFEIT": Reason.NOT_AS_DESCRIBED,
    "MISSING_PARTS": Reason.MISSING_PARTS,
    "ITEM_NOT_RECEIVED": Reason.NOT_RECEIVED,
}
OPEN_WAITING_SELLER = {"OPEN", "WAITING_SELLER_RESPONSE", "PENDING_SELLER"}
CLOSED = {"CLOSED", "CS_CLOSED"}
REFUND_RESOLUTIONS = {"REFUND", "FULL_REFUND", "PARTIAL_REFUND"}


def parse_time(value: Any) -> datetime | None:
    """eBay's times: a bare ISO string (Fulfillment) or Post-Order's {"value": …} container."""
    if isinstance(value, dict):
        value = value.get("value")
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def stamp(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def amount(container: Any) -> tuple[Decimal | None, str | None]:
    if not isinstance(container, dict) or container.get("value") in (None, ""):
        return None, None
    try:
        return Decimal(str(container["value"])), container.get("currency")
    except InvalidOperation:
        return None, None


# --- the client ------------------------------------------------------------------------------


class EbayClient:
    """eBay over the desk's Http: one user access token per run, renewed once when eBay says
    it has expired."""

    def __init__(self, connection: Connection, http: Http | None = None) -> None:
        self.connection = connection
        self._token: str | None = None
        self.http = http or Http(
            base_url("ebay", API),
            platform="eBay",
            auth=self._auth_headers,
            refresh=self._renew,
            expired=lambda response: response.status_code == 401,
        )
        # The scheme each API expects in front of the token, set per request by `_auth_headers`.
        self._scheme = "Bearer"

    # OAuth

    def _secrets(self) -> dict[str, str]:
        secrets = {"client_id": self.connection.settings.get("client_id", ""), **self.connection.secrets()}
        missing = [name for name in ("client_id", "client_secret", "refresh_token") if not secrets.get(name)]
        if missing:
            raise AuthRefused(_("eBay credentials are incomplete: connect the store again."))
        return secrets

    def token(self) -> str:
        if self._token is None:
            self._token = self._new_token()
        return self._token

    def _new_token(self) -> str:
        secrets = self._secrets()
        basic = base64.b64encode(f"{secrets['client_id']}:{secrets['client_secret']}".encode()).decode()
        try:
            response = self.http.session.post(
                self.http.url(TOKEN_PATH),
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": secrets["refresh_token"],
                    "scope": SCOPES,
                },
                headers={"Authorization": f"Basic {basic}"},
                timeout=self.http.timeout,
            )
        except (requests.ConnectionError, requests.Timeout) as error:
            raise Transient(
                _("eBay could not be reached (%(error)s); the next sync tries again.")
                % {"error": type(error).__name__}
            ) from None
        self.http.requests += 1
        if response.status_code >= 500:
            raise Transient(
                _(
                    "eBay's sign-in service answered with a server error (%(status)s); the next sync tries again."
                )
                % {"status": response.status_code}
            )
        if response.status_code != 200:
            try:
                code = str(response.json().get("error", ""))[:60]
            except ValueError:
                code = str(response.status_code)
            raise AuthRefused(
                _("eBay refused the credentials (%(code)s): connect the store again.") % {"code": code}
            )
        return str(response.json()["access_token"])

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"{self._scheme} {self.token()}"}

    def _renew(self, response: requests.Response) -> bool:
        self._token = self._new_token()
        return True

    # Calls

    def sell(self, path: str, *, what: str, **params: Any) -> Any:
        self._scheme = "Bearer"
        return self.http.get_json(path, what=what, params=params or None)

    def post_order(self, path: str, *, what: str, **params: Any) -> Any:
        self._scheme = "IAF"
        return self.http.get_json(f"/post-order/v2/{path}", what=what, params=params or None)

    def post_order_action(self, path: str, body: dict, *, what: str) -> Any:
        self._scheme = "IAF"
        response = self.http.request("POST", f"/post-order/v2/{path}", what=what, json=body)
        return response.json() if response.content else {}

    def orders_by_ids(self, ids: list[str]) -> list[dict]:
        if not ids:
            return []
        found = self.sell(
            "/sell/fulfillment/v1/order", what=_("orders"), orderIds=",".join(ids), limit=len(ids)
        )
        return list(found.get("orders", []))


# --- mapping eBay's JSON to the desk's records -------------------------------------------------


def order_record(order: dict, fulfillments: list[dict]) -> OrderRecord:
    currency = (order.get("pricingSummary", {}).get("total") or {}).get("currency", "USD")
    lines = []
    ship_by: datetime | None = None
    latest: datetime | None = None
    for item in order.get("lineItems", []):
        cost, _currency = amount(item.get("lineItemCost"))
        charges: dict[str, Decimal] = {}
        shipping, _c = amount((item.get("deliveryCost") or {}).get("shippingCost"))
        if shipping is not None:
            charges["shipping_price"] = shipping
        taxes = [amount(t.get("amount"))[0] for t in item.get("taxes", [])]
        if taxes and all(t is not None for t in taxes):
            charges["item_tax"] = sum((t for t in taxes if t is not None), Decimal(0))
        instructions = item.get("lineItemFulfillmentInstructions") or {}
        line_ship_by = parse_time(instructions.get("shipByDate"))
        line_latest = parse_time(instructions.get("maxEstimatedDeliveryDate"))
        ship_by = max(filter(None, [ship_by, line_ship_by]), default=None)
        latest = max(filter(None, [latest, line_latest]), default=None)
        lines.append(
            LineRecord(
                sku=item.get("sku") or item.get("legacyItemId", ""),
                quantity=int(item.get("quantity", 1)),
                item_price=cost or Decimal(0),
                title=item.get("title"),
                item_status=item.get("lineItemFulfillmentStatus"),
                line_id=item.get("lineItemId"),
                charges=charges or None,
            )
        )
    buyer = order.get("buyer") or {}
    address = buyer.get("buyerRegistrationAddress") or {}
    ship_to: dict = {}
    for instruction in order.get("fulfillmentStartInstructions", []):
        ship_to = (instruction.get("shippingStep") or {}).get("shipTo") or {}
    country = (ship_to.get("contactAddress") or {}).get("countryCode")
    return OrderRecord(
        platform_order_id=order["orderId"],
        purchased_at=parse_time(order["creationDate"]) or timezone.now(),
        updated_at=parse_time(order.get("lastModifiedDate")),
        status=order.get("orderFulfillmentStatus", ""),
        currency=currency,
        lines=lines,
        buyer_name=address.get("fullName") or buyer.get("username"),
        buyer_email=address.get("email"),
        ship_country=country,
        ship_by=ship_by,
        latest_delivery=latest,
        shipments=[
            ShipmentRecord(
                tracking_number=f["shipmentTrackingNumber"],
                carrier=f.get("shippingCarrierCode"),
                shipped_at=parse_time(f.get("shippedDate")),
            )
            for f in fulfillments
            if f.get("shipmentTrackingNumber")
        ],
    )


def return_record(summary: dict, detail: dict | None = None) -> ClaimRecord:
    creation = summary.get("creationInfo") or {}
    refund = summary.get("sellerTotalRefund") or {}
    value, currency = amount(refund.get("estimatedRefundAmount"))
    due = summary.get("sellerResponseDue") or {}
    respond_by = parse_time(due.get("respondByDate"))
    outcome: str | None = None
    decided_at: datetime | None = None
    status: ClaimStatusWord
    if summary.get("state") == "CLOSED":
        status = "decided"
        close = (detail or {}).get("closeInfo") or {}
        decided_at = parse_time(close.get("returnCloseDate"))
        reason = str(close.get("returnCloseReason", "")) + str(close.get("buyerCloseReason", ""))
        if refund.get("actualRefundAmount") or "REFUND" in reason:
            outcome = Outcome.REFUNDED_BY_SELLER
        elif "BUYER" in reason:
            outcome = Outcome.WITHDRAWN
        else:
            outcome = Outcome.DENIED
    else:
        status = "awaiting_seller" if respond_by else "open"
    return ClaimRecord(
        platform_claim_id=f"{RETURN}{summary['returnId']}",
        platform_order_id=summary["orderId"],
        kind=ClaimKind.EBAY_CASE,
        reason=RETURN_REASONS.get(
            creation.get("reason", ""),
            Reason.NOT_AS_DESCRIBED if creation.get("reasonType") == "SNAD" else Reason.OTHER,
        ),
        opened_at=parse_time(creation.get("creationDate")) or timezone.now(),
        status=status,
        amount=value,
        currency=currency,
        respond_by=respond_by,
        outcome=outcome,
        decided_at=decided_at,
        buyer_words=((creation.get("comments") or {}).get("content") or "")[:2000],
    )


def inquiry_record(inquiry: dict, order_id: str) -> ClaimRecord | None:
    """None for an inquiry that became a case: the case, under the same number, speaks for it."""
    status_word = inquiry.get("inquiryStatusEnum") or inquiry.get("status", "")
    if status_word == "CLOSED_WITH_ESCALATION":
        return None
    value, currency = amount(inquiry.get("claimAmount"))
    outcome: str | None = None
    decided_at: datetime | None = None
    status: ClaimStatusWord
    if status_word in CLOSED:
        status = "decided"
        decided_at = parse_time(inquiry.get("inquiryClosureDate")) or parse_time(
            inquiry.get("lastModifiedDate")
        )
        refunded = bool((inquiry.get("inquiryDetails") or {}).get("refundAmounts")) or "REFUND" in str(
            inquiry.get("state", "")
        )
        outcome = Outcome.REFUNDED_BY_SELLER if refunded else Outcome.WITHDRAWN
    else:
        status = "awaiting_seller" if status_word in OPEN_WAITING_SELLER else "open"
    return ClaimRecord(
        platform_claim_id=f"{INR}{inquiry['inquiryId']}",
        platform_order_id=order_id,
        kind=ClaimKind.EBAY_CASE,
        reason=Reason.NOT_RECEIVED,
        opened_at=parse_time(inquiry.get("creationDate")) or timezone.now(),
        status=status,
        amount=value,
        currency=currency,
        respond_by=parse_time(inquiry.get("respondByDate")) if status == "awaiting_seller" else None,
        outcome=outcome,
        decided_at=decided_at,
        updated_at=parse_time(inquiry.get("lastModifiedDate")),
    )


def case_record(case: dict, order_id: str) -> ClaimRecord:
    status_word = case.get("caseStatusEnum") or case.get("status", "")
    value, currency = amount(case.get("claimAmount"))
    details = case.get("caseDetails") or {}
    outcome: str | None = None
    decided_at: datetime | None = None
    status: ClaimStatusWord
    if status_word in CLOSED:
        status = "decided"
        decided_at = parse_time(case.get("lastModifiedDate"))
        refunded = details.get("buyerFinalAcceptResolution") in REFUND_RESOLUTIONS
        outcome = Outcome.REFUNDED_BY_SELLER if refunded else Outcome.DENIED
    else:
        status = "awaiting_seller" if status_word in OPEN_WAITING_SELLER else "open"
    inr = case.get("caseType", "INR") in ("INR", "ITEM_NOT_RECEIVED")
    return ClaimRecord(
        platform_claim_id=f"{INR if inr else CASE}{case['caseId']}",
        platform_order_id=order_id,
        kind=ClaimKind.EBAY_CASE,
        reason=Reason.NOT_RECEIVED if inr else Reason.NOT_AS_DESCRIBED,
        opened_at=parse_time(case.get("creationDate")) or timezone.now(),
        status=status,
        amount=value,
        currency=currency,
        respond_by=parse_time(case.get("respondByDate")) if status == "awaiting_seller" else None,
        outcome=outcome,
        decided_at=decided_at,
        updated_at=parse_time(case.get("lastModifiedDate")),
    )


# --- streams -------------------------------------------------------------------------------------


def _cursor(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text else {}


def _dump(**values: Any) -> str:
    return json.dumps(values, sort_keys=True)


@dataclass
class _Window:
    """The time window a pull reads, fixed when it starts. Its cursor names the window and how far
    into it the written pages reached (under `key`), so a run cut short goes on with it; a finished
    window leaves only its end, and the next one starts a little before that."""

    start: datetime
    end: datetime
    at: int
    key: str

    @classmethod
    def of(cls, cursor: str | None, key: str, first: int) -> _Window:
        state = _cursor(cursor)
        now = timezone.now()
        if "to" in state:
            start, end = parse_time(state["from"]), parse_time(state["to"])
            assert start is not None and end is not None
            return cls(start, end, int(state[key]), key)
        begun = parse_time(state.get("from")) or now - FIRST_WINDOW
        return cls(begun - OVERLAP, now, first, key)

    def cursor(self, at: int) -> str:
        return _dump(**{"from": stamp(self.start), "to": stamp(self.end), self.key: at})

    def done(self) -> str:
        return _dump(**{"from": stamp(self.end)})


@dataclass
class OrdersStream:
    client: EbayClient
    name: str = "orders"

    def pull(self, cursor: str | None) -> Iterator[Page]:
        window = _Window.of(cursor, "offset", 0)
        offset = window.at
        modified = f"lastmodifieddate:[{stamp(window.start)}..{stamp(window.end)}]"
        # The next page is fetched and mapped while the desk writes this one (one request in
        # flight at a time, as before; the client is used by no one else meanwhile).
        ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ebay-orders")
        try:
            coming = ahead.submit(self._page, modified, offset)
            while True:
                records, more = coming.result()
                offset += len(records)
                if more:
                    coming = ahead.submit(self._page, modified, offset)
                    yield Page(records, window.cursor(offset))
                    continue
                yield Page(records, window.done())
                return
        finally:
            # A sync stopped (time limit, an error) does not wait for a page it will not write.
            ahead.shutdown(wait=False, cancel_futures=True)

    def _page(self, window: str, offset: int) -> tuple[list[OrderRecord], bool]:
        found = self.client.sell(
            "/sell/fulfillment/v1/order",
            what=_("orders"),
            filter=window,
            limit=ORDERS_PER_PAGE,
            offset=offset,
        )
        orders = found.get("orders", [])
        records = [order_record(order, self._fulfillments(order)) for order in orders]
        return records, bool(found.get("next") and orders)

    def _fulfillments(self, order: dict) -> list[dict]:
        if not order.get("fulfillmentHrefs"):
            return []
        found = self.client.sell(
            f"/sell/fulfillment/v1/order/{order['orderId']}/shipping_fulfillment", what=_("shipments")
        )
        return list(found.get("fulfillments", []))


class PostOrderStream:
    """New items by creation window, page by page; then the current state of every item the desk
    still holds open (a search cannot ask "changed since")."""

    name: str = ""
    what: str | Promise = ""  # the stream's items, as an error message names them
    search_path = ""
    detail_path = ""
    date_prefix = ""
    prefix = ""  # of the desk's claim ids this stream owns

    def __init__(self, client: EbayClient) -> None:
        self.client = client
        # Orders this run already asked eBay for: by an inquiry's (item, transaction), and whole.
        self._order_ids: dict[tuple[str, str], str] = {}
        self._orders_seen: dict[str, dict] = {}

    def record(self, item: dict) -> ClaimRecord | None:
        """The claim of one search member or detail answer; None: not this stream's to keep."""
        raise NotImplementedError

    def records_of(self, items: list[dict]) -> list[ClaimRecord | OrderRecord]:
        return self.with_orders([claim for item in items if (claim := self.record(item)) is not None])

    def pull(self, cursor: str | None) -> Iterator[Page]:
        window = _Window.of(cursor, "page", 1)
        page = window.at
        seen: set[str] = set()
        while True:
            found = self.client.post_order(
                self.search_path,
                what=str(self.what),
                limit=CLAIMS_PER_PAGE,
                offset=page,
                **{
                    f"{self.date_prefix}creation_date_range_from": stamp(window.start),
                    f"{self.date_prefix}creation_date_range_to": stamp(window.end),
                },
            )
            members = found.get("members", [])
            records = self.records_of(members)
            seen.update(r.platform_claim_id for r in records if isinstance(r, ClaimRecord))
            pages = int((found.get("paginationOutput") or {}).get("totalPages", 1))
            if page < pages and members:
                page += 1
                yield Page(records, window.cursor(page))
                continue
            yield Page(records, window.done())
            break
        yield from self._refresh_open(seen)

    def _refresh_open(self, seen: set[str]) -> Iterator[Page]:
        store = self.client.connection.store
        open_ids = [
            claim_id
            for claim_id in Claim.objects.filter(store=store, platform_claim_id__startswith=self.prefix)
            .exclude(status__in=ClaimStatus.settled())
            .order_by("id")
            .values_list("platform_claim_id", flat=True)
            if claim_id not in seen
        ]
        for first in range(0, len(open_ids), REFRESH_PER_PAGE):
            details = [
                self.detail(claim_id.split("-", 1)[1])
                for claim_id in open_ids[first : first + REFRESH_PER_PAGE]
            ]
            yield Page(self.records_of(details), None)

    def detail(self, number: str) -> dict:
        """eBay's current state of one of this stream's items, by eBay's number."""
        return self.client.post_order(self.detail_path.format(id=number), what=str(self.what))

    def order_id(self, item_id: str, transaction_id: str) -> str | None:
        """The Fulfillment order of an inquiry's or case's line (they name the listing and the
        sale, not the order): asked once by its legacy id "item-transaction"."""
        key = (str(item_id), str(transaction_id))
        if key not in self._order_ids:
            orders = self.client.orders_by_ids([f"{key[0]}-{key[1]}"])
            if orders:
                self._order_ids[key] = orders[0]["orderId"]
                self._orders_seen[orders[0]["orderId"]] = orders[0]
        return self._order_ids.get(key)

    def with_orders(self, claims: list[ClaimRecord]) -> list[ClaimRecord | OrderRecord]:
        """A claim on an order the desk has not read yet brings its order along, first."""
        store = self.client.connection.store
        wanted = {c.platform_order_id for c in claims}
        known = set(
            Order.objects.filter(store=store, platform_order_id__in=wanted).values_list(
                "platform_order_id", flat=True
            )
        )
        missing = sorted(wanted - known)
        fetched = {oid: self._orders_seen[oid] for oid in missing if oid in self._orders_seen}
        still = [oid for oid in missing if oid not in fetched]
        for order in self.client.orders_by_ids(still):
            fetched[order["orderId"]] = order
        orders: list[ClaimRecord | OrderRecord] = [order_record(o, []) for o in fetched.values()]
        return orders + list(claims)


class ReturnsStream(PostOrderStream):
    name = "returns"
    what = gettext_lazy("returns")
    search_path = "return/search"
    detail_path = "return/{id}"
    date_prefix = ""
    prefix = RETURN

    def record(self, item: dict) -> ClaimRecord | None:
        # The detail answer wraps the summary; a search member is the summary itself.
        summary, detail = (item["summary"], item.get("detail")) if "summary" in item else (item, None)
        if summary.get("state") == "CLOSED" and detail is None:
            detail = self.detail(summary["returnId"]).get("detail")
        return return_record(summary, detail)


class InquiriesStream(PostOrderStream):
    name = "inquiries"
    what = gettext_lazy("inquiries")
    search_path = "inquiry/search"
    detail_path = "inquiry/{id}"
    date_prefix = "inquiry_"
    prefix = INR

    def record(self, item: dict) -> ClaimRecord | None:
        order_id = self.order_id(item["itemId"], item["transactionId"])
        if order_id is None:
            return None
        record = inquiry_record(item, order_id)
        if record is None:
            # eBay stepped in: the case, under the inquiry's number, now tells the state.
            case = self.client.post_order(f"casemanagement/{item['inquiryId']}", what=_("cases"))
            record = case_record(case, order_id)
        return record


class CasesStream(PostOrderStream):
    name = "cases"
    what = gettext_lazy("cases")
    search_path = "casemanagement/search"
    detail_path = "casemanagement/{id}"
    date_prefix = "case_"
    prefix = CASE

    def record(self, item: dict) -> ClaimRecord | None:
        order_id = self.order_id(item["itemId"], item["transactionId"])
        return case_record(item, order_id) if order_id is not None else None


# --- the platform ---------------------------------------------------------------------------------


class Ebay:
    label: ClassVar[str] = "eBay"
    fields: ClassVar[list[CredentialField]] = [
        CredentialField("client_id", gettext_lazy("App ID (client id)"), secret=False),
        CredentialField("client_secret", gettext_lazy("Cert ID (client secret)")),
        CredentialField(
            "refresh_token",
            gettext_lazy("User refresh token"),
            help_text=gettext_lazy("From eBay's consent flow for the seller account; valid for 18 months."),
        ),
    ]

    def __init__(self, connection: Connection, http: Http | None = None) -> None:
        self.connection = connection
        self.client = EbayClient(connection, http)

    def check(self) -> str:
        found = self.client.sell("/sell/fulfillment/v1/order", what=_("orders"), limit=1)
        orders = found.get("orders", [])
        seller = orders[0].get("sellerId") if orders else ""
        if seller:
            return _("Connected as eBay seller %(seller)s.") % {"seller": seller}
        return _("Connected to eBay; the account has no orders yet.")

    def streams(self) -> list:
        return [
            OrdersStream(self.client),
            ReturnsStream(self.client),
            InquiriesStream(self.client),
            CasesStream(self.client),
        ]
