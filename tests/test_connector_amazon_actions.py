"""Amazon's own actions on an order (review request, Messaging API kinds), offered only when
Amazon's API lists them, against the fake SP-API on loopback."""

import pytest
from django.urls import reverse
from django.utils import timezone

from connectors.models import ActionState, PlatformAction
from connectors.outbox import platform_actions_send
from connectors.platforms.amazon_actions import send_message
from connectors.platforms.amazon_models import AmazonOrderAction
from disputes.models import ClaimEvent, SetAside, SetAsideKind
from disputes.timeline import Action

from .fakes.amazon_api import amazon_api
from .test_connector_amazon import KEY, connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(settings, world):
    with amazon_api() as fake:
        settings.DESK_CONNECTOR_BASE_URLS = {"amazon": fake.base, "amazon_auth": fake.base}
        settings.DESK_CONNECTOR_MAX_WAIT = 0.01
        settings.DESK_CONNECTOR_KEYS = [KEY]
        # The world's order, as Amazon holds it.
        fake.add_order(world.order_a.platform_order_id)
        yield fake


def card(client, order):
    return client.get(reverse("connectors:amazon_actions", args=[order.pk]), headers={"HX-Request": "true"})


def test_the_order_page_of_a_connected_store_loads_its_amazon_card_and_others_show_none(
    world, api, agent_client
):
    order_url = reverse("disputes:order", args=[world.order_a.pk])
    assert 'id="amazon-actions"' not in agent_client.get(order_url).text  # not connected yet
    connect(world.store_a, api)
    page = agent_client.get(order_url).text
    assert 'id="amazon-actions"' in page
    assert reverse("connectors:amazon_actions", args=[world.order_a.pk]) in page
    assert api.count("getSolicitationActionsForOrder") == 0  # the page itself never waits for Amazon


def watching(client, order, answer):
    """The card the page polls after `answer` (the POST's answer, the card waiting)."""
    row = PlatformAction.objects.filter(order=order).latest("pk")
    assert f"?watch={row.pk}" in answer.text
    return client.get(
        reverse("connectors:amazon_actions", args=[order.pk]) + f"?watch={row.pk}",
        headers={"HX-Request": "true"},
    )


def test_a_review_is_requested_once_inside_amazons_window_and_written_on_the_timeline(
    world, api, agent_client
):
    connect(world.store_a, api)
    order = world.order_a
    closed = card(agent_client, order).text
    assert 'id="review-closed"' in closed and 'id="request-review"' not in closed

    api.review_open.add(order.platform_order_id)  # delivered a week ago: inside the window
    assert 'id="request-review"' in card(agent_client, order).text
    asked = api.count("getSolicitationActionsForOrder")
    answer = agent_client.post(
        reverse("connectors:amazon_review", args=[order.pk]), headers={"HX-Request": "true"}
    )
    # Queued: the page answered without asking Amazon anything.
    assert answer.status_code == 200 and 'id="amazon-pending-1"' in answer.text
    assert "Sending to Amazon… Review request" in answer.text
    assert api.count("getSolicitationActionsForOrder") == asked and api.solicited == []
    still = watching(agent_client, order, answer)
    assert 'id="amazon-pending-1"' in still.text and api.count("getSolicitationActionsForOrder") == asked
    # A second click while it is on its way is refused by the desk.
    again = agent_client.post(
        reverse("connectors:amazon_review", args=[order.pk]), headers={"HX-Request": "true"}
    )
    assert again.status_code == 400 and "already requested" in again.text

    assert platform_actions_send() == 1
    done = watching(agent_client, order, answer)
    assert done.status_code == 200
    assert 'id="amazon-done"' in done.text and 'id="review-sent"' in done.text
    assert 'id="amazon-pending-1"' not in done.text and "?watch=" not in done.text  # polling stops
    assert api.solicited == [order.platform_order_id]
    action = AmazonOrderAction.objects.get(order=order)
    assert action.kind == "productReviewAndSellerFeedback" and action.by == world.agent_a
    entry = ClaimEvent.objects.get(claim=world.claim_a, action=Action.REVIEW_REQUESTED)
    assert entry.actor == world.agent_a

    # Once sent, a further request is refused by the desk before anything is queued.
    api.review_open.add(order.platform_order_id)
    again = agent_client.post(
        reverse("connectors:amazon_review", args=[order.pk]), headers={"HX-Request": "true"}
    )
    assert again.status_code == 400
    assert "already requested" in again.text
    assert platform_actions_send() == 0
    assert api.solicited == [order.platform_order_id]
    assert AmazonOrderAction.objects.filter(order=order).count() == 1


def test_a_review_request_amazon_does_not_offer_is_refused_on_the_card_set_aside_and_leaves_nothing(
    world, api, agent_client
):
    connect(world.store_a, api)
    answer = agent_client.post(
        reverse("connectors:amazon_review", args=[world.order_a.pk]), headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200
    assert platform_actions_send() == 0
    refused = watching(agent_client, world.order_a, answer)
    assert refused.status_code == 200 and 'id="amazon-error"' in refused.text
    assert "5 to 30 days after delivery" in refused.text
    assert api.solicited == [] and not AmazonOrderAction.objects.exists()
    assert not ClaimEvent.objects.filter(action=Action.REVIEW_REQUESTED).exists()
    row = PlatformAction.objects.get()
    assert row.state == ActionState.REFUSED
    entry = SetAside.objects.get(kind=SetAsideKind.PLATFORM_ACTION, subject_id=row.pk)
    assert "5 to 30 days after delivery" in entry.reason and entry.store_id == world.store_a.pk


def test_messages_amazon_allows_are_offered_checked_and_sent(world, api, agent_client):
    connect(world.store_a, api)
    order = world.order_a
    assert 'id="amazon-kind"' not in card(agent_client, order).text  # Amazon lists none yet
    api.message_actions[order.platform_order_id] = [
        "unexpectedProblem",
        "negativeFeedbackRemoval",
        "warranty",
    ]
    shown = card(agent_client, order).text
    assert 'value="unexpectedProblem"' in shown and 'value="negativeFeedbackRemoval"' in shown
    assert 'value="warranty"' not in shown  # takes a PDF the desk does not send

    url = reverse("connectors:amazon_message", args=[order.pk])
    refused = agent_client.post(
        url,
        {"kind": "unexpectedProblem", "text": "Call me on +1 415 555 0100 about the delay."},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 400 and 'id="amazon-error"' in refused.text
    assert "+1 415 555 0100" in refused.text  # the text stays in place to be fixed
    assert not PlatformAction.objects.exists()

    text = "Your parcel was held at the carrier's depot; it leaves today and arrives on Friday."
    sent = agent_client.post(url, {"kind": "unexpectedProblem", "text": text}, headers={"HX-Request": "true"})
    assert sent.status_code == 200 and "Sending to Amazon… Unexpected problem" in sent.text
    assert api.messages_sent == []
    assert platform_actions_send() == 1
    assert 'id="amazon-done"' in watching(agent_client, order, sent).text
    assert api.messages_sent == [(order.platform_order_id, "unexpectedProblem", {"text": text})]
    removal = agent_client.post(url, {"kind": "negativeFeedbackRemoval"}, headers={"HX-Request": "true"})
    assert removal.status_code == 200
    assert platform_actions_send() == 1
    assert api.messages_sent[-1] == (order.platform_order_id, "negativeFeedbackRemoval", {})
    assert list(AmazonOrderAction.objects.values_list("kind", flat=True)) == [
        "unexpectedProblem",
        "negativeFeedbackRemoval",
    ]
    assert ClaimEvent.objects.filter(claim=world.claim_a, action=Action.PLATFORM_MESSAGE).count() == 2


def test_a_throttled_amazon_puts_the_message_off_and_the_next_run_sends_it(world, api, agent_client):
    connect(world.store_a, api)
    order = world.order_a
    api.message_actions[order.platform_order_id] = ["negativeFeedbackRemoval"]
    row = send_message(order=order, kind="negativeFeedbackRemoval", text="", by=world.agent_a)
    api.storm("createNegativeFeedbackRemoval", 2, retry_after="1")
    assert platform_actions_send() == 0
    row.refresh_from_db()
    assert row.state == ActionState.PENDING and "(429)" in row.reason and row.due_at > timezone.now()
    assert api.messages_sent == []
    PlatformAction.objects.filter(pk=row.pk).update(due_at=timezone.now())
    assert platform_actions_send() == 1
    assert api.messages_sent == [(order.platform_order_id, "negativeFeedbackRemoval", {})]
    assert api.count("createNegativeFeedbackRemoval") == 3


def test_an_unreachable_amazon_is_said_on_the_card_in_words(world, api, agent_client):
    connect(world.store_a, api)
    api.revoked = True
    shown = card(agent_client, world.order_a).text
    assert "Amazon refused the credentials (invalid_grant): connect the store again." in shown


def test_the_composer_points_a_review_request_to_amazons_own(world, api, agent_client):
    answer = agent_client.post(
        reverse("messaging:check", args=[world.order_a.pk]),
        {"body": "If you are happy with the order, please leave us a review."},
    )
    assert 'id="review-request-pointer"' in answer.text
    assert f"{reverse('disputes:order', args=[world.order_a.pk])}#amazon-actions" in answer.text
    plain = agent_client.post(
        reverse("messaging:check", args=[world.order_a.pk]), {"body": "Your parcel left today."}
    )
    assert "policy" in plain.text.lower() and 'id="review-request-pointer"' not in plain.text


def test_a_throttled_amazon_is_told_on_the_card_after_two_tries_not_waited_out(world, api, agent_client):
    connect(world.store_a, api)
    api.storm("getSolicitationActionsForOrder", 10, retry_after="30")
    shown = card(agent_client, world.order_a).text
    assert "Amazon kept refusing requests as too many (429)" in shown
    assert api.count("getSolicitationActionsForOrder") == 2


def test_the_card_polls_while_a_request_is_sent_slowly_while_it_waits_and_not_when_idle(
    world, api, agent_client
):
    connect(world.store_a, api)
    order = world.order_a
    api.review_open.add(order.platform_order_id)
    idle = card(agent_client, order).text
    assert 'id="request-review"' in idle and "hx-trigger" not in idle  # nothing on its way
    answer = agent_client.post(
        reverse("connectors:amazon_review", args=[order.pk]), headers={"HX-Request": "true"}
    )
    assert 'hx-trigger="every 2s"' in answer.text  # due: the worker takes it soon
    api.blip("createProductReviewAndSellerFeedbackSolicitation", 2)
    assert platform_actions_send() == 0
    row = PlatformAction.objects.get(order=order)
    assert row.pending and row.reason and row.due_at > timezone.now()
    waiting = watching(agent_client, order, answer).text
    assert 'id="amazon-pending-1"' in waiting and 'hx-trigger="every 10s"' in waiting
    PlatformAction.objects.filter(pk=row.pk).update(due_at=timezone.now())  # its wait is over
    assert 'hx-trigger="every 2s"' in watching(agent_client, order, answer).text
    assert platform_actions_send() == 1
    done = watching(agent_client, order, answer).text
    assert 'id="amazon-done"' in done and "hx-trigger" not in done
