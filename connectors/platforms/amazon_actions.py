"""The actions on an Amazon order that go through Amazon's own API, offered only when Amazon
lists them for the order:

- a review request (Solicitations API, productReviewAndSellerFeedback): Amazon writes and sends
  it in its own words, once per order, inside its window (5 to 30 days after delivery). It is
  the one policy-safe way to ask for a review, so the reply composer points here.
- the Messaging API's message kinds that carry the seller's text (an unexpected problem,
  delivery or order details…), checked by the desk's message policy before they go; and the
  negative-feedback removal request, where Amazon still lists it.

The page queues each one (connectors/outbox.py) and the worker sends it (`send`). Each one Amazon
accepted is kept (`AmazonOrderAction`) and written on the timelines of the order's open claims."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from disputes import timeline
from disputes.models import ClaimStatus, Order, Platform
from disputes.timeline import Action
from messaging import policy

from .. import outbox
from ..base import Refusal
from ..http import ConnectorError, Transient
from ..models import ActionState, Connection, PlatformAction
from .amazon import Amazon
from .amazon_models import AmazonActionKind, AmazonOrderAction

timeline.register_choices(message_kind=AmazonActionKind)

REVIEW = AmazonActionKind.REVIEW.value
# Messaging API kinds the desk can send, in the order offered: those taking the seller's text,
# then those taking none.
WITH_TEXT = (
    AmazonActionKind.UNEXPECTED_PROBLEM.value,
    AmazonActionKind.DELIVERY_DETAILS.value,
    AmazonActionKind.ORDER_DETAILS.value,
    AmazonActionKind.SERVICE_DETAILS.value,
)
WITHOUT_TEXT = (AmazonActionKind.NEGATIVE_FEEDBACK_REMOVAL.value,)
# The Messaging API takes at most this many characters of text.
MAX_TEXT = 2000


class ActionError(Refusal):
    """Words for the person who asked; nothing was sent."""


@dataclass
class OrderActions:
    review_open: bool = False
    sent: list[AmazonOrderAction] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)  # (kind, label) Amazon allows now
    error: str = ""
    pending: list[PlatformAction] = field(default_factory=list)  # on their way to Amazon

    @property
    def review_sent(self) -> AmazonOrderAction | None:
        return next((action for action in self.sent if action.kind == REVIEW), None)

    def takes_text(self, kind: str) -> bool:
        return kind in WITH_TEXT


def connection_of(order: Order) -> Connection | None:
    if order.store.platform != Platform.AMAZON:
        return None
    connection = Connection.objects.filter(store=order.store).first()
    return connection if connection is not None and connection.has_credentials else None


def _amazon(order: Order) -> Amazon:
    connection = connection_of(order)
    if connection is None:
        raise ActionError(_("This store is not connected to Amazon's API."))
    amazon = Amazon(connection)
    # Someone waits on the page: Amazon's throttling is told, not waited out.
    amazon.http.for_a_person()
    amazon.lwa.for_a_person()
    return amazon


def _listed(amazon: Amazon, api: str, order: Order) -> list[str]:
    answer = amazon.http.get_json(
        f"/{api}/v1/orders/{order.platform_order_id}",
        params={"marketplaceIds": amazon.marketplace_id},
        what=_("the actions Amazon allows on the order"),
        operation=f"get{'Solicitation' if api == 'solicitations' else 'Messaging'}ActionsForOrder",
    )
    return [str(link.get("name", "")) for link in (answer.get("_links") or {}).get("actions") or []]


def sent_on(order: Order) -> list[AmazonOrderAction]:
    return list(order.amazon_actions.select_related("by"))


def actions_for(order: Order) -> OrderActions:
    """What Amazon allows on the order now, and what was sent before (asks Amazon twice)."""
    found = OrderActions(sent=sent_on(order), pending=pending_on(order))
    try:
        amazon = _amazon(order)
        found.review_open = (
            found.review_sent is None
            and not any(row.name == REVIEW for row in found.pending)
            and REVIEW in _listed(amazon, "solicitations", order)
        )
        allowed = set(_listed(amazon, "messaging", order))
    except (ActionError, ConnectorError) as error:
        found.error = str(error)
        return found
    found.messages = [
        (kind, str(AmazonActionKind(kind).label)) for kind in WITH_TEXT + WITHOUT_TEXT if kind in allowed
    ]
    return found


def _open_claim_ids(order: Order) -> list[int]:
    return list(order.claims.exclude(status=ClaimStatus.CLOSED).values_list("pk", flat=True))


def _connected(order: Order) -> None:
    if connection_of(order) is None:
        raise ActionError(_("This store is not connected to Amazon's API."))


def _enqueue(order: Order, kind: str, params: dict, by, already: str) -> PlatformAction:
    try:
        return outbox.enqueue(
            store=order.store, order=order, claim=None, name=kind, params=params, by=by, already=already
        )
    except Refusal as refused:
        raise ActionError(str(refused)) from None


def request_review(*, order: Order, by) -> PlatformAction:
    """Queue Amazon's review request for the order (connectors/outbox.py). Once per order: one
    already sent, or one on its way, refuses the next."""
    _connected(order)
    already = _("A review was already requested for this order; Amazon allows one.")
    if order.amazon_actions.filter(kind=REVIEW).exists():
        raise ActionError(already)
    return _enqueue(order, REVIEW, {}, by, already)


def message_error(kind: str, text: str) -> str:
    """Why this text may not go as this kind of Amazon message, or ""."""
    if kind not in WITH_TEXT:
        return ""
    if not text.strip():
        return _("Write the message first.")
    if len(text) > MAX_TEXT:
        return _("Amazon takes at most %(max)s characters; this message has %(count)s.") % {
            "max": MAX_TEXT,
            "count": len(text),
        }
    blocking = policy.blocking(policy.check(text, Platform.AMAZON))
    if blocking:
        return _("The message breaks Amazon's rules: %(why)s") % {"why": blocking[0].explanation}
    return ""


def send_message(*, order: Order, kind: str, text: str, by) -> PlatformAction:
    """Queue one of the Messaging API's kinds, once the desk's checks pass."""
    if kind not in WITH_TEXT + WITHOUT_TEXT:
        raise ActionError(_("The desk does not send this kind of Amazon message."))
    text = text.strip() if kind in WITH_TEXT else ""
    problem = message_error(kind, text)
    if problem:
        raise ActionError(problem)
    _connected(order)
    already = _("A message of this kind is already on its way to Amazon for this order.")
    return _enqueue(order, kind, {"text": text} if text else {}, by, already)


def _send_review(amazon: Amazon, order: Order) -> None:
    if REVIEW not in _listed(amazon, "solicitations", order):
        raise ActionError(
            _(
                "Amazon does not offer a review request for this order now: it allows one from 5 to "
                "30 days after delivery."
            )
        )
    amazon.http.request(
        "POST",
        f"/solicitations/v1/orders/{order.platform_order_id}/solicitations/productReviewAndSellerFeedback",
        params={"marketplaceIds": amazon.marketplace_id},
        what=_("the review request"),
        operation="createProductReviewAndSellerFeedbackSolicitation",
    )


def _send_message(amazon: Amazon, order: Order, kind: str, text: str) -> None:
    if kind not in _listed(amazon, "messaging", order):
        raise ActionError(
            _("Amazon does not allow a “%(kind)s” message on this order now.")
            % {"kind": AmazonActionKind(kind).label}
        )
    amazon.http.request(
        "POST",
        f"/messaging/v1/orders/{order.platform_order_id}/messages/{kind}",
        params={"marketplaceIds": amazon.marketplace_id},
        json={"text": text} if text else {},
        what=_("the message"),
        operation="createMessage",
    )


def send(row: PlatformAction) -> outbox.Apply:
    """The worker's half: ask Amazon whether it still lists the action on the order, then send
    it. Returns what the desk writes once Amazon accepted it (the list on the order's card, the
    open claims' timelines). Raises ActionError in Amazon's words when it refuses, Transient when
    Amazon should be asked again later."""
    order = Order.objects.select_related("store").get(pk=row.order_id)
    kind, text = row.name, str(row.params.get("text", ""))
    amazon = _amazon(order)
    amazon.http.for_an_outbox()
    amazon.lwa.for_an_outbox()
    try:
        if kind == REVIEW:
            _send_review(amazon, order)
        else:
            _send_message(amazon, order, kind, text)
    except Transient:
        raise
    except ConnectorError as error:
        raise ActionError(str(error)) from None

    def apply() -> None:
        AmazonOrderAction.objects.create(order=order, kind=kind, by=row.by, text=text)
        claims = _open_claim_ids(order)
        if kind == REVIEW:
            timeline.record_for_claims(claims, Action.REVIEW_REQUESTED, by=row.by, platform="Amazon")
        else:
            timeline.record_for_claims(
                claims, Action.PLATFORM_MESSAGE, by=row.by, platform="Amazon", message_kind=kind
            )

    return apply


def pending_on(order: Order) -> list[PlatformAction]:
    return outbox.pending_for(PlatformAction.objects.filter(order=order, claim__isnull=True))


def kind_label(row: PlatformAction) -> str:
    return str(AmazonActionKind(row.name).label) if row.name in AmazonActionKind.values else row.name


def watched(order: Order, action_id: int) -> PlatformAction | None:
    """The action of this order the card waits for (None: no such action)."""
    return PlatformAction.objects.filter(pk=action_id, order=order, claim__isnull=True).first()


def outcome(row: PlatformAction) -> tuple[str, str]:
    """What the card says of a settled action: (done, error), as the card's template reads them."""
    if row.state == ActionState.DONE:
        return ("review" if row.name == REVIEW else "message"), ""
    return "", row.reason
