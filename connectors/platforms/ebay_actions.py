"""The seller's answers to an eBay return, inquiry or case that the Post-Order API allows, done
from the claim page: give tracking, issue the refund, accept the return, mark the return received.

Each is sent to eBay first; only once eBay has accepted it does the desk write the claim's
timeline (and, for a refund, the decision), in one transaction. eBay refusing says why, in place,
and changes nothing on the desk."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.models import Claim, ClaimStatus, Outcome
from disputes.services import ALLOWED_MOVES, claim_move, claim_platform_decided
from disputes.timeline import Action, record

from ..http import ConnectorError
from ..models import Connection
from .ebay import CASE, INR, RETURN, EbayClient


@dataclass(frozen=True)
class SellerAction:
    name: str
    label: str | Promise
    needs_tracking: bool = False


TRACKING = SellerAction("tracking", gettext_lazy("Give eBay the tracking"), needs_tracking=True)
REFUND = SellerAction("refund", gettext_lazy("Issue the refund on eBay"))
ACCEPT = SellerAction("accept", gettext_lazy("Accept the return on eBay"))
RECEIVED = SellerAction("received", gettext_lazy("Mark the return received on eBay"))
ACTIONS = {a.name: a for a in (TRACKING, REFUND, ACCEPT, RECEIVED)}


class ActionRefused(Exception):
    """What the manager reads when eBay (or the desk) refused the action."""


def actions_for(claim: Claim) -> list[SellerAction]:
    """What eBay lets the seller do on this claim from the desk; nothing once it is decided."""
    if claim.status in ClaimStatus.settled() or claim.store.platform != "ebay":
        return []
    if claim.platform_claim_id.startswith(RETURN):
        return [ACCEPT, RECEIVED, REFUND]
    if claim.platform_claim_id.startswith((INR, CASE)):
        return [TRACKING, REFUND]
    return []


def _connection(claim: Claim) -> Connection:
    connection = Connection.objects.filter(store=claim.store).first()
    if connection is None or not connection.has_credentials:
        raise ActionRefused(_("This store is not connected to eBay."))
    return connection


def _request(
    client: EbayClient, claim: Claim, action: SellerAction, carrier: str, tracking: str
) -> tuple[str, dict]:
    """The Post-Order call that does `action` for this claim: its path and its body."""
    kind, number = claim.platform_claim_id.split("-", 1)
    no_comment = {"comments": {"content": ""}}
    if f"{kind}-" == RETURN:
        if action is ACCEPT:
            return f"return/{number}/decide", {"decision": "ACCEPT"}
        if action is RECEIVED:
            return f"return/{number}/mark_as_received", {}
        if not claim.amount:
            raise ActionRefused(_("The claim has no amount to refund: enter it first."))
        total = {"value": str(claim.amount), "currency": claim.order.currency}
        refund = {
            "itemizedRefundDetail": [{"refundAmount": total, "refundFeeType": "PURCHASE_PRICE"}],
            "totalAmount": total,
        }
        return f"return/{number}/issue_refund", {"refundDetail": refund, **no_comment}
    # An inquiry eBay stepped into is answered as the case it became (same number).
    escalated = f"{kind}-" == CASE or (
        client.post_order(f"inquiry/{number}", what=_("inquiries")).get("inquiryStatusEnum")
        == "CLOSED_WITH_ESCALATION"
    )
    base = f"casemanagement/{number}" if escalated else f"inquiry/{number}"
    if action is REFUND:
        return f"{base}/issue_refund", no_comment
    shipment = {
        "shippingCarrierName": carrier,
        "trackingNumber": tracking,
        "shippedDate": {"value": timezone.now().strftime("%Y-%m-%dT%H:%M:%S.000Z")},
    }
    return (f"{base}/provide_shipment_info" if escalated else f"{base}/shipment_info"), shipment


def perform(*, claim: Claim, action_name: str, by, carrier: str = "", tracking: str = "") -> str:
    """Do `action_name` on eBay for `claim`; returns what the desk says once eBay accepted it."""
    action = ACTIONS.get(action_name)
    if action is None or action not in actions_for(claim):
        raise ActionRefused(_("eBay does not allow this action on this claim."))
    carrier, tracking = carrier.strip()[:60], tracking.strip()[:60]
    if action.needs_tracking and (not carrier or not tracking):
        raise ActionRefused(_("Give both the carrier and the tracking number."))
    client = EbayClient(_connection(claim))
    try:
        path, body = _request(client, claim, action, carrier, tracking)
        answer = client.post_order_action(path, body, what=str(action.label))
    except ConnectorError as error:
        raise ActionRefused(
            _("eBay did not take the answer, so nothing was recorded here: %(reason)s") % {"reason": error}
        ) from None
    refund_status = str((answer.get("refundResult") or answer).get("refundStatus", "SUCCESS"))
    if action is REFUND and refund_status == "FAILED":
        raise ActionRefused(_("eBay could not issue the refund; nothing was changed."))
    with transaction.atomic():
        record(
            claim,
            Action.PLATFORM_ANSWER,
            by=by,
            answer=action.name,
            carrier=carrier,
            tracking=tracking,
        )
        if action is REFUND:
            claim_platform_decided(
                claim=claim,
                outcome=Outcome.REFUNDED_BY_SELLER,
                decided_at=timezone.now(),
                by=by,
                version=None,
                note=_("Refund issued on eBay from the desk"),
            )
        elif ClaimStatus.RESPONDED in ALLOWED_MOVES[claim.status]:
            # Appealing stays appealing: the answer is on the timeline all the same.
            claim_move(claim=claim, to_status=ClaimStatus.RESPONDED, by=by, loaded=claim.status)
    return _("eBay accepted it: %(action)s.") % {"action": action.label}
