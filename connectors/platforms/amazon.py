"""Amazon's Selling Partner API: what a connected Amazon store syncs, and the actions on an order
that only Amazon's API can take.

- Login with Amazon (LWA): the app's client id and secret and the seller's refresh token buy an
  access token (an hour long) at `/auth/o2/token`; it goes in `x-amz-access-token`. An expired
  one (403 Unauthorized) is bought again once and the request sent again.
- Streams: `orders` (Orders API v0, incremental by last-update time, each order with its items)
  and `all_orders_report` (Reports API: the All Orders flat file, asked for once a day and fed to
  the desk's own importer, disputes/importing.py, the same code path as an uploaded report).
- Actions (connectors/platforms/amazon_actions.py): a review request through the Solicitations
  API and the messages the Messaging API allows for an order.

The client is written here on connectors/http.py rather than taken from python-amazon-sp-api:
see docs/connectors.md."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar

import requests
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import CredentialField, Page
from ..http import AuthRefused, ConnectorError, Http, Rate, base_url, detail_of
from ..records import LineRecord, OrderRecord

if TYPE_CHECKING:
    from ..models import Connection

LWA = "https://api.amazon.com"
ENDPOINTS = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}
# Amazon's marketplace ids by the store's country (the desk's Store.marketplace), with the
# region whose endpoint serves each: Amazon's published table.
# Each operation's published usage plan (requests per second, burst): the client paces itself by
# these until an answer's x-amzn-RateLimit-Limit says which rate applies to this seller now.
RATES: dict[str, Rate] = {
    "getMarketplaceParticipations": Rate(0.016, 15),
    "getOrders": Rate(0.0167, 20),
    "getOrderItems": Rate(0.5, 30),
    "createReport": Rate(0.0167, 15),
    "getReport": Rate(2.0, 15),
    "getReportDocument": Rate(0.0167, 15),
    "getSolicitationActionsForOrder": Rate(1.0, 5),
    "createProductReviewAndSellerFeedbackSolicitation": Rate(1.0, 5),
    "getMessagingActionsForOrder": Rate(1.0, 5),
    "createMessage": Rate(1.0, 5),
}
RATE_HEADER = "x-amzn-RateLimit-Limit"

MARKETPLACES: dict[str, tuple[str, str]] = {
    "US": ("ATVPDKIKX0DER", "na"),
    "CA": ("A2EUQ1WTGCTBG2", "na"),
    "MX": ("A1AM78C64UM0Y8", "na"),
    "BR": ("A2Q3Y263D00KWC", "na"),
    "GB": ("A1F83G8C2ARO7P", "eu"),
    "DE": ("A1PA6795UKMFR9", "eu"),
    "FR": ("A13V1IB3VIYZZH", "eu"),
    "IT": ("APJ6JRA9NG5V4", "eu"),
    "ES": ("A1RKKUPIHCS9HS", "eu"),
    "NL": ("A1805IZSGTT6HS", "eu"),
    "SE": ("A2NODRKZP88ZB9", "eu"),
    "PL": ("A1C3SOZRARQ6R3", "eu"),
    "BE": ("AMEN7PMS3EDWL", "eu"),
    "TR": ("A33AVAJ2PDY3EV", "eu"),
    "AE": ("A2VIGQ35RCS4UG", "eu"),
    "SA": ("A17E79C6D8DWNP", "eu"),
    "EG": ("ARBP9OOSHTCHU", "eu"),
    "IN": ("A21TJRUUN4KGV", "eu"),
    "JP": ("A1VC38T7YXB528", "fe"),
    "AU": ("A39IBJ37TRP1C6", "fe"),
    "SG": ("A19VAU5U5O7RUS", "fe"),
}
ALL_ORDERS = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
# How far back the first sync reads, and how often the All Orders report is asked for.
FIRST_WINDOW = timedelta(days=30)
REPORT_EVERY = timedelta(hours=24)
PAGE_SIZE = 100
# Amazon spells it "Canceled"; its reports, and so the desk, "Cancelled".
STATUS_WORDS = {"Canceled": "Cancelled"}
TOKEN_MARGIN = timedelta(minutes=1)
# Amazon's windows end this long before its clock: later updates may not be readable yet.
SETTLE = timedelta(minutes=2)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _amount(money: dict | None) -> Decimal | None:
    if not money or money.get("Amount") in (None, ""):
        return None
    try:
        return abs(Decimal(str(money["Amount"]))).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


# --- JSON → records ---------------------------------------------------------------------------

# OrderItem money → the desk's charge names (discounts kept positive, as the importer keeps them).
CHARGES = {
    "ItemTax": "item_tax",
    "ShippingPrice": "shipping_price",
    "ShippingTax": "shipping_tax",
    "PromotionDiscount": "item_promotion_discount",
    "ShippingDiscount": "ship_promotion_discount",
}


def order_record(order: dict, items: list[dict], *, currency: str = "") -> OrderRecord:
    """One order of getOrders with its getOrderItems, as the desk keeps it. Lines are keyed by
    SKU (no line id: the writer keys a repeat "SKU #2"), as the All Orders report keys them, so
    both paths write the same lines. A pending order has no total and its items no prices yet:
    its lines cost nothing until Amazon has them, in `currency` (the store's)."""
    status = STATUS_WORDS.get(order["OrderStatus"], order["OrderStatus"])
    cancelled = status == "Cancelled"
    total = order.get("OrderTotal") or {}
    currency = total.get("CurrencyCode") or next(
        (item["ItemPrice"]["CurrencyCode"] for item in items if item.get("ItemPrice")), currency
    )
    lines = []
    for item in items:
        sku = item.get("SellerSKU") or item["ASIN"]
        ordered, shipped = int(item.get("QuantityOrdered", 0)), int(item.get("QuantityShipped", 0))
        if cancelled:
            item_status = "Cancelled"
        else:
            item_status = "Shipped" if ordered and shipped >= ordered else "Unshipped"
        charges = {
            name: value for key, name in CHARGES.items() if (value := _amount(item.get(key))) is not None
        }
        lines.append(
            LineRecord(
                sku=sku,
                quantity=ordered,
                item_price=_amount(item.get("ItemPrice")) or Decimal("0.00"),
                title=(item.get("Title") or "")[:500] or None,
                item_status=item_status,
                charges=charges,
            )
        )
    buyer = order.get("BuyerInfo") or {}
    address = order.get("ShippingAddress") or {}
    purchased = moment(order["PurchaseDate"])
    if purchased is None:
        raise ConnectorError(
            _("Amazon gave order %(order)s no purchase date.") % {"order": order["AmazonOrderId"]}
        )
    return OrderRecord(
        platform_order_id=order["AmazonOrderId"],
        purchased_at=purchased,
        status=status,
        currency=currency,
        lines=lines,
        fulfilment="platform" if order.get("FulfillmentChannel") == "AFN" else "seller",
        updated_at=moment(order.get("LastUpdateDate")),
        buyer_name=buyer.get("BuyerName") or None,
        buyer_email=buyer.get("BuyerEmail") or None,
        ship_country=address.get("CountryCode") or None,
        ship_by=moment(order.get("LatestShipDate")),
        latest_delivery=moment(order.get("LatestDeliveryDate")),
    )


# --- the client ---------------------------------------------------------------------------------


class _TokenHttp(Http):
    """The LWA token endpoint: any refusal there means the credentials no longer work."""

    def refused(self, response: requests.Response, what: str) -> ConnectorError:
        return AuthRefused(
            _("Amazon refused the credentials (%(detail)s): connect the store again.")
            % {"detail": detail_of(response) or response.status_code}
        )


def _token_expired(response: requests.Response) -> bool:
    # SP-API answers an expired (or revoked) access token with 403 "Unauthorized".
    return response.status_code in (401, 403) and detail_of(response) == "Unauthorized"


class Amazon:
    label: ClassVar[str] = "Amazon"
    fields: ClassVar[list[CredentialField]] = [
        CredentialField(
            "client_id",
            gettext_lazy("LWA client id"),
            secret=False,
            help_text=gettext_lazy(
                "The app's client identifier from Seller Central (amzn1.application-oa2-client…)."
            ),
        ),
        CredentialField("client_secret", gettext_lazy("LWA client secret")),
        CredentialField(
            "refresh_token",
            gettext_lazy("LWA refresh token"),
            help_text=gettext_lazy("The refresh token the seller authorised the app with (Atzr|…)."),
        ),
    ]

    def __init__(self, connection: Connection, http: Http | None = None) -> None:
        self.connection = connection
        country = connection.store.marketplace
        default_id, region = MARKETPLACES.get(country, ("", "na"))
        self.marketplace_id = str(connection.settings.get("marketplace_id") or default_id)
        self.region = str(connection.settings.get("region") or region)
        self.token: str | None = None
        self.token_until: datetime | None = None
        self.lwa = _TokenHttp(base_url("amazon_auth", LWA), platform="Amazon")
        self.http = http or Http(
            base_url("amazon", ENDPOINTS.get(self.region, ENDPOINTS["na"])),
            platform="Amazon",
            rates=RATES,
            rate_header=RATE_HEADER,
        )
        self.http.auth = self._auth
        self.http.refresh = self._refresh
        self.http.expired = _token_expired

    # --- tokens ---------------------------------------------------------------------------------

    def _buy_token(self) -> None:
        secrets = self.connection.secrets()
        form = {
            "grant_type": "refresh_token",
            "refresh_token": secrets.get("refresh_token", ""),
            "client_id": str(self.connection.settings.get("client_id") or secrets.get("client_id", "")),
            "client_secret": secrets.get("client_secret", ""),
        }
        answer = self.lwa.request("POST", "/auth/o2/token", what=_("an access token"), data=form).json()
        self.token = str(answer["access_token"])
        self.token_until = (
            timezone.now() + timedelta(seconds=int(answer.get("expires_in", 3600))) - TOKEN_MARGIN
        )

    def _auth(self) -> dict[str, str]:
        if self.token is None or (self.token_until and timezone.now() >= self.token_until):
            self._buy_token()
        return {"x-amz-access-token": self.token or ""}

    def _refresh(self, response: requests.Response) -> bool:
        self._buy_token()
        return True

    # --- the platform interface -----------------------------------------------------------------

    def check(self) -> str:
        if not self.marketplace_id:
            raise ConnectorError(
                _("Amazon has no marketplace for %(country)s that the desk knows.")
                % {"country": self.connection.store.marketplace}
            )
        answer = self.http.get_json(
            "/sellers/v1/marketplaceParticipations",
            what=_("the seller's marketplaces"),
            operation="getMarketplaceParticipations",
        )
        joined = [
            entry["marketplace"]
            for entry in answer.get("payload", [])
            if (entry.get("participation") or {}).get("isParticipating")
        ]
        names = ", ".join(market.get("name") or market.get("id", "") for market in joined)
        if self.marketplace_id not in {market.get("id") for market in joined}:
            raise ConnectorError(
                _(
                    "The credentials work, but the seller does not sell on marketplace %(id)s (sells on: %(names)s)."
                )
                % {"id": self.marketplace_id, "names": names or "—"}
            )
        store_name = next(
            (entry.get("storeName") for entry in answer.get("payload", []) if entry.get("storeName")), ""
        )
        return _("Connected as seller %(seller)s (%(names)s)") % {"seller": store_name or "—", "names": names}

    def streams(self) -> list[Any]:
        from .amazon_report import AllOrdersReport

        # The report first: the orders stream then writes anything newer over it.
        return [AllOrdersReport(self), OrdersStream(self)]

    # --- calls the streams and actions share ----------------------------------------------------

    def order_items(self, order_id: str) -> list[dict]:
        items: list[dict] = []
        params: dict[str, str] = {}
        while True:
            answer = self.http.get_json(
                f"/orders/v0/orders/{order_id}/orderItems",
                params=params,
                what=_("the items of an order"),
                operation="getOrderItems",
            )
            payload = answer.get("payload") or {}
            items.extend(payload.get("OrderItems") or [])
            if not payload.get("NextToken"):
                return items
            params = {"NextToken": payload["NextToken"]}


class OrdersStream:
    """getOrders by last-update time. The cursor holds the window being read — its start, its end
    (Amazon's LastUpdatedBefore, two minutes behind its clock) and the NextToken of the next page
    — so a sync cut short goes on from its last written page; once the window is read, the next
    one starts where it ended."""

    name = "orders"

    def __init__(self, amazon: Amazon) -> None:
        self.amazon = amazon

    def pull(self, cursor: str | None) -> Iterator[Page]:
        window = json.loads(cursor) if cursor else {"after": stamp(timezone.now() - FIRST_WINDOW)}
        after, token = window["after"], window.get("token")
        before = window.get("before")
        # Amazon says where the window ends; should it not, it ends two minutes back, as Amazon's does.
        settled = stamp(timezone.now() - SETTLE)
        currency = self.amazon.connection.store.currency
        while True:
            params = {"MarketplaceIds": self.amazon.marketplace_id}
            if token:
                params["NextToken"] = token
            else:
                params.update({"LastUpdatedAfter": after, "MaxResultsPerPage": str(PAGE_SIZE)})
            try:
                answer = self.amazon.http.get_json(
                    "/orders/v0/orders", params=params, what=_("the orders"), operation="getOrders"
                )
            except AuthRefused:
                raise
            except ConnectorError:
                if not token:
                    raise
                # A NextToken kept from a run long ago may have lapsed: read the window again.
                token, before = None, None
                continue
            payload = answer.get("payload") or {}
            before = payload.get("LastUpdatedBefore") or before or settled
            records = [
                order_record(order, self.amazon.order_items(order["AmazonOrderId"]), currency=currency)
                for order in payload.get("Orders") or []
            ]
            token = payload.get("NextToken")
            if token:
                following = {"after": after, "before": before, "token": token}
            else:
                following = {"after": before}
            yield Page(records=list(records), cursor=json.dumps(following))
            if not token:
                return
