"""The actions on an Amazon order that go through Amazon's own API, offered only when Amazon
lists them for the order:

- a review request (Solicitations API, productReviewAndSellerFeedback): Amazon writes and sends
  it in its own words, once per order, inside its window (5 to 30 days after delivery). It is
  the one policy-safe way to ask for a review, so the reply composer points here.
- the Messaging API's message kinds that carry the seller's text (an unexpected problem,
  delivery or order details…), checked by the desk's message policy before they go; and the
  negative-feedback removal request, where Amazon still lists it.

Each one sent is kept (`AmazonOrderAction`) and written on the timelines of the order's open
claims."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from disputes import timeline
from disputes.models import ClaimStatus, Order, Platform
from disputes.timeline import Action
from messaging import policy

from ..http import ConnectorError
from ..models import Connection
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


class ActionError(Exception):
    """Words for the person who asked; nothing was sent."""


@dataclass
class OrderActions:
    review_open: bool = False
    sent: list[AmazonOrderAction] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)  # (kind, label) Amazon allows now
    error: str = ""

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
    found = OrderActions(sent=sent_on(order))
    try:
        amazon = _amazon(order)
        found.review_open = found.review_sent is None and REVIEW in _listed(amazon, "solicitations", order)
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


def request_review(*, order: Order, by) -> AmazonOrderAction:
    """Ask Amazon to send its review request for the order. Once per order: the row is taken
    first (a second click, or a second person, is refused by the database), and let go again
    when Amazon does not send it."""
    amazon = _amazon(order)
    try:
        with transaction.atomic():
            action = AmazonOrderAction.objects.create(order=order, kind=REVIEW, by=by)
    except IntegrityError:
        raise ActionError(_("A review was already requested for this order; Amazon allows one.")) from None
    try:
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
    except (ActionError, ConnectorError) as error:
        action.delete()
        raise ActionError(str(error)) from None
    with transaction.atomic():
        timeline.record_for_claims(_open_claim_ids(order), Action.REVIEW_REQUESTED, by=by, platform="Amazon")
    return action


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


def send_message(*, order: Order, kind: str, text: str, by) -> AmazonOrderAction:
    """Send one of the Messaging API's kinds, when Amazon lists it for the order now."""
    if kind not in WITH_TEXT + WITHOUT_TEXT:
        raise ActionError(_("The desk does not send this kind of Amazon message."))
    text = text.strip() if kind in WITH_TEXT else ""
    problem = message_error(kind, text)
    if problem:
        raise ActionError(problem)
    amazon = _amazon(order)
    try:
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
    except ConnectorError as error:
        raise ActionError(str(error)) from None
    with transaction.atomic():
        action = AmazonOrderAction.objects.create(order=order, kind=kind, by=by, text=text)
        timeline.record_for_claims(
            _open_claim_ids(order), Action.PLATFORM_MESSAGE, by=by, platform="Amazon", message_kind=kind
        )
    return action
