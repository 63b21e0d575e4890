"""Placeholders in reply templates, filled from the order."""

from string import Formatter

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PLACEHOLDERS = {
    "buyer_name": gettext_lazy("the buyer's name (or a greeting word when unknown)"),
    "order_id": gettext_lazy("the platform's order id"),
    "item": gettext_lazy("the item's title (or the number of items)"),
    "tracking_number": gettext_lazy("the latest shipment's tracking number"),
    "carrier": gettext_lazy("the latest shipment's carrier"),
    "amount": gettext_lazy("the claimed amount, else the order total, with its currency"),
    "ship_date": gettext_lazy("when it shipped (else the ship-by date)"),
    "delivery_date": gettext_lazy("when it was delivered (else the latest delivery date)"),
    "return_address": gettext_lazy("the store's return address"),
    "store_name": gettext_lazy("the store's name"),
}

# What the library lint fills the templates with: realistic values of every kind the checker
# must not mistake for contact details.
SAMPLE = {
    "buyer_name": "Alex",
    "order_id": "113-4567890-1234567",
    "item": "LED desk lamp, dimmable",
    "tracking_number": "9400111899223344556677",
    "carrier": "USPS",
    "amount": "24.99 USD",
    "ship_date": "2026-05-03",
    "delivery_date": "2026-05-08",
    "return_address": "Returns dept., 1200 Harbor Way, Unit 5, Oakland, CA 94607",
    "store_name": "Desk Demo Store",
}


class TemplateError(ValueError):
    """A template that cannot be filled; the message says which placeholder and why."""


def placeholders_in(body: str) -> list[str]:
    try:
        return [name for _text, name, _spec, _conv in Formatter().parse(body) if name is not None]
    except ValueError as error:
        raise TemplateError(
            _("The text has an unbalanced brace: %(error)s. Write {{ or }} for a literal brace.")
            % {"error": error}
        ) from None


def validate(body: str) -> None:
    unknown = sorted({name for name in placeholders_in(body) if name not in PLACEHOLDERS})
    if unknown:
        raise TemplateError(
            _("Unknown placeholder(s): %(unknown)s. Known: %(known)s.")
            % {
                "unknown": ", ".join(f"{{{name}}}" for name in unknown),
                "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            }
        )


def fill(body: str, values: dict[str, str]) -> str:
    validate(body)
    return body.format_map(values)


def _date(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""


def values_for(order, claim=None) -> dict[str, str]:
    """Every placeholder's value for this order (an empty string when the order lacks it)."""
    lines = list(order.lines.all())
    shipments = list(order.shipments.all())
    shipment = shipments[-1] if shipments else None
    if len(lines) == 1:
        item = lines[0].title or lines[0].sku
    elif lines:
        item = _("%(count)d items") % {"count": sum(line.quantity for line in lines)}
    else:
        item = _("your item")
    amount = claim.amount if claim is not None and claim.amount is not None else order.total
    try:
        return_address = order.store.messaging.return_address
    except ObjectDoesNotExist:
        return_address = ""
    buyer = order.buyer
    return {
        "buyer_name": (buyer.name if buyer and buyer.name else _("there")),
        "order_id": order.platform_order_id,
        "item": item,
        "tracking_number": shipment.tracking_number if shipment else "",
        "carrier": shipment.carrier if shipment else "",
        "amount": f"{amount} {order.currency}",
        "ship_date": _date(shipment.shipped_at if shipment and shipment.shipped_at else order.ship_by),
        "delivery_date": _date(
            shipment.delivered_at if shipment and shipment.delivered_at else order.latest_delivery
        ),
        "return_address": return_address,
        "store_name": order.store.name,
    }
