"""The seller's answers to an eBay return, inquiry or case that the Post-Order API allows, done
from the claim page: give tracking, issue the refund, accept the return, mark the return received.

The page queues the answer (`ask`) and the worker sends it (`send`, through connectors/outbox.py):
only once eBay has accepted it does the desk write the claim's timeline (and, for a refund, the
decision), in the transaction that marks the action done. eBay refusing says why on the card
and changes nothing on the claim."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.models import Claim, ClaimStatus, Outcome
from disputes.services import ALLOWED_MOVES, claim_move, claim_platform_decided
from disputes.timeline import Action, record

from .. import outbox
from ..base import Refusal
from ..http import ConnectorError, Transient
from ..models import Connection, PlatformAction
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


class ActionRefused(Refusal):
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


def _allowed(claim: Claim, action_name: str) -> SellerAction:
    action = ACTIONS.get(action_name)
    if action is None or action not in actions_for(claim):
        raise ActionRefused(_("eBay does not allow this action on this claim."))
    return action


def ask(*, claim: Claim, action_name: str, by, carrier: str = "", tracking: str = "") -> PlatformAction:
    """Queue `action_name` for eBay on `claim` (connectors/outbox.py), after what the desk can
    check itself. Raises ActionRefused in words; then nothing was queued."""
    action = _allowed(claim, action_name)
    carrier, tracking = carrier.strip()[:60], tracking.strip()[:60]
    if action.needs_tracking and (not carrier or not tracking):
        raise ActionRefused(_("Give both the carrier and the tracking number."))
    if action is REFUND and claim.platform_claim_id.startswith(RETURN) and not claim.amount:
        raise ActionRefused(_("The claim has no amount to refund: enter it first."))
    _connection(claim)
    params = {"carrier": carrier, "tracking": tracking} if action.needs_tracking else {}
    try:
        return outbox.enqueue(
            store=claim.store,
            order=claim.order,
            claim=claim,
            name=action.name,
            params=params,
            by=by,
            already=_("This answer is already on its way to eBay."),
        )
    except Refusal as refused:
        raise ActionRefused(str(refused)) from None


def send(row: PlatformAction) -> outbox.Apply:
    """The worker's half: send the queued answer to eBay. Returns what the desk writes once eBay
    accepted it (the outbox calls it in the transaction that marks the row done). Raises
    ActionRefused in words when eBay (or the desk, the claim having moved on) refuses it, and
    Transient when eBay should be asked again later."""
    if row.claim_id is None:
        raise ActionRefused(_("eBay does not allow this action on this claim."))
    claim = Claim.objects.select_related("store", "order").get(pk=row.claim_id)
    action = _allowed(claim, row.name)
    carrier, tracking = row.params.get("carrier", ""), row.params.get("tracking", "")
    client = EbayClient(_connection(claim))
    client.http.for_an_outbox()
    try:
        path, body = _request(client, claim, action, carrier, tracking)
        answer = client.post_order_action(path, body, what=str(action.label))
    except Transient:
        raise
    except ConnectorError as error:
        raise ActionRefused(
            _("eBay did not take the answer, so nothing was recorded here: %(reason)s") % {"reason": error}
        ) from None
    refund_status = str((answer.get("refundResult") or answer).get("refundStatus", "SUCCESS"))
    if action is REFUND and refund_status == "FAILED":
        raise ActionRefused(_("eBay could not issue the refund; nothing was changed."))

    def apply() -> None:
        fresh = Claim.objects.select_related("store", "order").get(pk=claim.pk)
        record(
            fresh, Action.PLATFORM_ANSWER, by=row.by, answer=action.name, carrier=carrier, tracking=tracking
        )
        if action is REFUND:
            if fresh.status not in ClaimStatus.settled():
                claim_platform_decided(
                    claim=fresh,
                    outcome=Outcome.REFUNDED_BY_SELLER,
                    decided_at=timezone.now(),
                    by=row.by,
                    version=None,
                    note=_("Refund issued on eBay from the desk"),
                )
        elif ClaimStatus.RESPONDED in ALLOWED_MOVES[fresh.status]:
            # Appealing stays appealing: the answer is on the timeline all the same.
            claim_move(claim=fresh, to_status=ClaimStatus.RESPONDED, by=row.by, loaded=fresh.status)

    return apply


def accepted_words(row: PlatformAction) -> str:
    action = ACTIONS.get(row.name)
    return _("eBay accepted it: %(action)s.") % {"action": action.label if action else row.name}


def card(claim: Claim) -> dict:
    """What the claim page's "Answer on eBay" card shows: the answers eBay allows, those on
    their way, and how the last one ended."""
    rows = PlatformAction.objects.filter(claim=claim)
    pending = outbox.pending_for(rows)
    last = outbox.last_settled(rows)
    on_the_way = {row.name for row in pending}
    return {
        "claim": claim,
        "actions": [action for action in actions_for(claim) if action.name not in on_the_way],
        "pending": [(row, ACTIONS[row.name].label if row.name in ACTIONS else row.name) for row in pending],
        "poll_every": outbox.poll_seconds(pending),
        "last": last,
        "last_label": ACTIONS[last.name].label if last is not None and last.name in ACTIONS else "",
        "accepted": accepted_words(last) if last is not None and last.state == "done" else "",
    }
