"""Placeholders in reply templates, filled from the order.

Each placeholder stands for one fact and never falls back to another: a template that says "was
delivered on {delivery_date}" must not print the promised date for a parcel only accepted by the
carrier. A placeholder whose fact the order lacks stays in the text as written (`{delivery_date}`);
the composer marks it and the send service refuses the text until the agent writes it in. The
placeholders a template uses are the facts it declares it needs (`missing_facts`)."""

import re
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
    "ship_date": gettext_lazy("when the latest shipment shipped (never the ship-by date)"),
    "delivery_date": gettext_lazy("when the carrier scanned it delivered (never a promised date)"),
    "ship_by": gettext_lazy("the date the order must ship by"),
    "expected_delivery": gettext_lazy("the latest delivery date promised to the buyer"),
    "return_address": gettext_lazy("the store's return address"),
    "store_name": gettext_lazy("the store's name"),
}

# The fact behind each placeholder an order can lack, as the composer and the library name it.
FACTS = {
    "tracking_number": gettext_lazy("a tracking number"),
    "carrier": gettext_lazy("a carrier"),
    "ship_date": gettext_lazy("a ship date"),
    "delivery_date": gettext_lazy("a delivery scan"),
    "ship_by": gettext_lazy("a ship-by date"),
    "expected_delivery": gettext_lazy("a promised delivery date"),
    "return_address": gettext_lazy("the store's return address"),
}

# A placeholder left in a text: what the send service refuses.
UNFILLED = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")

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
    "ship_by": "2026-05-04",
    "expected_delivery": "2026-05-12",
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


class _KeepMissing(dict):
    """Values for format_map: a fact the order lacks (an empty value) keeps its placeholder."""

    def __getitem__(self, name: str) -> str:
        value = super().get(name, "")
        return value if value else "{" + name + "}"


def fill(body: str, values: dict[str, str]) -> str:
    validate(body)
    return body.format_map(_KeepMissing(values))


def pieces(body: str, values: dict[str, str]) -> list[tuple[str, str, str]]:
    """The filled text cut into (text, placeholder, state) for the preview: state is "" for the
    template's own words, "filled" for a value from the order, "missing" for a fact it lacks."""
    validate(body)
    out: list[tuple[str, str, str]] = []
    for literal, name, _spec, _conv in Formatter().parse(body):
        if literal:
            out.append((literal, "", ""))
        if name is not None:
            value = values.get(name, "")
            out.append((value, name, "filled") if value else ("{" + name + "}", name, "missing"))
    return out


def unfilled(text: str) -> list[str]:
    """The placeholders still in a text, each once, in order."""
    return list(dict.fromkeys(match.group(1) for match in UNFILLED.finditer(text)))


def facts_needed(body: str) -> list[str]:
    """The placeholders of a template whose fact an order can lack: what the template declares it
    needs (a "was delivered on {delivery_date}" text needs a delivery scan), each once."""
    try:
        names = placeholders_in(body)
    except TemplateError:
        return []
    return list(dict.fromkeys(name for name in names if name in FACTS))


def missing_facts(body: str, values: dict[str, str]) -> list[str]:
    """The facts this template needs that the order lacks, named for people, each once."""
    return [str(FACTS[name]) for name in facts_needed(body) if not values.get(name)]


def _date(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""


# The generic words the buyer reads where the order has no name or single item, in the template's
# language (the buyer's), never the agent's: a Chinese-speaking agent's English reply still says
# "Hello there". Generic words, not facts: no placeholder ever falls back to another fact.
GENERIC_WORDS = {
    "en": {"buyer_name": "there", "item": "your item", "items": "{count} items"},
    "ru": {"buyer_name": "уважаемый покупатель", "item": "ваш товар", "items": "{count} шт."},
    "zh": {"buyer_name": "亲爱的买家", "item": "您的商品", "items": "{count} 件商品"},
}


def generic_words(language: str) -> dict[str, str]:
    return GENERIC_WORDS.get(language.lower().split("-")[0], GENERIC_WORDS["en"])


def values_for(order, claim=None, language: str = "en") -> dict[str, str]:
    """Every placeholder's value for this order: an empty string when the order lacks the fact
    (no fallback to a neighbouring fact). `language` is the template's, for the generic words."""
    words = generic_words(language)
    lines = list(order.lines.all())
    shipments = list(order.shipments.all())
    shipment = shipments[-1] if shipments else None
    if len(lines) == 1:
        item = lines[0].title or lines[0].sku
    elif lines:
        item = words["items"].format(count=sum(line.quantity for line in lines))
    else:
        item = words["item"]
    amount = claim.amount if claim is not None and claim.amount is not None else order.total
    try:
        return_address = order.store.messaging.return_address
    except ObjectDoesNotExist:
        return_address = ""
    buyer = order.buyer
    return {
        "buyer_name": (buyer.name if buyer and buyer.name else words["buyer_name"]),
        "order_id": order.platform_order_id,
        "item": item,
        "tracking_number": shipment.tracking_number if shipment else "",
        "carrier": shipment.carrier if shipment else "",
        "amount": f"{amount} {order.currency}",
        "ship_date": _date(shipment.shipped_at if shipment else None),
        "delivery_date": _date(shipment.delivered_at if shipment else None),
        "ship_by": _date(order.ship_by),
        "expected_delivery": _date(order.latest_delivery),
        "return_address": return_address,
        "store_name": order.store.name,
    }
