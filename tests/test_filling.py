"""Issue 15: a placeholder whose fact the order lacks never falls back to another fact; the
composer marks it, the library flags the template, and the send service refuses the text."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from disputes.models import Order, Shipment, TrackingEvent
from messaging import filling, services
from messaging.library import install_reply_library
from messaging.models import Message, ReplyTemplate
from messaging.services import MessagingError

HTMX = {"HTTP_HX_REQUEST": "true"}
PROMISED = datetime(2026, 11, 16, 20, 0, tzinfo=UTC)
SHIPPED = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)


@pytest.fixture
def accepted_only(world) -> Order:
    """The case from the issue: the carrier accepted the parcel and scanned nothing since; the
    platform's latest delivery date has passed."""
    order = world.order_a
    Order.objects.filter(pk=order.pk).update(latest_delivery=PROMISED, ship_by=SHIPPED)
    shipment = Shipment.objects.create(
        order=order, carrier="USPS", tracking_number="9400111899223344556677", shipped_at=SHIPPED
    )
    TrackingEvent.objects.create(shipment=shipment, occurred_at=SHIPPED, status="Accepted by carrier")
    order.refresh_from_db()
    return order


@pytest.fixture
def library(db):
    install_reply_library(ReplyTemplate)


def test_no_delivery_scan_leaves_delivery_date_empty_and_the_promised_date_has_its_own_placeholder(
    accepted_only,
):
    values = filling.values_for(accepted_only)
    assert values["delivery_date"] == ""
    assert values["expected_delivery"] == "2026-11-16"
    assert values["ship_date"] == "2026-11-09"
    assert values["tracking_number"] == "9400111899223344556677"


def test_without_a_shipment_the_ship_date_does_not_fall_back_to_the_ship_by_date(world):
    Order.objects.filter(pk=world.order_a.pk).update(ship_by=SHIPPED)
    world.order_a.refresh_from_db()
    values = filling.values_for(world.order_a)
    assert values["ship_by"] == "2026-11-09"
    assert values["ship_date"] == values["carrier"] == values["tracking_number"] == ""


def test_the_tracking_facts_template_keeps_its_placeholder_instead_of_a_false_date(accepted_only, library):
    template = ReplyTemplate.objects.get(code="claim-not-received-facts")
    text = filling.fill(template.body, filling.values_for(accepted_only))
    assert "was delivered on {delivery_date}" in text
    assert "2026-11-16" not in text
    assert "9400111899223344556677" in text  # the facts it has are filled
    assert filling.unfilled(text) == ["delivery_date"]
    assert filling.missing_facts(template.body, filling.values_for(accepted_only)) == ["a delivery scan"]


def test_once_the_carrier_scans_the_delivery_the_date_is_filled(accepted_only, library):
    Shipment.objects.filter(order=accepted_only).update(
        delivered_at=datetime(2026, 11, 14, 18, 0, tzinfo=UTC)
    )
    template = ReplyTemplate.objects.get(code="claim-not-received-facts")
    text = filling.fill(template.body, filling.values_for(accepted_only))
    assert "was delivered on 2026-11-14" in text and filling.unfilled(text) == []


def test_the_composer_marks_the_missing_fact_and_highlights_the_filled_values(
    world, accepted_only, agent_client, library
):
    template = ReplyTemplate.objects.get(code="claim-not-received-facts")
    url = reverse("messaging:template_fill", args=[accepted_only.pk, template.pk])
    page = agent_client.get(url, {"claim": world.claim_a.pk}, **HTMX).content.decode()
    assert 'id="fill-preview"' in page
    assert '<mark class="missing" data-placeholder="delivery_date">{delivery_date}</mark>' in page
    assert '<mark class="filled" data-placeholder="order_id">111-0000001-0000001</mark>' in page
    assert 'data-unfilled="true"' in page
    assert '<li class="finding finding-blocking" data-placeholder="delivery_date">' in page
    assert "a delivery scan" in page


def test_the_live_check_keeps_send_locked_until_the_placeholder_is_gone(world, agent_client):
    url = reverse("messaging:check", args=[world.order_a.pk])
    held = agent_client.post(url, {"body": "It was delivered on {delivery_date}."}, **HTMX).content.decode()
    assert 'data-unfilled="true"' in held and 'data-placeholder="delivery_date"' in held
    written = agent_client.post(url, {"body": "It was delivered on 14 November."}, **HTMX).content.decode()
    assert 'id="policy-findings"' in written and "data-unfilled" not in written


def test_the_library_flags_a_template_whose_facts_the_claim_lacks(
    world, accepted_only, agent_client, library
):
    url = reverse("messaging:template_search", args=[accepted_only.pk])
    found = agent_client.get(url, {"q": "tracking facts", "claim": world.claim_a.pk}, **HTMX).content.decode()
    assert 'data-template="claim-not-received-facts"' in found
    assert '<span class="template-needs" data-template="claim-not-received-facts">' in found
    assert "Needs a delivery scan" in found
    Shipment.objects.filter(order=accepted_only).update(delivered_at=SHIPPED + timedelta(days=4))
    found = agent_client.get(url, {"q": "tracking facts"}, **HTMX).content.decode()
    assert 'data-template="claim-not-received-facts"' in found and "template-needs" not in found


def test_the_send_service_refuses_an_unfilled_placeholder_even_with_a_managers_override(world):
    for user, reason in [(world.agent_a, ""), (world.manager_a, "The buyer asked for it")]:
        with pytest.raises(MessagingError, match=r"\{delivery_date\}"):
            services.reply_send(
                order=world.order_a,
                body="Your parcel was delivered on {delivery_date}.",
                by=user,
                override_reason=reason,
            )
    assert not Message.objects.filter(thread__order=world.order_a).exists()


def test_the_send_view_returns_the_form_with_the_reason_and_sends_nothing(world, agent_client):
    url = reverse("messaging:send", args=[world.order_a.pk])
    response = agent_client.post(
        url, {"body": "Delivered on {delivery_date}.", "channel": "platform"}, **HTMX
    )
    page = response.content.decode()
    assert 'id="compose-error"' in page and "{delivery_date}" in page
    assert not Message.objects.exists()
    sent = agent_client.post(url, {"body": "Delivered on 14 November.", "channel": "platform"}, **HTMX)
    assert sent.status_code == 204 and Message.objects.count() == 1


def test_the_generic_words_follow_the_templates_language_not_the_agents(world, library, client):
    """A Chinese-speaking agent's English reply says "Hello there"; a Russian reply greets in
    Russian when the platform gives no buyer name."""
    from disputes.models import Profile

    Profile.objects.update_or_create(user=world.agent_a, defaults={"language": "zh-hans"})
    client.force_login(world.agent_a)
    english = ReplyTemplate.objects.get(code="upset-buyer-first")
    page = client.get(
        reverse("messaging:template_fill", args=[world.order_a.pk, english.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **HTMX,
    ).content.decode()
    assert "回复" in page or "买家" in page  # the page itself is in Chinese
    assert "Hello there," in page and "您好" not in page

    russian = ReplyTemplate.objects.get(code="ozon-claim-first-reply-ru")
    values = filling.values_for(world.order_a, language=russian.language)
    assert filling.fill(russian.body, values).startswith("Здравствуйте, уважаемый покупатель!")
    assert "ваш товар" in filling.fill(russian.body, values)


def test_the_migration_updates_the_shipped_texts_and_leaves_an_admins_edit_alone(library):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("messaging.migrations.0005_reply_library_one_fact_per_placeholder")
    (code, before, after), (edited_code, edited_before, _after) = migration.CHANGES[:2]
    ReplyTemplate.objects.filter(code=code).update(body=before)  # as a database had it
    ReplyTemplate.objects.filter(code=edited_code).update(body=edited_before + "\nP.S. Edited.")
    migration.forwards(apps, None)
    assert ReplyTemplate.objects.get(code=code).body == after
    assert "{expected_delivery}" in after or "{ship_by}" in after
    assert ReplyTemplate.objects.get(code=edited_code).body == edited_before + "\nP.S. Edited."


def test_admin_lists_the_facts_each_template_needs(world, library, client):
    client.force_login(world.superuser)
    page = client.get(reverse("admin:messaging_replytemplate_changelist"), {"q": "tracking facts"})
    text = page.content.decode()
    assert "Claim, not received: the tracking facts" in text
    assert "a carrier, a tracking number, a delivery scan" in text
    assert filling.facts_needed(ReplyTemplate.objects.get(code="upset-buyer-first").body) == []
