"""Outgoing webhooks, received by a real HTTP server on loopback (tests/webhookserver.py):
signed, retried through the outbox after a 500, never delivered twice, shown to managers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from api import webhooks
from api.models import WebhookDelivery, WebhookSubscription
from api.tasks import send_webhooks
from appeals import services as appeal_services
from appeals.models import AppealDecision
from disputes import alerts, services
from disputes.models import ClaimKind, Outcome, Reason, SetAside, SetAsideKind
from messaging import services as messaging

from .conftest import client_for
from .drafts import post_mortem
from .mailservers import free_port
from .webhookserver import webhook_receiver

ALL = ["claim.opened", "claim.overdue", "claim.closed", "message.received", "appeal.decided"]


@pytest.fixture
def receiver(settings):
    settings.DESK_WEBHOOK_ALLOW_HTTP = True
    with webhook_receiver() as found:
        yield found


def subscribe(world, receiver, events=ALL, store=None) -> WebhookSubscription:
    hook = WebhookSubscription.objects.create(store=store or world.store_a, url=receiver.url, events=events)
    receiver.secret = hook.secret
    return hook


def open_claim(world):
    return services.claim_open(
        order=world.order_a, kind=ClaimKind.A_TO_Z, reason=Reason.NOT_RECEIVED, by=world.agent_a
    )


def test_an_opened_claim_is_delivered_once_signed_and_the_answer_is_kept(world, receiver):
    subscribe(world, receiver)
    claim = open_claim(world)
    assert webhooks.webhooks_send() == 1
    [request] = receiver.requests
    assert receiver.signature_ok(request)
    assert request.headers["Desk-Event"] == "claim.opened"
    body = request.body
    assert (body["event"], body["data"]["claim"], body["data"]["order"]) == (
        "claim.opened",
        claim.pk,
        world.order_a.pk,
    )
    assert body["data"]["url"].endswith(reverse("disputes:claim", args=[claim.pk]))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.last_status, delivery.attempts, delivery.due_at) == (200, 1, None)
    assert delivery.sent_at is not None and '"status": 200' in delivery.last_response
    # Never twice: the next runs find nothing due.
    assert webhooks.webhooks_send() == 0
    assert send_webhooks.apply().get() == 0
    assert len(receiver.requests) == 1


def test_a_signature_with_another_secret_or_an_old_time_does_not_verify(world, receiver):
    hook = subscribe(world, receiver)
    open_claim(world)
    webhooks.webhooks_send()
    [request] = receiver.requests
    header, now = request.headers["Desk-Signature"], timezone.now().timestamp()
    assert webhooks.verify(hook.secret, header, request.raw, now=now, tolerance=300)
    assert not webhooks.verify("another secret", header, request.raw, now=now, tolerance=300)
    assert not webhooks.verify(hook.secret, header, request.raw + b" ", now=now, tolerance=300)
    assert not webhooks.verify(hook.secret, header, request.raw, now=now + 3600, tolerance=300)


def test_after_a_500_the_delivery_is_retried_later_with_the_same_id_and_body(world, receiver, settings):
    subscribe(world, receiver)
    receiver.then(500)
    open_claim(world)
    assert webhooks.webhooks_send() == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.sent_at is None and delivery.last_status == 500 and delivery.last_error == "HTTP 500"
    assert delivery.due_at > timezone.now()
    # Not before its wait is over...
    assert webhooks.webhooks_send() == 0 and len(receiver.requests) == 1
    # ...and once it is, again.
    WebhookDelivery.objects.update(due_at=timezone.now() - timedelta(seconds=1))
    assert webhooks.webhooks_send() == 1
    first, second = receiver.requests
    assert first.headers["Desk-Delivery"] == second.headers["Desk-Delivery"]
    assert first.raw == second.raw and receiver.signature_ok(second)
    assert len(receiver.accepted) == 1
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status, delivery.last_error) == (2, 200, "")
    assert webhooks.webhooks_send() == 0 and len(receiver.requests) == 2


def test_a_refusal_ends_the_delivery_and_sets_it_aside_for_managers(world, receiver):
    subscribe(world, receiver)
    receiver.then(410)
    open_claim(world)
    webhooks.webhooks_send()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.due_at, delivery.sent_at, delivery.last_status) == (None, None, 410)
    entry = SetAside.objects.get(kind=SetAsideKind.WEBHOOK_DELIVERY)
    assert (entry.subject_id, entry.store_id, entry.reason) == (delivery.pk, world.store_a.pk, "HTTP 410")
    # A manager's retry from /set-aside/ sends it again.
    client_for(world.manager_a).post(reverse("disputes:set_aside_retry", args=[entry.pk]))
    assert webhooks.webhooks_send() == 1
    assert WebhookDelivery.objects.get().sent_at is not None


def test_a_receiver_out_of_reach_is_tried_again_later(world, settings):
    settings.DESK_WEBHOOK_ALLOW_HTTP = True
    WebhookSubscription.objects.create(
        store=world.store_a, url=f"http://127.0.0.1:{free_port()}/x", events=ALL
    )
    open_claim(world)
    assert webhooks.webhooks_send() == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.sent_at is None and delivery.due_at > timezone.now()
    assert "Connection refused" in delivery.last_error or "refused" in delivery.last_error.lower()


def test_each_event_reaches_only_the_subscriptions_of_its_store_that_chose_it(world, receiver):
    subscribe(world, receiver, events=["message.received"])
    WebhookSubscription.objects.create(store=world.store_b, url=receiver.url, events=ALL)
    open_claim(world)
    messaging.message_receive(order=world.order_a, body="Where is my lamp?")
    webhooks.webhooks_send()
    assert [r.headers["Desk-Event"] for r in receiver.requests] == ["message.received"]
    assert receiver.requests[0].body["data"]["body"] == "Where is my lamp?"


def test_overdue_closed_and_appeal_decided_are_announced(world, receiver):
    from .test_appeals import submitted

    subscribe(world, receiver)
    late = services.claim_open(
        order=world.order_a,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        by=world.agent_a,
        opened_at=timezone.now() - timedelta(days=30),
    )
    alerts.sweep_claims(now=timezone.now())
    appeal = submitted(world)
    appeal_services.appeal_decide(appeal=appeal, decision=AppealDecision.WON, funding="", by=world.manager_a)
    world.claim_a.refresh_from_db()
    services.claim_close(
        claim=world.claim_a,
        outcome=Outcome.DENIED,
        by=world.agent_a,
        version=None,
        post_mortem=post_mortem(world.agent_a),
    )
    webhooks.webhooks_send()
    events = [r.headers["Desk-Event"] for r in receiver.requests]
    overdue = [
        r.body["data"]["claim"] for r in receiver.requests if r.headers["Desk-Event"] == "claim.overdue"
    ]
    assert overdue == [late.pk]
    assert events[-2:] == ["appeal.decided", "claim.closed"]
    decided = next(r.body for r in receiver.requests if r.headers["Desk-Event"] == "appeal.decided")
    assert (decided["data"]["appeal"], decided["data"]["decision"]) == (appeal.pk, "won")
    assert all(receiver.signature_ok(r) for r in receiver.requests)


# --- the managers' page ----------------------------------------------------------------------


def test_a_manager_subscribes_and_sees_the_last_answers(world, receiver):
    page = client_for(world.manager_a)
    url = reverse("integrations:webhooks", args=[world.store_a.pk])
    made = page.post(url, {"url": receiver.url, "events": ["claim.opened", "claim.closed"]})
    hook = WebhookSubscription.objects.get()
    assert (hook.events, hook.created_by) == (["claim.opened", "claim.closed"], world.manager_a)
    assert hook.secret in made.content.decode()
    receiver.secret = hook.secret
    receiver.then(503)
    open_claim(world)
    webhooks.webhooks_send()
    shown = page.get(url).content.decode()
    assert "HTTP 503" in shown and "next try" in shown and "claim.opened" in shown
    assert hook.secret not in shown


def test_an_agent_may_not_open_the_webhooks_and_bad_input_is_said_in_place(world, settings):
    settings.DESK_WEBHOOK_ALLOW_HTTP = False
    url = reverse("integrations:webhooks", args=[world.store_a.pk])
    assert client_for(world.agent_a).get(url).status_code == 403
    page = client_for(world.manager_a)
    no_event = page.post(url, {"url": "https://hooks.example.com/desk"}).content.decode()
    assert "Choose at least one event" in no_event and 'value="https://hooks.example.com/desk"' in no_event
    plain = page.post(
        url, {"url": "http://hooks.example.com/desk", "events": ["claim.opened"]}
    ).content.decode()
    assert "https://" in plain
    assert not WebhookSubscription.objects.exists()


def test_a_manager_removes_a_webhook_and_its_owed_deliveries_go_with_it(world, receiver):
    hook = subscribe(world, receiver)
    open_claim(world)
    assert (
        client_for(world.agent_a).post(reverse("integrations:webhook_remove", args=[hook.pk])).status_code
        == 403
    )
    client_for(world.manager_a).post(reverse("integrations:webhook_remove", args=[hook.pk]))
    assert not WebhookSubscription.objects.exists() and not WebhookDelivery.objects.exists()
    assert webhooks.webhooks_send() == 0 and receiver.requests == []


# --- a real worker ----------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_deliver_each_event_once(world, receiver, tmp_path):
    from .worker import celery_worker, wait_for

    subscribe(world, receiver, events=["claim.opened", "message.received"])
    log = tmp_path / "worker.log"
    with celery_worker(log, concurrency=2, every_task=True):
        # Each commit queues a send on the mail queue: several runs race over the same rows.
        for n in range(6):
            open_claim(world)
            messaging.message_receive(order=world.order_a, body=f"Any news? ({n})")
        wait_for(lambda: len(receiver.accepted) >= 12, log_path=log)
        send_webhooks.apply_async()
        # Every run queued (one per event, and this one) has ended: nothing more will come.
        wait_for(lambda: _runs_ended(log) >= 13, log_path=log)
    ids = [r.headers["Desk-Delivery"] for r in receiver.requests]
    assert len(ids) == len(set(ids)) == 12
    assert not WebhookDelivery.objects.filter(sent_at__isnull=True).exists()


def _runs_ended(log) -> int:
    return sum(1 for line in log.read_text().splitlines() if "send_webhooks" in line and "succeeded" in line)
