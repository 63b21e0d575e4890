"""Shaped reads for the evidence panel, the checklist and the claim timeline: each costs a fixed
number of queries whatever the number of items."""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import QuerySet

from disputes.access import is_manager
from disputes.models import Claim, Order
from disputes.timeline import Action

from .checklist import Checklist, checklist
from .models import EvidenceEvent, EvidenceItem, EvidenceKind

# The session remembers the kind chosen last for an upload, so the panel's select keeps it.
LAST_KIND = "evidence_kind"


def order_items(order: Order) -> QuerySet[EvidenceItem]:
    return (
        EvidenceItem.objects.present()
        .filter(order=order)
        .select_related("added_by")
        .order_by("captured_at", "pk")
    )


@dataclass
class Panel:
    order: Order
    items: list[EvidenceItem]
    can_delete: bool
    claim: Claim | None = None
    checklist: Checklist | None = None
    kinds: list = field(default_factory=lambda: EvidenceKind.choices)
    kind: str = ""  # the kind chosen last for an upload: the select keeps it


def panel(
    user: User,
    order: Order,
    claim: Claim | None = None,
    items: list | None = None,
    kind: str = "",
    manager: bool | None = None,
) -> Panel:
    """`manager`: whether the user manages the order's store, when the page has asked already."""
    items = list(order_items(order)) if items is None else items
    found = Panel(
        order=order,
        items=items,
        can_delete=is_manager(user, order.store) if manager is None else manager,
        claim=claim,
        kind=kind if kind in EvidenceKind.values else "",
    )
    if claim is not None:
        found.checklist = checklist(claim.reason, [item.kind for item in items])
    return found


def claim_checklist(claim: Claim) -> Checklist:
    kinds = EvidenceItem.objects.present().filter(order_id=claim.order_id).values_list("kind", flat=True)
    return checklist(claim.reason, kinds)


@dataclass(frozen=True)
class Captured:
    """An evidence item as a timeline entry, at the time it was captured."""

    at: datetime
    item: EvidenceItem
    action: str = Action.EVIDENCE_CAPTURED

    @property
    def params(self) -> dict:
        return {
            "evidence_kind": self.item.kind,
            "captured_from": self.item.captured_from,
            "note": self.item.caption or self.item.original_name,
        }

    @property
    def actor(self):
        return self.item.added_by


def present_items(order: Order) -> list[EvidenceItem]:
    """The order's present items, read once per order object: on the claim page the panel and
    the timeline both show them, and the page's query count stays fixed."""
    if "_present_evidence" not in order.__dict__:
        order.__dict__["_present_evidence"] = list(order_items(order))
    return order.__dict__["_present_evidence"]


def claim_timeline(claim: Claim) -> list[EvidenceEvent | Captured]:
    """The vault's entries in the claim's timeline: the order's evidence audit events, and each
    present item at its captured-at time (disputes merges them with the claim's own events)."""
    events = EvidenceEvent.objects.filter(order_id=claim.order_id).select_related("actor")
    return [*events, *(Captured(item.captured_at, item) for item in present_items(claim.order))]
