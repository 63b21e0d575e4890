"""A stand-in for Amazon's Selling Partner API and its Login with Amazon token endpoint: a real
threaded HTTP server on loopback, holding orders, reports and per-order actions in memory that the
test changes, answering as Amazon's published API references describe.

- `POST /auth/o2/token` (refresh_token grant): access tokens that expire (`expire_tokens()`),
  `invalid_grant` once the refresh token is revoked, `invalid_client` for a wrong secret.
- Orders API v0: `getOrders` (MarketplaceIds, LastUpdatedAfter/Before, MaxResultsPerPage,
  NextToken; the window's end is the server's time less two minutes, as Amazon's is) and
  `getOrderItems`.
- Reports API 2021-06-30: `createReport` → `getReport` (IN_QUEUE, IN_PROGRESS, DONE) →
  `getReportDocument`, whose URL serves the All Orders flat file compressed with gzip (no token
  needed, like the pre-signed URL Amazon hands out).
- Solicitations API v1 and Messaging API v1: the actions an order allows (`_links.actions`), and
  the POSTs that take them.

Every SP-API answer carries `x-amzn-RateLimit-Limit`; `storm(operation, n)` answers the next n
calls of an operation with 429 and `Retry-After`, `blip(operation, n)` with 503. The server's
clock is the real one plus `advance()`d time."""

import argparse
import base64
import gzip
import io
import json
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from urllib.parse import parse_qs, urlsplit

from ..all_orders import COLUMNS as REPORT_COLUMNS

# Marketplace id → (sales channel, country, currency): Amazon's published ids.
MARKETPLACES = {
    "ATVPDKIKX0DER": ("Amazon.com", "US", "USD"),
    "A2EUQ1WTGCTBG2": ("Amazon.ca", "CA", "CAD"),
    "A1F83G8C2ARO7P": ("Amazon.co.uk", "GB", "GBP"),
    "A1PA6795UKMFR9": ("Amazon.de", "DE", "EUR"),
}
US = "ATVPDKIKX0DER"
# Requests per second of each operation's default usage plan, as the references list them.
RATES = {
    "getMarketplaceParticipations": "0.016",
    "getOrders": "0.0167",
    "getOrderItems": "0.5",
    "createReport": "0.0167",
    "getReport": "2",
    "getReportDocument": "0.0167",
    "getSolicitationActionsForOrder": "1",
    "createProductReviewAndSellerFeedbackSolicitation": "1",
    "getMessagingActionsForOrder": "1",
    "createUnexpectedProblem": "1",
}
ALL_ORDERS = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
SETTLE = timedelta(minutes=2)
# The app's and the seller's credentials the stand-in accepts (a test may set others).
CLIENT_ID = "amzn1.application-oa2-client.desk"
CLIENT_SECRET = "amzn1.oa2-cs.v1.secret"
REFRESH_TOKEN = "Atzr|desk-refresh-token"
MONEY_FIELDS = ("ItemPrice", "ItemTax", "ShippingPrice", "PromotionDiscount")


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _money(amount: Decimal | str, currency: str) -> dict:
    return {"CurrencyCode": currency, "Amount": f"{Decimal(amount):.2f}"}


class Reply(Exception):
    def __init__(self, status: int, body: dict | bytes, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


def _error(status: int, code: str, message: str, details: str = "") -> Reply:
    return Reply(status, {"errors": [{"code": code, "message": message, "details": details}]})


@dataclass
class Report:
    report_id: str
    report_type: str
    marketplace_ids: list[str]
    created: datetime
    data_start: datetime | None
    polls: int = 0
    status: str = "IN_QUEUE"
    document_id: str | None = None


@dataclass
class AmazonApi:
    base: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    refresh_token: str = REFRESH_TOKEN
    store_name: str = "Trailhead Goods"
    marketplace_ids: tuple[str, ...] = (US,)
    token_lifetime: int = 3600
    page_size_cap: int = 100
    polls_until_done: int = 2
    shift: timedelta = timedelta(0)
    orders: dict[str, dict] = field(default_factory=dict)
    unpaid: dict[str, dict] = field(default_factory=dict)  # pending orders' totals, until paid
    unpaid_items: dict[str, list[dict]] = field(default_factory=dict)
    items: dict[str, list[dict]] = field(default_factory=dict)
    tokens: dict[str, datetime] = field(default_factory=dict)
    revoked: bool = False
    storms: dict[str, list[str]] = field(default_factory=dict)  # operation → Retry-After values
    blips: dict[str, int] = field(default_factory=dict)
    later_blips: dict[str, tuple[int, int]] = field(
        default_factory=dict
    )  # operation → (after n calls, times)
    reports: dict[str, Report] = field(default_factory=dict)
    documents: dict[str, bytes] = field(default_factory=dict)
    review_open: set[str] = field(default_factory=set)  # orders inside the review window
    solicited: list[str] = field(default_factory=list)
    message_actions: dict[str, list[str]] = field(default_factory=dict)
    messages_sent: list[tuple[str, str, dict]] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (operation, access token)
    order_queries: list[dict[str, list[str]]] = field(default_factory=list)  # getOrders' parameters
    holds: dict[str, tuple[int, threading.Event]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: count(1))
    _index: tuple[list[datetime], list[str]] | None = None

    # --- what a test does to the marketplace --------------------------------------------------

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0) + self.shift

    def advance(self, **delta: float) -> None:
        self.shift += timedelta(**delta)

    def add_order(
        self,
        order_id: str | None = None,
        *,
        status: str = "Shipped",
        marketplace_id: str = US,
        updated: datetime | None = None,
        purchased: datetime | None = None,
        channel: str = "MFN",
        buyer_email: str = "",
        buyer_name: str = "",
        lines: list[tuple[str, int, str]] | None = None,  # (SKU, quantity, item price)
    ) -> str:
        n = next(self._ids)
        order_id = order_id or f"{111 + n % 800:03d}-{1000000 + n:07d}-{7000000 + n:07d}"
        updated = updated or self.now() - timedelta(hours=1)
        purchased = purchased or updated - timedelta(hours=6)
        sales_channel, _country, currency = MARKETPLACES[marketplace_id]
        lines = lines or [(f"SKU-{n % 50:03d}", 1, "19.99")]
        total = sum((Decimal(price) * quantity for _, quantity, price in lines), Decimal(0))
        order = {
            "AmazonOrderId": order_id,
            "PurchaseDate": stamp(purchased),
            "LastUpdateDate": stamp(updated),
            "OrderStatus": status,
            "FulfillmentChannel": channel,
            "SalesChannel": sales_channel,
            "ShipServiceLevel": "Std US D2D Dom",
            "OrderTotal": _money(total, currency),
            "NumberOfItemsShipped": sum(q for _, q, _ in lines) if status == "Shipped" else 0,
            "NumberOfItemsUnshipped": 0 if status == "Shipped" else sum(q for _, q, _ in lines),
            "MarketplaceId": marketplace_id,
            "OrderType": "StandardOrder",
            "EarliestShipDate": stamp(purchased + timedelta(days=1)),
            "LatestShipDate": stamp(purchased + timedelta(days=2)),
            "EarliestDeliveryDate": stamp(purchased + timedelta(days=4)),
            "LatestDeliveryDate": stamp(purchased + timedelta(days=7)),
            "IsPrime": False,
            "IsBusinessOrder": False,
            "ShippingAddress": {
                "City": "AUSTIN",
                "StateOrRegion": "TX",
                "PostalCode": "78704",
                "CountryCode": "US",
            },
        }
        if buyer_email or buyer_name:
            order["BuyerInfo"] = {"BuyerEmail": buyer_email, "BuyerName": buyer_name}
        if status == "Pending":
            # Not paid yet: Amazon gives no total and no prices until it is.
            self.unpaid[order_id] = order.pop("OrderTotal")
        with self.lock:
            self.orders[order_id] = order
            self.items[order_id] = [
                {
                    "ASIN": f"B0{n:08d}",
                    "SellerSKU": sku,
                    "OrderItemId": f"{50000000000000 + n * 10 + i}",
                    "Title": f"Item {sku}",
                    "QuantityOrdered": quantity,
                    "QuantityShipped": quantity if status == "Shipped" else 0,
                    "ItemPrice": _money(Decimal(price) * quantity, currency),
                    "ItemTax": _money(Decimal(price) * quantity * Decimal("0.08"), currency),
                    "ShippingPrice": _money("0", currency),
                    "PromotionDiscount": _money("0", currency),
                }
                for i, (sku, quantity, price) in enumerate(lines)
            ]
            if status == "Pending":
                self.unpaid_items[order_id] = self.items[order_id]
                self.items[order_id] = [
                    {name: value for name, value in item.items() if name not in MONEY_FIELDS}
                    for item in self.items[order_id]
                ]
            self._index = None
        return order_id

    def change(self, order_id: str, *, status: str) -> None:
        """The order moves on at Amazon: a new status, a new last-update time."""
        with self.lock:
            order = self.orders[order_id]
            order["OrderStatus"] = status
            order["LastUpdateDate"] = stamp(self.now())
            if order_id in self.unpaid and status != "Pending":
                order["OrderTotal"] = self.unpaid.pop(order_id)
                self.items[order_id] = self.unpaid_items.pop(order_id)
            for item in self.items[order_id]:
                if status == "Shipped":
                    item["QuantityShipped"] = item["QuantityOrdered"]
            self._index = None

    def expire_tokens(self) -> None:
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = self.now() - timedelta(seconds=1)

    def storm(self, operation: str, times: int, retry_after: str = "1") -> None:
        self.storms.setdefault(operation, []).extend([retry_after] * times)

    def blip(self, operation: str, times: int) -> None:
        self.blips[operation] = self.blips.get(operation, 0) + times

    def blip_after(self, operation: str, calls: int, times: int) -> None:
        """The operation answers `calls` times, then fails `times` times with 503."""
        self.later_blips[operation] = (self.count(operation) + calls, times)

    def hold(self, operation: str, after: int) -> threading.Event:
        """The operation answers `after` calls, then keeps the next ones waiting until the
        returned event is set (a request the desk's worker is killed in the middle of)."""
        released = threading.Event()
        self.holds[operation] = (after, released)
        return released

    def count(self, operation: str) -> int:
        return sum(1 for name, _ in self.calls if name == operation)

    # --- the endpoints --------------------------------------------------------------------------

    def token(self, form: dict[str, str]) -> dict:
        if form.get("grant_type") != "refresh_token":
            raise Reply(
                400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant type"}
            )
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            raise Reply(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        if self.revoked or form.get("refresh_token") != self.refresh_token:
            raise Reply(
                400,
                {"error": "invalid_grant", "error_description": "The request has an invalid grant parameter"},
            )
        access = (
            f"Atza|{next(self._ids):06d}-"
            + base64.urlsafe_b64encode(self.now().isoformat().encode()).decode()
        )
        with self.lock:
            self.tokens[access] = self.now() + timedelta(seconds=self.token_lifetime)
        return {
            "access_token": access,
            "refresh_token": self.refresh_token,
            "token_type": "bearer",
            "expires_in": self.token_lifetime,
        }

    def authorise(self, operation: str, token: str) -> None:
        self.calls.append((operation, token))
        held = self.holds.get(operation)
        if held and self.count(operation) > held[0]:
            held[1].wait(timeout=120)
        expires = self.tokens.get(token)
        if expires is None:
            raise _error(
                403,
                "Unauthorized",
                "Access to requested resource is denied.",
                "The access token you provided is revoked, malformed or invalid.",
            )
        if expires <= self.now():
            raise _error(
                403,
                "Unauthorized",
                "Access to requested resource is denied.",
                "The access token you provided has expired.",
            )
        with self.lock:
            later = self.later_blips.get(operation)
            if later and self.count(operation) > later[0]:
                del self.later_blips[operation]
                self.blips[operation] = self.blips.get(operation, 0) + later[1]
            if self.storms.get(operation):
                retry_after = self.storms[operation].pop(0)
                raise Reply(
                    429,
                    {
                        "errors": [
                            {
                                "code": "QuotaExceeded",
                                "message": "You exceeded your quota for the requested resource.",
                            }
                        ]
                    },
                    {"Retry-After": retry_after},
                )
            if self.blips.get(operation):
                self.blips[operation] -= 1
                raise _error(503, "ServiceUnavailable", "Service temporarily unavailable.")

    def _marketplaces(self, query: dict[str, list[str]], name: str) -> list[str]:
        ids = [mid for value in query.get(name, []) for mid in value.split(",") if mid]
        if not ids:
            raise _error(400, "InvalidInput", f"{name} is required.")
        unknown = [mid for mid in ids if mid not in self.marketplace_ids]
        if unknown:
            raise _error(400, "InvalidInput", f"Invalid {name}: {', '.join(unknown)}")
        return ids

    def _by_update(self) -> tuple[list[datetime], list[str]]:
        with self.lock:
            if self._index is None:
                keyed = sorted((parse_stamp(o["LastUpdateDate"]), oid) for oid, o in self.orders.items())
                self._index = ([when for when, _ in keyed], [oid for _, oid in keyed])
            return self._index

    def participations(self) -> dict:
        return {
            "payload": [
                {
                    "marketplace": {
                        "id": mid,
                        "name": MARKETPLACES[mid][0],
                        "countryCode": MARKETPLACES[mid][1],
                        "defaultCurrencyCode": MARKETPLACES[mid][2],
                        "domainName": MARKETPLACES[mid][0].lower().replace("amazon", "www.amazon"),
                    },
                    "participation": {"isParticipating": True, "hasSuspendedListings": False},
                    "storeName": self.store_name,
                }
                for mid in self.marketplace_ids
            ]
        }

    def get_orders(self, query: dict[str, list[str]]) -> dict:
        self.order_queries.append(query)
        marketplaces = self._marketplaces(query, "MarketplaceIds")
        size = min(int((query.get("MaxResultsPerPage") or ["100"])[0]), self.page_size_cap)
        token = (query.get("NextToken") or [""])[0]
        if token:
            try:
                after_text, before_text, offset_text = base64.urlsafe_b64decode(token).decode().split("|")
                after, before, offset = parse_stamp(after_text), parse_stamp(before_text), int(offset_text)
            except ValueError:
                raise _error(400, "InvalidInput", "Invalid NextToken.") from None
        else:
            if "LastUpdatedAfter" not in query and "CreatedAfter" not in query:
                raise _error(
                    400, "InvalidInput", "Either CreatedAfter or LastUpdatedAfter must be specified."
                )
            after = parse_stamp(query["LastUpdatedAfter"][0])
            latest = self.now() - SETTLE
            before = (
                min(parse_stamp(query["LastUpdatedBefore"][0]), latest)
                if "LastUpdatedBefore" in query
                else latest
            )
            if after > before:
                raise _error(400, "InvalidInput", "LastUpdatedAfter must be before LastUpdatedBefore.")
            offset = 0
        times, ids = self._by_update()
        start, end = bisect_left(times, after), bisect_right(times, before)
        chosen: list[dict] = []
        position = start + offset
        while position < end and len(chosen) < size:
            order = self.orders[ids[position]]
            if order["MarketplaceId"] in marketplaces:
                chosen.append(order)
            position += 1
        payload: dict = {"Orders": chosen, "LastUpdatedBefore": stamp(before)}
        if position < end:
            text = f"{stamp(after)}|{stamp(before)}|{position - start}"
            payload["NextToken"] = base64.urlsafe_b64encode(text.encode()).decode()
        return {"payload": payload}

    def get_order_items(self, order_id: str) -> dict:
        if order_id not in self.orders:
            raise _error(404, "NotFound", f"Order {order_id} was not found.")
        return {"payload": {"AmazonOrderId": order_id, "OrderItems": self.items[order_id]}}

    def create_report(self, body: dict) -> dict:
        if body.get("reportType") != ALL_ORDERS:
            raise _error(400, "InvalidInput", "This report type is not available here.")
        marketplaces = self._marketplaces(
            {"marketplaceIds": body.get("marketplaceIds") or []}, "marketplaceIds"
        )
        report_id = str(50000 + next(self._ids))
        start = parse_stamp(body["dataStartTime"]) if body.get("dataStartTime") else None
        self.reports[report_id] = Report(report_id, ALL_ORDERS, marketplaces, self.now(), start)
        return {"reportId": report_id}

    def get_report(self, report_id: str) -> dict:
        report = self.reports.get(report_id)
        if report is None:
            raise _error(404, "NotFound", "The report was not found.")
        report.polls += 1
        if report.status != "DONE":
            report.status = "IN_PROGRESS" if report.polls < self.polls_until_done else "DONE"
            if report.status == "DONE":
                report.document_id = f"amzn1.spdoc.1.4.na.{report_id}"
                self.documents[report.document_id] = gzip.compress(self.all_orders_text(report).encode())
        answer = {
            "reportId": report.report_id,
            "reportType": report.report_type,
            "marketplaceIds": report.marketplace_ids,
            "createdTime": stamp(report.created),
            "processingStatus": report.status,
        }
        if report.data_start:
            answer["dataStartTime"] = stamp(report.data_start)
        if report.document_id:
            answer["reportDocumentId"] = report.document_id
        return answer

    def get_report_document(self, document_id: str) -> dict:
        if document_id not in self.documents:
            raise _error(404, "NotFound", "The report document was not found.")
        return {
            "reportDocumentId": document_id,
            "url": f"{self.base}/report-documents/{document_id}.txt.gz",
            "compressionAlgorithm": "GZIP",
        }

    def all_orders_text(self, report: Report) -> str:
        out = io.StringIO()
        out.write("\t".join(REPORT_COLUMNS) + "\n")
        for order_id, order in list(self.orders.items()):
            if order["MarketplaceId"] not in report.marketplace_ids:
                continue
            if report.data_start and parse_stamp(order["LastUpdateDate"]) < report.data_start:
                continue
            for item in self.items[order_id]:
                price = item.get("ItemPrice") or {"CurrencyCode": "", "Amount": ""}
                cells = {
                    "amazon-order-id": order_id,
                    "purchase-date": order["PurchaseDate"].replace("Z", "+00:00"),
                    "last-updated-date": order["LastUpdateDate"].replace("Z", "+00:00"),
                    # The report spells it as the rest of Amazon's reports do.
                    "order-status": order["OrderStatus"].replace("Canceled", "Cancelled"),
                    "fulfillment-channel": "Amazon" if order["FulfillmentChannel"] == "AFN" else "Merchant",
                    "sales-channel": order["SalesChannel"],
                    "ship-service-level": "Standard",
                    "product-name": item["Title"],
                    "sku": item["SellerSKU"],
                    "asin": item["ASIN"],
                    "item-status": {"Shipped": "Shipped", "Canceled": "Cancelled"}.get(
                        order["OrderStatus"], "Unshipped"
                    ),
                    "quantity": str(item["QuantityOrdered"]),
                    "currency": price["CurrencyCode"],
                    "item-price": price["Amount"],
                    "item-tax": (item.get("ItemTax") or {}).get("Amount", ""),
                    "shipping-price": (item.get("ShippingPrice") or {}).get("Amount", ""),
                    "ship-city": order["ShippingAddress"]["City"],
                    "ship-state": order["ShippingAddress"]["StateOrRegion"],
                    "ship-postal-code": order["ShippingAddress"]["PostalCode"],
                    "ship-country": order["ShippingAddress"]["CountryCode"],
                }
                out.write("\t".join(cells.get(column, "") for column in REPORT_COLUMNS) + "\n")
        return out.getvalue()

    def _actions(self, kind: str, order_id: str, names: list[str], marketplace: str) -> dict:
        base = f"/{kind}/v1/orders/{order_id}"
        suffix = "solicitations" if kind == "solicitations" else "messages"
        return {
            "_links": {
                "self": {"href": f"{base}?marketplaceIds={marketplace}"},
                "actions": [
                    {"href": f"{base}/{suffix}/{name}?marketplaceIds={marketplace}", "name": name}
                    for name in names
                ],
            },
            "_embedded": {"actions": []},
        }

    def solicitation_actions(self, order_id: str, marketplace: str) -> dict:
        if order_id not in self.orders:
            raise _error(404, "NotFound", f"Order {order_id} was not found.")
        names = ["productReviewAndSellerFeedback"] if order_id in self.review_open else []
        return self._actions("solicitations", order_id, names, marketplace)

    def solicit(self, order_id: str) -> dict:
        if order_id not in self.review_open:
            raise _error(
                403,
                "InvalidInput",
                "This order is not eligible for a product review and seller feedback solicitation.",
            )
        self.review_open.discard(order_id)
        self.solicited.append(order_id)
        return {}

    def messaging_actions(self, order_id: str, marketplace: str) -> dict:
        if order_id not in self.orders:
            raise _error(404, "NotFound", f"Order {order_id} was not found.")
        return self._actions("messaging", order_id, self.message_actions.get(order_id, []), marketplace)

    def send_message(self, order_id: str, action: str, body: dict) -> dict:
        if action not in self.message_actions.get(order_id, []):
            raise _error(400, "InvalidInput", f"The {action} message is not available for this order.")
        if action == "unexpectedProblem" and not (body.get("text") or "").strip():
            raise _error(400, "InvalidInput", "text is required.")
        self.messages_sent.append((order_id, action, body))
        return {}

    # --- routing --------------------------------------------------------------------------------

    def route(
        self, method: str, path: str, query: dict[str, list[str]], raw: bytes, token: str
    ) -> tuple[int, object]:
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/auth/o2/token":
            form = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
            return 200, self.token(form)
        if method == "GET" and parts[0] == "report-documents":
            document_id = parts[1].removesuffix(".txt.gz")
            if document_id not in self.documents:
                raise Reply(404, b"<Error><Code>NoSuchKey</Code></Error>")
            return 200, self.documents[document_id]
        if method == "GET" and path == "/sellers/v1/marketplaceParticipations":
            self.authorise("getMarketplaceParticipations", token)
            return 200, self.participations()
        if parts[:3] == ["orders", "v0", "orders"]:
            if method == "GET" and len(parts) == 3:
                self.authorise("getOrders", token)
                return 200, self.get_orders(query)
            if method == "GET" and len(parts) == 5 and parts[4] == "orderItems":
                self.authorise("getOrderItems", token)
                return 200, self.get_order_items(parts[3])
        if parts[:2] == ["reports", "2021-06-30"]:
            if method == "POST" and parts[2:] == ["reports"]:
                self.authorise("createReport", token)
                return 202, self.create_report(json.loads(raw or b"{}"))
            if method == "GET" and parts[2] == "reports" and len(parts) == 4:
                self.authorise("getReport", token)
                return 200, self.get_report(parts[3])
            if method == "GET" and parts[2] == "documents" and len(parts) == 4:
                self.authorise("getReportDocument", token)
                return 200, self.get_report_document(parts[3])
        if (
            parts[:3] in (["solicitations", "v1", "orders"], ["messaging", "v1", "orders"])
            and len(parts) >= 4
        ):
            marketplace = self._marketplaces(query, "marketplaceIds")[0]
            order_id = parts[3]
            if parts[0] == "solicitations":
                if method == "GET" and len(parts) == 4:
                    self.authorise("getSolicitationActionsForOrder", token)
                    return 200, self.solicitation_actions(order_id, marketplace)
                if method == "POST" and parts[4:] == ["solicitations", "productReviewAndSellerFeedback"]:
                    self.authorise("createProductReviewAndSellerFeedbackSolicitation", token)
                    return 201, self.solicit(order_id)
            else:
                if method == "GET" and len(parts) == 4:
                    self.authorise("getMessagingActionsForOrder", token)
                    return 200, self.messaging_actions(order_id, marketplace)
                if method == "POST" and len(parts) == 6 and parts[4] == "messages":
                    operation = "create" + parts[5][:1].upper() + parts[5][1:]
                    self.authorise(operation, token)
                    return 201, self.send_message(order_id, parts[5], json.loads(raw or b"{}"))
        raise _error(404, "NotFound", "Resource not found.")


def _operation_rate(path: str) -> str | None:
    if path.startswith("/orders/v0/orders"):
        return RATES["getOrderItems"] if path.endswith("/orderItems") else RATES["getOrders"]
    if path.startswith(("/reports/", "/solicitations/", "/messaging/", "/sellers/")):
        return "1"
    return None


@contextmanager
def amazon_api(**options) -> Iterator[AmazonApi]:
    state: dict[str, AmazonApi] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Amazon's endpoints allow
        # Headers and body leave as two writes: without this, each answer waits out the
        # client's delayed acknowledgement (40 ms) before its body is sent.
        disable_nagle_algorithm = True

        def handle_one(self, method: str) -> None:
            api = state["api"]
            parts = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            token = self.headers.get("x-amz-access-token", "")
            headers = {"x-amzn-RequestId": f"req-{id(raw):x}"}
            try:
                status, body = api.route(method, parts.path, parse_qs(parts.query), raw, token)
            except Reply as reply:
                status, body = reply.status, reply.body
                headers.update(reply.headers)
            rate = _operation_rate(parts.path)
            if rate:
                headers["x-amzn-RateLimit-Limit"] = rate
            if isinstance(body, bytes):
                data, kind = body, "application/octet-stream"
            else:
                data, kind = json.dumps(body).encode(), "application/json"
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up waiting

        def do_GET(self) -> None:
            self.handle_one("GET")

        def do_POST(self) -> None:
            self.handle_one("POST")

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    state["api"] = AmazonApi(base=f"http://127.0.0.1:{httpd.server_address[1]}", **options)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state["api"]
    finally:
        httpd.shutdown()
        httpd.server_close()


if __name__ == "__main__":
    # The stand-in on its own (bench/connector_sync.py): `--orders` orders, their report never
    # built; prints its base URL, then serves until stopped.
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    arguments = parser.parse_args()
    with amazon_api() as running:
        running.polls_until_done = 10**9
        for n in range(arguments.orders):
            running.add_order(lines=[(f"SKU-{n % 500:03d}", 1 + n % 3, "19.99")])
        print(running.base, flush=True)
        threading.Event().wait()
