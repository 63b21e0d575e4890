"""Which evidence a claim needs, by its reason (DOMAIN.md, "Evidence"), and what is there."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from disputes.models import Reason

from .models import EvidenceKind as K

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Need:
    label: "StrOrPromise"  # translated when shown
    kinds: tuple[str, ...]  # any one of these kinds satisfies the need


TRACKING = Need(_("Tracking history"), (K.TRACKING_HISTORY,))
DELIVERY = Need(_("Proof of delivery (signature, date, address)"), (K.PROOF_OF_DELIVERY,))
CARRIER = Need(_("Carrier correspondence"), (K.CARRIER_CORRESPONDENCE,))
PRE_SHIPMENT = Need(_("Pre-shipment photos"), (K.PRE_SHIPMENT_PHOTO,))
PACKAGING = Need(_("Packaging (packing video)"), (K.PACKING_VIDEO,))
BUYER_MEDIA = Need(_("Buyer's photos or video"), (K.BUYER_MEDIA,))
LISTING = Need(_("Listing screenshot (what was promised)"), (K.LISTING_SCREENSHOT,))
PACKING_LIST = Need(_("Packing list"), (K.PACKING_LIST,))
QC = Need(_("Quality inspection report"), (K.QC_REPORT,))
ORDER = Need(_("Order details"), (K.ORDER_DETAILS,))
MESSAGES = Need(_("Message log"), (K.MESSAGE_LOG,))
REFUND = Need(_("Refund or replacement record"), (K.REFUND_RECORD,))

NEEDS: dict[str, tuple[Need, ...]] = {
    Reason.NOT_RECEIVED: (TRACKING, DELIVERY, CARRIER),
    Reason.DAMAGED: (PRE_SHIPMENT, PACKAGING, BUYER_MEDIA, CARRIER),
    Reason.NOT_AS_DESCRIBED: (LISTING, PACKING_LIST, PRE_SHIPMENT, QC),
    Reason.MISSING_PARTS: (LISTING, PACKING_LIST, PRE_SHIPMENT, QC),
    Reason.PRICE: (ORDER, LISTING, MESSAGES),
    Reason.REFUND_NOT_PROCESSED: (REFUND, TRACKING, MESSAGES),
    Reason.OTHER: (ORDER, MESSAGES),
}


def needs_for(reason: str) -> tuple[Need, ...]:
    return NEEDS.get(reason, NEEDS[Reason.OTHER])


@dataclass(frozen=True)
class Line:
    need: Need
    present: int  # how many items satisfy it


@dataclass(frozen=True)
class Checklist:
    lines: list[Line]

    @property
    def done(self) -> int:
        return sum(1 for line in self.lines if line.present)

    @property
    def total(self) -> int:
        return len(self.lines)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def missing(self) -> list[Need]:
        return [line.need for line in self.lines if not line.present]


def checklist(reason: str, kinds_present: Iterable[str]) -> Checklist:
    kinds = list(kinds_present)
    return Checklist([Line(need, sum(1 for k in kinds if k in need.kinds)) for need in needs_for(reason)])
