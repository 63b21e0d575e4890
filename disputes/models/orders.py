from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .stores import Store

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- Orders -------------------------------------------------------------------------------

# Item statuses that take a line out of its order's total, and order statuses of a cancelled
# order (Amazon spells it both ways).
CANCELLED_ITEM_STATUSES = ("cancelled", "canceled")


class Buyer(models.Model):
    """A buyer as one store knows them (Amazon gives an anonymised relay alias)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="buyers")
    alias = models.CharField(_("buyer alias"), max_length=255)
    name = models.CharField(_("name"), max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The buyer's claim record in this store, kept by the database on every write to a claim or
    # to an order's buyer (disputes/watch_columns.py): the claims on their orders, how many of
    # their orders have one, and when the latest was opened.
    claims = models.IntegerField(default=0, editable=False)
    claim_orders = models.IntegerField(default=0, editable=False)
    last_claim_at = models.DateTimeField(null=True, blank=True, editable=False)
    # `claim_orders` of every store's buyer with this alias, added up (kept the same way).
    alias_claim_orders = models.IntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("buyer")
        verbose_name_plural = _("buyers")
        constraints = [
            models.UniqueConstraint(fields=["store", "alias"], name="buyer_alias_per_store"),
        ]
        indexes = [
            # "May become a claim": buyers with a claim history.
            models.Index(fields=["store"], name="buyer_with_claims", condition=Q(claims__gt=0)),
            # The serial complainers (claims on 3 orders or more, over the reader's stores),
            # added up by alias from the index alone, among the buyers whose alias has them
            # over all stores.
            models.Index(
                fields=["store", "alias"],
                include=["claims", "claim_orders", "last_claim_at", "id"],
                name="buyer_serial",
                condition=Q(alias_claim_orders__gte=3),
            ),
            # The alias totals' recount: one alias in every store.
            models.Index(fields=["alias"], name="buyer_alias"),
        ]

    def __str__(self) -> str:
        return self.name or self.alias


class FulfilmentChannel(models.TextChoices):
    SELLER = "seller", _("Seller-fulfilled")
    PLATFORM = "platform", _("Platform-fulfilled")


class Order(models.Model):
    # No index of its own: order_id_per_store (store, order id) and order_store_purchased start
    # with the store, and each index costs every imported order a write.
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="orders", db_index=False)
    buyer = models.ForeignKey(Buyer, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders")
    platform_order_id = models.CharField(_("order id"), max_length=64)
    status = models.CharField(_("order status"), max_length=40, blank=True)
    purchased_at = models.DateTimeField(_("purchased"))
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=0)
    fulfilment_channel = models.CharField(
        _("fulfilment"),
        max_length=10,
        choices=FulfilmentChannel.choices,
        default=FulfilmentChannel.SELLER,
    )
    ship_by = models.DateTimeField(_("ship by"), null=True, blank=True)
    latest_delivery = models.DateTimeField(_("latest delivery date"), null=True, blank=True)
    ship_country = models.CharField(_("ship-to country"), max_length=2, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Whether a shipment of the order was delivered, kept by the database on every write to a
    # shipment (disputes/watch_columns.py).
    delivered = models.BooleanField(default=False, editable=False)
    # The latest delivery date while the order is neither delivered nor cancelled: from then on
    # it is late ("may become a claim" reads late orders from its index).
    late_from = models.GeneratedField(
        expression=models.Case(
            models.When(delivered=True, then=None),
            models.When(In(Lower("status"), CANCELLED_ITEM_STATUSES), then=None),
            default=models.F("latest_delivery"),
            output_field=models.DateTimeField(null=True),
        ),
        output_field=models.DateTimeField(null=True),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(fields=["store", "platform_order_id"], name="order_id_per_store"),
        ]
        indexes = [
            # The store page's Order Defect Rate: orders of the last 60 days.
            models.Index(fields=["store", "purchased_at"], name="order_store_purchased"),
            # The order list, newest first over several stores (keyset paging on purchased_at,
            # id): read backwards and filtered by store, instead of sorting every order.
            models.Index(fields=["purchased_at", "id"], name="order_purchased_any_store"),
            # "May become a claim": a store's late orders, the longest overdue first.
            models.Index(
                fields=["store", "late_from"],
                include=["purchased_at"],
                name="order_late",
                condition=Q(late_from__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.platform_order_id

    def charges(self) -> dict[str, Decimal]:
        return charges_of(self.lines.all())


def _money(verbose_name: "StrOrPromise") -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, default=0)


def charges_of(lines: Iterable["OrderLine"]) -> dict[str, Decimal]:
    """The parts of an order's total, over its lines that are not cancelled (as the import sums
    them): items, shipping (with gift wrap), tax and discounts (positive, to subtract)."""
    counted = [line for line in lines if not line.cancelled]
    zero = Decimal("0.00")
    return {
        "items": sum((line.item_price for line in counted), zero),
        "shipping": sum((line.shipping_price + line.gift_wrap_price for line in counted), zero),
        "tax": sum((line.tax for line in counted), zero),
        "discount": sum((line.discount for line in counted), zero),
    }


class OrderLine(models.Model):
    # No index of its own: order_line_unique (order, line key) starts with the order.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line_key = models.CharField(
        _("line id"),
        max_length=80,
        help_text=_("The platform's order-item id, or the SKU (with “#2”, “#3”… for its repeats)."),
    )
    sku = models.CharField(_("SKU"), max_length=100)
    title = models.CharField(_("title"), max_length=500, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    item_price = models.DecimalField(_("item price"), max_digits=12, decimal_places=2)
    # As the platform reports it ("Shipped", "Unshipped", "Cancelled"…); blank when it does not.
    item_status = models.CharField(_("item status"), max_length=40, blank=True)
    # The rest of what the buyer paid for this line, as Amazon's report gives it. Discounts are
    # stored as positive amounts and subtracted.
    item_tax = _money(_("item tax"))
    shipping_price = _money(_("shipping"))
    shipping_tax = _money(_("shipping tax"))
    gift_wrap_price = _money(_("gift wrap"))
    gift_wrap_tax = _money(_("gift wrap tax"))
    item_promotion_discount = _money(_("item promotion discount"))
    ship_promotion_discount = _money(_("shipping promotion discount"))
    # Fingerprints the import keeps so that a row it has written before, unchanged, is passed
    # over without being read again (disputes.importing). Null: written otherwise, or before.
    # The row as the file had it (with what it was read against), the order details it gave,
    # and the order's details as they were once it was written.
    row_digest = models.BigIntegerField(null=True, blank=True, editable=False)
    facts_digest = models.BigIntegerField(null=True, blank=True, editable=False)
    order_digest = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "line_key"], name="order_line_unique"),
        ]
        # The product search's second step: the lines of the SKUs it found in `Product`.
        indexes = [models.Index(fields=["sku"], name="order_line_sku")]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"

    @property
    def cancelled(self) -> bool:
        return self.item_status.casefold() in CANCELLED_ITEM_STATUSES

    @property
    def tax(self) -> Decimal:
        return self.item_tax + self.shipping_tax + self.gift_wrap_tax

    @property
    def discount(self) -> Decimal:
        return self.item_promotion_discount + self.ship_promotion_discount

    @property
    def charged(self) -> Decimal:
        """What the buyer paid for this line: 0 for a cancelled line, whatever price it keeps."""
        if self.cancelled:
            return Decimal("0.00")
        return self.item_price + self.shipping_price + self.gift_wrap_price + self.tax - self.discount


class Product(models.Model):
    """A SKU and title that a store's order lines have had: what the product search matches text
    against (a few rows per SKU instead of one per line), before it reads the lines of the SKUs
    found. Kept by triggers on the lines (disputes/products.py); a row stays when its lines
    change or go (the search finds lines, so such a row only costs a look)."""

    store = models.ForeignKey(
        Store, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    sku = models.CharField(max_length=100)
    title = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "sku", "title"], name="product_unique")]

    def __str__(self) -> str:
        return f"{self.sku} · {self.title}" if self.title else self.sku


class Shipment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    proof_of_delivery = models.TextField(
        _("proof of delivery"),
        blank=True,
        help_text=_("Signature, photo reference, delivery address as the carrier recorded them."),
    )

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["shipped_at", "pk"]
        constraints = [
            # One shipment per order and tracking number: the import's key, kept even when two
            # imports race. A shipment entered before it has a number is not covered.
            models.UniqueConstraint(
                fields=["order", "tracking_number"],
                condition=~Q(tracking_number=""),
                name="shipment_once_per_tracking_number",
            ),
        ]
        indexes = [
            # The header search: a whole tracking number, pasted (disputes/search.py).
            models.Index(fields=["tracking_number"], name="shipment_tracking_number"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}".strip()


class TrackingEvent(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("time"))
    status = models.CharField(_("status"), max_length=100)
    location = models.CharField(_("location"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.status}"


class OrderImport(models.Model):
    """One imported order report: who, when, which file (by fingerprint), what it changed."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="imports")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    file_format = models.CharField(max_length=20)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    imported_at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveIntegerField(default=0)
    orders_created = models.PositiveIntegerField(default=0)
    orders_updated = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("order import")
        verbose_name_plural = _("order imports")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.file_name} → {self.store}"
