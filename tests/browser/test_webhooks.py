"""A manager adds a webhook from the store page, is shown its signing secret once, and after a
claim is opened sees the delivery and the receiver's answer on the page."""

import pytest

from api import webhooks
from api.models import WebhookSubscription
from disputes import services
from disputes.models import ClaimKind, Reason

from ..conftest import PASSWORD
from ..webhookserver import webhook_receiver
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver(settings):
    settings.DESK_WEBHOOK_ALLOW_HTTP = True
    with webhook_receiver() as found:
        yield found


def test_a_manager_adds_a_webhook_and_sees_its_delivery(page, world, receiver):
    log_in(page, "manager_a", PASSWORD)
    page.goto(f"/stores/{world.store_a.pk}/")
    page.click("#webhooks-link")
    page.wait_for_selector("h1:text('Webhooks of Alpha Amazon US')")
    assert page.inner_text("main p.empty") == "No webhook yet."
    page.fill("#webhook-url", receiver.url)
    page.check("#webhook-form input[name=events][value='claim.opened']")
    page.click("#webhook-form button[type=submit]")
    page.wait_for_selector("#new-webhook")
    hook = WebhookSubscription.objects.get()
    assert hook.events == ["claim.opened"]
    assert page.inner_text("#new-webhook-secret") == hook.secret
    receiver.secret = hook.secret
    assert "Nothing sent yet." in page.inner_text(f"#webhook-{hook.pk}")

    claim = services.claim_open(
        order=world.order_a, kind=ClaimKind.A_TO_Z, reason=Reason.NOT_RECEIVED, by=world.agent_a
    )
    assert webhooks.webhooks_send() == 1  # as the worker's task does
    [request] = receiver.requests
    assert receiver.signature_ok(request) and request.body["data"]["claim"] == claim.pk

    page.goto(f"/stores/{world.store_a.pk}/webhooks/")
    delivery = page.inner_text(f"#webhook-{hook.pk} .webhook-deliveries tbody tr")
    assert "claim.opened" in delivery and "delivered" in delivery and "HTTP 200" in delivery
    # The secret was shown once, when the webhook was added.
    assert hook.secret not in page.content()
    assert page.csp_violations == []
