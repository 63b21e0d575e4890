"""A stand-in for eBay's seller APIs: a real threaded HTTP server on loopback holding in-memory
state that a test changes, answering as eBay's published references describe.

- OAuth: `POST /identity/v1/oauth2/token` with HTTP Basic client credentials and the
  `refresh_token` grant; user access tokens live two hours (`expire_tokens()` ages them at once);
  an unknown refresh token gets `400 invalid_grant`, a wrong client `401 invalid_client`.
- Fulfillment API (`Authorization: Bearer …`): `GET /sell/fulfillment/v1/order` with
  `filter=lastmodifieddate:[from..to]`, `orderIds=` (new or legacy "item-transaction" ids),
  `limit` (at most 200) / `offset`, answering `href`, `total`, `limit`, `offset`, `next`, `orders`;
  `GET /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment`.
- Post-Order API v2 (`Authorization: IAF …`): returns, INR inquiries and cases — search
  (`members` + `paginationOutput`), detail, and the seller's actions (return: `decide`,
  `issue_refund`, `mark_as_received`; inquiry: `shipment_info`, `issue_refund`; case:
  `provide_shipment_info`, `issue_refund`), each of which changes the stored state as eBay would.
- Trouble on demand: `throttle(n, retry_after)` answers the next n API calls with 429 and
  `Retry-After`; `blip(n)` with 503; every request is recorded in `calls`."""

import argparse
import base64
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN_LIFETIME = timedelta(hours=2)


def stamp(moment: datetime) -> str:
    """eBay's timestamps: ISO 8601 in UTC with milliseconds and a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def money(value: str, currency: str = "USD") -> dict:
    return {"value": value, "currency": currency}


def when(moment: datetime) -> dict:
    """Post-Order's DateTime container."""
    return {"value": stamp(moment), "formattedValue": moment.strftime("%b %d, %Y")}


class Refused(Exception):
    def __init__(self, status: int, body: dict, headers: dict | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


def api_error(status: int, error_id: int, message: str, domain: str = "API_FULFILLMENT") -> Refused:
    return Refused(
        status,
        {"errors": [{"errorId": error_id, "domain": domain, "category": "REQUEST", "message": message}]},
    )


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    authorization: str
    body: dict | None
    status: int = 0


@dataclass
class EbayState:
    client_id: str = "DeskApp-PRD-0123456789-abcdef01"
    client_secret: str = "PRD-0123456789ab-cdef-0123-4567-89ab"
    refresh_tokens: set[str] = field(default_factory=lambda: {"v^1.1#i^1#refresh-of-alpha"})
    seller: str = "alpha_goods"
    access_tokens: dict[str, datetime] = field(default_factory=dict)  # token → expires at
    orders: dict[str, dict] = field(default_factory=dict)
    fulfillments: dict[str, list[dict]] = field(default_factory=dict)  # order id → fulfillments
    returns: dict[str, dict] = field(default_factory=dict)  # return id → {"summary", "detail"}
    inquiries: dict[str, dict] = field(default_factory=dict)
    cases: dict[str, dict] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    throttled: int = 0
    retry_after: str = "1"
    blips: int = 0
    tokens_issued: int = 0
    expire_in: int | None = None  # API calls left before every token runs out
    slow_orders: float = 0.0  # seconds each page of orders takes (a sync long enough to cut short)
    # Orders made up on demand, never stored (the benchmark's 100,000): their count and times.
    generated: int = 0
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=3))
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- the test's levers ----------------------------------------------------------------

    def throttle(self, times: int, retry_after: str = "1") -> None:
        self.throttled, self.retry_after = times, retry_after

    def blip(self, times: int) -> None:
        self.blips = times

    def expire_after(self, calls: int) -> None:
        """Let every user token run out once `calls` more API calls have been answered (a
        token's two hours ending in the middle of a sync)."""
        self.expire_in = calls

    def expire_tokens(self) -> None:
        for token in self.access_tokens:
            self.access_tokens[token] = datetime.now(UTC) - timedelta(seconds=1)

    def api_calls(self, prefix: str = "/") -> list[Call]:
        return [c for c in self.calls if c.path.startswith(prefix) and "oauth2" not in c.path]

    # --- building records as eBay shapes them -------------------------------------------

    def add_order(self, order_id: str, **facts) -> dict:
        order = self.build_order(order_id, **facts)
        self.orders[order_id] = order
        return order

    def build_order(
        self,
        order_id: str,
        *,
        created: datetime,
        modified: datetime | None = None,
        buyer: str = "q7x2buyer",
        lines: list[dict] | None = None,
        status: str = "NOT_STARTED",
        currency: str = "USD",
    ) -> dict:
        lines = lines or [
            {
                "sku": "MUG-01",
                "title": "Stoneware mug, blue",
                "quantity": 1,
                "price": "19.99",
                "item_id": "110000000001",
            }
        ]
        line_items = []
        for n, line in enumerate(lines, start=1):
            transaction = f"{order_id.replace('-', '')[-9:]}{n}"
            line_items.append(
                {
                    "lineItemId": f"{order_id.replace('-', '')}{n}",
                    "legacyItemId": line["item_id"],
                    "sku": line["sku"],
                    "title": line["title"],
                    "quantity": line["quantity"],
                    "lineItemCost": money(line["price"], currency),
                    "total": money(line["price"], currency),
                    "lineItemFulfillmentStatus": "FULFILLED" if status == "FULFILLED" else "NOT_STARTED",
                    "deliveryCost": {"shippingCost": money("4.50", currency)},
                    "taxes": [{"amount": money("1.60", currency), "taxType": "STATE_SALES_TAX"}],
                    "lineItemFulfillmentInstructions": {
                        "shipByDate": stamp(created + timedelta(days=2)),
                        "minEstimatedDeliveryDate": stamp(created + timedelta(days=4)),
                        "maxEstimatedDeliveryDate": stamp(created + timedelta(days=7)),
                        "guaranteedDelivery": False,
                    },
                    "legacyVariationId": "",
                    "properties": {"buyerProtection": True},
                    "_transactionId": transaction,
                }
            )
        first = line_items[0]
        order = {
            "orderId": order_id,
            "legacyOrderId": f"{first['legacyItemId']}-{first['_transactionId']}",
            "creationDate": stamp(created),
            "lastModifiedDate": stamp(modified or created),
            "orderFulfillmentStatus": status,
            "orderPaymentStatus": "PAID",
            "sellerId": self.seller,
            "buyer": {
                "username": buyer,
                "buyerRegistrationAddress": {
                    "fullName": "Robin Q. Buyer",
                    "email": f"{buyer}@members.ebay.com",
                },
            },
            "pricingSummary": {
                "priceSubtotal": money(str(sum(float(line["price"]) for line in lines)), currency),
                "deliveryCost": money("4.50", currency),
                "tax": money("1.60", currency),
                "total": money("26.09", currency),
            },
            "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
            "fulfillmentHrefs": [],
            "fulfillmentStartInstructions": [
                {
                    "fulfillmentInstructionsType": "SHIP_TO",
                    "maxEstimatedDeliveryDate": stamp(created + timedelta(days=7)),
                    "minEstimatedDeliveryDate": stamp(created + timedelta(days=4)),
                    "shippingStep": {"shipTo": {"fullName": "Robin Q. Buyer"}, "shippingCarrierCode": "USPS"},
                }
            ],
            "lineItems": line_items,
        }
        return order

    def ship(self, order_id: str, *, carrier: str, tracking: str, shipped: datetime) -> None:
        order = self.orders[order_id]
        fulfillment_id = tracking
        self.fulfillments.setdefault(order_id, []).append(
            {
                "fulfillmentId": fulfillment_id,
                "shipmentTrackingNumber": tracking,
                "shippingCarrierCode": carrier,
                "shippedDate": stamp(shipped),
                "lineItems": [
                    {"lineItemId": li["lineItemId"], "quantity": li["quantity"]} for li in order["lineItems"]
                ],
            }
        )
        order["fulfillmentHrefs"].append(
            f"/sell/fulfillment/v1/order/{order_id}/shipping_fulfillment/{fulfillment_id}"
        )
        order["orderFulfillmentStatus"] = "FULFILLED"
        self.touch(order_id)

    def touch(self, order_id: str, at: datetime | None = None) -> None:
        self.orders[order_id]["lastModifiedDate"] = stamp(at or datetime.now(UTC))

    def _line(self, order_id: str) -> dict:
        return self.orders[order_id]["lineItems"][0]

    def add_return(
        self,
        return_id: str,
        *,
        order_id: str,
        created: datetime,
        respond_by: datetime,
        reason: str = "ARRIVED_DAMAGED",
        comments: str = "The mug arrived in pieces.",
        amount: str = "19.99",
    ) -> dict:
        line = self._line(order_id)
        summary = {
            "returnId": return_id,
            "orderId": order_id,
            "buyerLoginName": self.orders[order_id]["buyer"]["username"],
            "sellerLoginName": self.seller,
            "currentType": "MONEY_BACK",
            "state": "RETURN_REQUESTED",
            "status": "WAITING_FOR_RETURN_LABEL",
            "creationInfo": {
                "item": {
                    "itemId": line["legacyItemId"],
                    "transactionId": line["_transactionId"],
                    "returnQuantity": 1,
                },
                "type": "MONEY_BACK",
                "reason": reason,
                "reasonType": "SNAD" if reason != "NO_LONGER_NEED_ITEM" else "REMORSE",
                "comments": {"content": comments},
                "creationDate": when(created),
            },
            "sellerTotalRefund": {"estimatedRefundAmount": money(amount)},
            "sellerResponseDue": {"activityDue": "SELLER_APPROVE_REQUEST", "respondByDate": when(respond_by)},
            "sellerAvailableOptions": [
                {"actionType": "SELLER_APPROVE_REQUEST"},
                {"actionType": "SELLER_ISSUE_REFUND"},
            ],
        }
        record = {"summary": summary, "detail": {"closeInfo": {}, "refundInfo": {}}}
        self.returns[return_id] = record
        return record

    def add_inquiry(
        self,
        inquiry_id: str,
        *,
        order_id: str,
        created: datetime,
        respond_by: datetime,
        amount: str = "26.09",
    ) -> dict:
        line = self._line(order_id)
        record = {
            "inquiryId": inquiry_id,
            "itemId": line["legacyItemId"],
            "transactionId": line["_transactionId"],
            "buyer": self.orders[order_id]["buyer"]["username"],
            "seller": self.seller,
            "claimAmount": money(amount),
            "inquiryStatusEnum": "WAITING_SELLER_RESPONSE",
            "status": "WAITING_SELLER_RESPONSE",
            "state": "CREATED",
            "creationDate": when(created),
            "lastModifiedDate": when(created),
            "respondByDate": when(respond_by),
            "creationReason": "ITEM_NOT_RECEIVED",
            "inquiryDetails": {"creationDate": when(created), "refundAmounts": {}},
            "inquiryHistoryDetails": {"history": []},
        }
        self.inquiries[inquiry_id] = record
        return record

    def add_case(
        self,
        case_id: str,
        *,
        order_id: str,
        created: datetime,
        respond_by: datetime,
        case_type: str = "INR",
        amount: str = "26.09",
    ) -> dict:
        line = self._line(order_id)
        record = {
            "caseId": case_id,
            "caseType": case_type,
            "itemId": line["legacyItemId"],
            "transactionId": line["_transactionId"],
            "buyer": self.orders[order_id]["buyer"]["username"],
            "seller": self.seller,
            "claimAmount": money(amount),
            "caseStatusEnum": "WAITING_SELLER_RESPONSE",
            "status": "WAITING_SELLER_RESPONSE",
            "creationDate": when(created),
            "lastModifiedDate": when(created),
            "respondByDate": when(respond_by),
            "caseDetails": {"creationDate": when(created), "escalationDate": when(created)},
        }
        self.cases[case_id] = record
        return record

    def escalate_inquiry(self, inquiry_id: str, *, respond_by: datetime) -> None:
        """The buyer asks eBay to step in: the inquiry closes with escalation and a case with the
        same id opens (eBay keeps the inquiry's id for the case it becomes)."""
        inquiry = self.inquiries[inquiry_id]
        inquiry["inquiryStatusEnum"] = inquiry["status"] = "CLOSED_WITH_ESCALATION"
        order_id = self._order_of(inquiry["itemId"], inquiry["transactionId"])
        self.add_case(
            inquiry_id,
            order_id=order_id,
            created=datetime.now(UTC),
            respond_by=respond_by,
            amount=inquiry["claimAmount"]["value"],
        )

    def close_case(self, case_id: str, *, seller_won: bool) -> None:
        case = self.cases[case_id]
        case["caseStatusEnum"] = case["status"] = "CLOSED"
        case["caseDetails"]["buyerFinalAcceptResolution"] = "" if seller_won else "REFUND"
        case["lastModifiedDate"] = when(datetime.now(UTC))

    def _order_of(self, item_id: str, transaction_id: str) -> str:
        for order in self.orders.values():
            for line in order["lineItems"]:
                if line["legacyItemId"] == item_id and line["_transactionId"] == transaction_id:
                    return order["orderId"]
        raise KeyError((item_id, transaction_id))

    # --- answering ---------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, str], headers, body: dict | None):
        if self.slow_orders and path == "/sell/fulfillment/v1/order":
            time.sleep(self.slow_orders)
        with self.lock:
            call = Call(method, path, query, headers.get("Authorization", ""), body)
            self.calls.append(call)
            try:
                status, answer = self._answer(method, path, query, headers, body)
            except Refused as refusal:
                call.status = refusal.status
                raise
            call.status = status
            return status, answer

    def _answer(self, method: str, path: str, query: dict[str, str], headers, body: dict | None):
        if path == "/identity/v1/oauth2/token":
            return self._token(headers, body or {})
        if self.expire_in is not None:
            if self.expire_in == 0:
                self.expire_tokens()
                self.expire_in = None
            else:
                self.expire_in -= 1
        if self.throttled:
            self.throttled -= 1
            raise Refused(
                429,
                {
                    "errors": [
                        {
                            "errorId": 2001,
                            "domain": "ACCESS",
                            "category": "REQUEST",
                            "message": "Too many requests. The request limit has been reached for the resource.",
                        }
                    ]
                },
                {"Retry-After": self.retry_after},
            )
        if self.blips:
            self.blips -= 1
            raise api_error(503, 2003, "There was a problem with an eBay internal system or process.")
        if path.startswith("/sell/"):
            self._authorise(headers, "Bearer")
            return self._fulfillment(method, path, query)
        if path.startswith("/post-order/v2/"):
            self._authorise(headers, "IAF")
            return self._post_order(method, path, query, body or {})
        raise api_error(404, 2002, "Resource not found", "API")

    def _token(self, headers, form: dict) -> tuple[int, dict]:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if headers.get("Authorization", "") != f"Basic {expected}":
            raise Refused(
                401, {"error": "invalid_client", "error_description": "client authentication failed"}
            )
        if form.get("grant_type") != "refresh_token":
            raise Refused(
                400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}
            )
        if form.get("refresh_token") not in self.refresh_tokens:
            raise Refused(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "the provided authorization refresh token is invalid or was issued to another client",
                },
            )
        self.tokens_issued += 1
        token = f"v^1.1#i^1#user-token-{self.tokens_issued}"
        self.access_tokens[token] = datetime.now(UTC) + TOKEN_LIFETIME
        return 200, {
            "access_token": token,
            "expires_in": int(TOKEN_LIFETIME.total_seconds()),
            "token_type": "User Access Token",
        }

    def _authorise(self, headers, scheme: str) -> None:
        given = headers.get("Authorization", "")
        if not given.startswith(f"{scheme} "):
            raise api_error(401, 1001, "Invalid access token", "OAuth")
        token = given.removeprefix(f"{scheme} ")
        expires = self.access_tokens.get(token)
        if expires is None or expires <= datetime.now(UTC):
            raise api_error(401, 1001, "Invalid access token", "OAuth")

    # Fulfillment API

    def _fulfillment(self, method: str, path: str, query: dict[str, str]) -> tuple[int, dict]:
        if match := re.fullmatch(r"/sell/fulfillment/v1/order/([^/]+)/shipping_fulfillment", path):
            fulfillments = self.fulfillments.get(match[1], [])
            return 200, {"fulfillments": fulfillments, "total": len(fulfillments)}
        if path != "/sell/fulfillment/v1/order":
            raise api_error(404, 32100, "Invalid order ID")
        limit = int(query.get("limit", "50"))
        offset = int(query.get("offset", "0"))
        if not 1 <= limit <= 200:
            raise api_error(400, 30700, "The 'limit' value must be between 1 and 200.")
        if self.generated and "filter" in query:
            return 200, self._generated_page(path, query, limit, offset)
        chosen = list(self.orders.values())
        if ids := query.get("orderIds"):
            wanted = set(ids.split(","))
            chosen = [o for o in chosen if o["orderId"] in wanted or o["legacyOrderId"] in wanted]
        if filt := query.get("filter"):
            match = re.fullmatch(r"lastmodifieddate:\[([^.\]]*(?:\.\d+Z)?)\.\.([^\]]*)\]", filt)
            if not match:
                raise api_error(400, 30800, "Invalid filter value")
            start = parse_stamp(match[1])
            end = parse_stamp(match[2]) if match[2] else None
            chosen = [
                o
                for o in chosen
                if parse_stamp(o["lastModifiedDate"]) >= start
                and (end is None or parse_stamp(o["lastModifiedDate"]) <= end)
            ]
        # Newest orders first, as the Fulfillment API lists them.
        chosen.sort(key=lambda o: (o["creationDate"], o["orderId"]), reverse=True)
        page = chosen[offset : offset + limit]
        answer: dict[str, Any] = {
            "href": f"{path}?limit={limit}&offset={offset}",
            "total": len(chosen),
            "limit": limit,
            "offset": offset,
            "orders": [self._public(o) for o in page],
        }
        if offset + limit < len(chosen):
            params = f"limit={limit}&offset={offset + limit}"
            if "filter" in query:
                params = f"filter={query['filter']}&{params}"
            answer["next"] = f"{path}?{params}"
        return 200, answer

    def _generated_page(self, path: str, query: dict[str, str], limit: int, offset: int) -> dict:
        page = [
            self._public(
                self.build_order(
                    f"20-{n // 100000:05d}-{n % 100000:05d}",
                    created=self.generated_at - timedelta(seconds=n),
                    buyer=f"buyer{n % 9973}",
                    lines=[
                        {
                            "sku": f"SKU-{n % 500:03d}",
                            "title": f"Item {n % 500}",
                            "quantity": 1 + n % 3,
                            "price": f"{5 + n % 40}.99",
                            "item_id": f"1100{n % 500:08d}",
                        }
                    ],
                )
            )
            for n in range(offset, min(offset + limit, self.generated))
        ]
        answer: dict[str, Any] = {
            "href": path,
            "total": self.generated,
            "limit": limit,
            "offset": offset,
            "orders": page,
        }
        if offset + limit < self.generated:
            answer["next"] = f"{path}?filter={query['filter']}&limit={limit}&offset={offset + limit}"
        return answer

    @staticmethod
    def _public(order: dict) -> dict:
        shown = dict(order)
        shown["lineItems"] = [
            {k: v for k, v in li.items() if not k.startswith("_")} for li in order["lineItems"]
        ]
        return shown

    # Post-Order API

    def _post_order(self, method: str, path: str, query: dict[str, str], body: dict) -> tuple[int, dict]:
        routes: list[tuple[str, str, Callable]] = [
            ("GET", r"/post-order/v2/return/search", self._search_returns),
            ("GET", r"/post-order/v2/return/(\d+)", self._get_return),
            ("POST", r"/post-order/v2/return/(\d+)/decide", self._return_decide),
            ("POST", r"/post-order/v2/return/(\d+)/issue_refund", self._return_refund),
            ("POST", r"/post-order/v2/return/(\d+)/mark_as_received", self._return_received),
            ("GET", r"/post-order/v2/inquiry/search", self._search_inquiries),
            ("GET", r"/post-order/v2/inquiry/(\d+)", self._get_inquiry),
            ("POST", r"/post-order/v2/inquiry/(\d+)/shipment_info", self._inquiry_shipment),
            ("POST", r"/post-order/v2/inquiry/(\d+)/issue_refund", self._inquiry_refund),
            ("GET", r"/post-order/v2/casemanagement/search", self._search_cases),
            ("GET", r"/post-order/v2/casemanagement/(\d+)", self._get_case),
            ("POST", r"/post-order/v2/casemanagement/(\d+)/provide_shipment_info", self._case_shipment),
            ("POST", r"/post-order/v2/casemanagement/(\d+)/issue_refund", self._case_refund),
        ]
        for verb, pattern, handler in routes:
            if verb == method and (match := re.fullmatch(pattern, path)):
                return handler(*match.groups(), query=query, body=body)
        raise api_error(404, 1002, "Resource not found", "API_POSTORDER")

    @staticmethod
    def _created(record: dict) -> datetime:
        info = record.get("creationInfo", record)
        return parse_stamp(info["creationDate"]["value"])

    def _search(self, records: list[dict], query: dict[str, str], prefix: str) -> tuple[list[dict], dict]:
        start = query.get(f"{prefix}creation_date_range_from")
        end = query.get(f"{prefix}creation_date_range_to")
        if start:
            records = [r for r in records if self._created(r) >= parse_stamp(start)]
        if end:
            records = [r for r in records if self._created(r) <= parse_stamp(end)]
        records.sort(key=self._created)
        limit = int(query.get("limit", "25"))
        # Post-Order searches number their pages: `offset` is the page wanted, the first is 1.
        offset = int(query.get("offset", "1"))
        first = (offset - 1) * limit
        page = records[first : first + limit]
        pages = max(1, -(-len(records) // limit))
        return page, {"limit": limit, "offset": offset, "totalEntries": len(records), "totalPages": pages}

    def _search_returns(self, query, body) -> tuple[int, dict]:
        wanted = query.get("return_state")
        records = [
            r["summary"]
            for r in self.returns.values()
            if wanted is None
            or (wanted == "ALL_OPEN" and r["summary"]["state"] != "CLOSED")
            or (wanted == "CLOSED" and r["summary"]["state"] == "CLOSED")
        ]
        page, pagination = self._search(records, query, "")
        return 200, {"members": page, "paginationOutput": pagination, "total": pagination["totalEntries"]}

    def _return(self, return_id: str) -> dict:
        if return_id not in self.returns:
            raise api_error(404, 1001, "The return ID is invalid.", "API_RETURN")
        return self.returns[return_id]

    def _get_return(self, return_id, query, body) -> tuple[int, dict]:
        return 200, self._return(return_id)

    def _return_decide(self, return_id, query, body) -> tuple[int, dict]:
        summary = self._return(return_id)["summary"]
        if body.get("decision") != "ACCEPT":
            raise api_error(400, 1100, "Decision not supported by this fake.", "API_RETURN")
        summary["state"], summary["status"] = "RETURN_ACCEPTED", "READY_FOR_SHIPPING"
        summary["sellerResponseDue"] = {}
        return 200, {}

    def _return_refund(self, return_id, query, body) -> tuple[int, dict]:
        record = self._return(return_id)
        total = body.get("refundDetail", {}).get("totalAmount", {})
        if not total.get("value"):
            raise api_error(400, 1101, "refundDetail.totalAmount is required.", "API_RETURN")
        summary = record["summary"]
        summary["state"], summary["status"] = "CLOSED", "CLOSED"
        summary["sellerTotalRefund"]["actualRefundAmount"] = total
        summary["sellerResponseDue"] = {}
        record["detail"]["closeInfo"] = {
            "returnCloseReason": "REFUND_ISSUED",
            "returnCloseDate": when(datetime.now(UTC)),
        }
        return 200, {"refundStatus": "SUCCESS"}

    def _return_received(self, return_id, query, body) -> tuple[int, dict]:
        summary = self._return(return_id)["summary"]
        summary["state"], summary["status"] = "ITEM_DELIVERED", "ITEM_DELIVERED"
        summary["sellerResponseDue"] = {"activityDue": "SELLER_ISSUE_REFUND"}
        return 200, {}

    def _search_inquiries(self, query, body) -> tuple[int, dict]:
        page, pagination = self._search(list(self.inquiries.values()), query, "inquiry_")
        return 200, {
            "members": page,
            "paginationOutput": pagination,
            "totalNumberOfInquiries": pagination["totalEntries"],
        }

    def _inquiry(self, inquiry_id: str) -> dict:
        if inquiry_id not in self.inquiries:
            raise api_error(404, 1001, "The inquiry ID is invalid.", "API_INQUIRY")
        return self.inquiries[inquiry_id]

    def _get_inquiry(self, inquiry_id, query, body) -> tuple[int, dict]:
        return 200, self._inquiry(inquiry_id)

    def _inquiry_shipment(self, inquiry_id, query, body) -> tuple[int, dict]:
        inquiry = self._inquiry(inquiry_id)
        if not body.get("trackingNumber") or not body.get("shippingCarrierName"):
            raise api_error(400, 1102, "trackingNumber and shippingCarrierName are required.", "API_INQUIRY")
        inquiry["inquiryStatusEnum"] = inquiry["status"] = "WAITING_BUYER_RESPONSE"
        inquiry["lastModifiedDate"] = when(datetime.now(UTC))
        inquiry["inquiryHistoryDetails"]["history"].append(
            {"action": "SELLER_PROVIDE_SHIPMENT_INFO", "actor": "SELLER", "date": when(datetime.now(UTC))}
        )
        return 200, {}

    def _inquiry_refund(self, inquiry_id, query, body) -> tuple[int, dict]:
        inquiry = self._inquiry(inquiry_id)
        inquiry["inquiryStatusEnum"] = inquiry["status"] = "CLOSED"
        inquiry["state"] = "FULL_REFUND_AGREED"
        inquiry["inquiryDetails"]["refundAmounts"] = {"refundAmount": inquiry["claimAmount"]}
        inquiry["lastModifiedDate"] = when(datetime.now(UTC))
        return 200, {"refundResult": {"refundStatus": "SUCCESS"}}

    def _search_cases(self, query, body) -> tuple[int, dict]:
        page, pagination = self._search(list(self.cases.values()), query, "case_")
        return 200, {
            "members": page,
            "paginationOutput": pagination,
            "totalNumberOfCases": pagination["totalEntries"],
        }

    def _case(self, case_id: str) -> dict:
        if case_id not in self.cases:
            raise api_error(404, 1001, "The case ID is invalid.", "API_CASE")
        return self.cases[case_id]

    def _get_case(self, case_id, query, body) -> tuple[int, dict]:
        return 200, self._case(case_id)

    def _case_shipment(self, case_id, query, body) -> tuple[int, dict]:
        case = self._case(case_id)
        if not body.get("trackingNumber") or not body.get("shippingCarrierName"):
            raise api_error(400, 1102, "trackingNumber and shippingCarrierName are required.", "API_CASE")
        case["caseStatusEnum"] = case["status"] = "WAITING_CS"
        case["respondByDate"] = None
        case["lastModifiedDate"] = when(datetime.now(UTC))
        return 200, {}

    def _case_refund(self, case_id, query, body) -> tuple[int, dict]:
        case = self._case(case_id)
        case["caseStatusEnum"] = case["status"] = "CLOSED"
        case["caseDetails"]["buyerFinalAcceptResolution"] = "REFUND"
        case["lastModifiedDate"] = when(datetime.now(UTC))
        return 200, {"refundResult": {"refundStatus": "SUCCESS"}}


def _handler_for(state: EbayState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args) -> None:  # quiet: tests read `state.calls`
            pass

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body: dict | None = None
            if raw:
                if (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
                    body = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
                else:
                    body = json.loads(raw)
            try:
                status, answer = state.answer(method, url.path, query, self.headers, body)
                extra: dict = {}
            except Refused as refusal:
                status, answer, extra = refusal.status, refusal.body, refusal.headers
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return Handler


@contextmanager
def running_ebay(state: EbayState | None = None) -> Iterator[tuple[str, EbayState]]:
    """Serve `state` on a free loopback port; yields the base URL and the state."""
    state = state or EbayState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Serve a fake eBay with generated orders (for bench/).")
    parser.add_argument("--orders", type=int, default=100_000)
    arguments = parser.parse_args()
    with running_ebay(EbayState(generated=arguments.orders)) as (base, _state):
        print(base, flush=True)
        threading.Event().wait()
