from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes.models import Order
from messaging import services
from messaging.library import install_reply_library
from messaging.models import (
    Direction,
    Message,
    OffPlatformState,
    ReplyState,
    ReplyTemplate,
    StoreMessaging,
    Thread,
)

from .conftest import client_for
from .drafts import closing_post
from .queries import assert_queries_pinned

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def library(db):
    install_reply_library(ReplyTemplate)


def order_url(world) -> str:
    return reverse("disputes:order", args=[world.order_a.pk])


def test_claim_and_order_pages_show_the_thread_and_the_composer(world, agent_client):
    services.message_receive(order=world.order_a, body="The lamp flickers.")
    for url in [reverse("disputes:claim", args=[world.claim_a.pk]), order_url(world)]:
        page = agent_client.get(url).content.decode()
        assert "The lamp flickers." in page
        assert 'id="compose"' in page and 'id="template-search"' in page
        assert 'hx-trigger="keyup changed delay:400ms, load"' in page
        assert "No response needed" in page


def test_template_search_finds_by_words_and_keeps_to_the_store_platform(world, agent_client, library):
    url = reverse("messaging:template_search", args=[world.order_a.pk])
    found = agent_client.get(url, {"q": "customs"}, **HTMX).content.decode()
    assert "Held at customs" in found and "Shipped, with tracking" not in found
    # The Russian Ozon template is not offered to an Amazon store.
    assert "Претензия" not in agent_client.get(url, {"q": ""}, **HTMX).content.decode()
    assert "No template matches." in agent_client.get(url, {"q": "zzzz"}, **HTMX).content.decode()


def test_a_picked_template_comes_back_filled_with_the_policy_check(world, agent_client, library):
    template = ReplyTemplate.objects.get(code="claim-first-reply")
    url = reverse("messaging:template_fill", args=[world.order_a.pk, template.pk])
    body = agent_client.get(url, {"claim": world.claim_a.pk}, **HTMX).content.decode()
    assert world.order_a.platform_order_id in body
    assert "{order_id}" not in body
    assert f'name="template" value="{template.pk}"' in body


def test_a_template_with_an_unknown_placeholder_shows_the_error(world, agent_client, library):
    template = ReplyTemplate.objects.create(
        code="broken", title="Broken", stage="claim", body="Hi {nickname}", note_en="x", note_zh="x"
    )
    body = agent_client.get(reverse("messaging:template_fill", args=[world.order_a.pk, template.pk]), **HTMX)
    assert "Unknown placeholder(s): {nickname}" in body.content.decode()


def test_the_check_endpoint_marks_findings_and_blocking(world, agent_client):
    url = reverse("messaging:check", args=[world.order_a.pk])
    blocked = agent_client.post(url, {"body": "Text me on WhatsApp"}, **HTMX).content.decode()
    assert 'data-blocking="true"' in blocked
    assert '<mark class="finding-blocking" title="contact.messenger">WhatsApp</mark>' in blocked
    clean = agent_client.post(url, {"body": "Thank you, we are on it."}, **HTMX).content.decode()
    assert "no findings" in clean and "data-blocking" not in clean


def test_sending_through_htmx_redirects_and_records_the_reply(world, agent_client):
    waiting = services.message_receive(order=world.order_a, body="Where is it?")
    response = agent_client.post(
        reverse("messaging:send", args=[world.order_a.pk]),
        {"body": "It is on its way.", "channel": "platform", "next": order_url(world)},
        **HTMX,
    )
    assert response.status_code == 204 and response["HX-Redirect"] == order_url(world)
    waiting.refresh_from_db()
    assert waiting.reply_state == ReplyState.REPLIED
    assert Message.objects.get(direction=Direction.TO_BUYER).author == world.agent_a


def test_a_blocked_send_comes_back_with_the_text_and_the_reason(world, agent_client):
    url = reverse("messaging:send", args=[world.order_a.pk])
    data = {"body": "Call me at +1 415 555 2671", "channel": "platform"}
    htmx = agent_client.post(url, data, **HTMX)
    assert htmx.status_code == 200
    assert "Call me at +1 415 555 2671" in htmx.content.decode()
    assert "breaks the platform" in htmx.content.decode()
    plain = agent_client.post(url, data)
    assert plain.status_code == 400 and "Call me at +1 415 555 2671" in plain.content.decode()
    assert not Message.objects.filter(direction=Direction.TO_BUYER).exists()
    # Agents have no override field; a forged one is refused all the same.
    assert 'id="override-reason"' not in htmx.content.decode()
    forged = agent_client.post(url, {**data, "override_reason": "please"}, **HTMX)
    assert "Only a manager" in forged.content.decode()


def test_a_manager_overrides_with_a_reason(world, manager_client):
    url = reverse("messaging:send", args=[world.order_a.pk])
    response = manager_client.post(
        url,
        {
            "body": "The recall line is +1 415 555 2671.",
            "channel": "platform",
            "override_reason": "Manufacturer's recall line",
        },
        **HTMX,
    )
    assert response.status_code == 204
    assert Message.objects.get(direction=Direction.TO_BUYER).override_reason == "Manufacturer's recall line"


def test_the_composer_warns_before_chasing_a_silent_buyer(world, agent_client, settings):
    settings.DESK_MESSAGING_UNANSWERED_LIMIT = 2
    services.reply_send(order=world.order_a, body="Your parcel shipped.", by=world.agent_a)
    assert 'id="chase-warning"' not in agent_client.get(order_url(world)).content.decode()
    services.reply_send(order=world.order_a, body="Did it arrive?", by=world.agent_a)
    assert 'id="chase-warning"' in agent_client.get(order_url(world)).content.decode()


def test_the_protocol_through_the_pages(world, agent_client):
    url = reverse("messaging:off_platform", args=[world.order_a.pk])
    refused = agent_client.post(url, {"reason": "refund", "detail": "Refund by PayPal"}, follow=True)
    assert "never do" in refused.content.decode()
    agent_client.post(url, {"reason": "large_file", "detail": "2 GB video of the defect"})
    assert Thread.objects.get(order=world.order_a).off_platform == OffPlatformState.STARTED
    page = agent_client.get(order_url(world)).content.decode()
    assert 'id="off-platform-state"' in page
    closing = agent_client.post(reverse("messaging:close", args=[world.order_a.pk]), follow=True)
    assert "closing summary" in closing.content.decode()
    close_claim = agent_client.post(
        reverse("disputes:claim_close", args=[world.claim_a.pk]),
        {"outcome": "refunded", "version": world.claim_a.version, **closing_post(world.agent_a)},
        follow=True,
    )
    assert "closing summary" in close_claim.content.decode()
    world.claim_a.refresh_from_db()
    assert world.claim_a.is_open


def test_no_response_needed_through_the_page(world, agent_client):
    message = services.message_receive(order=world.order_a, body="Thanks a lot")
    agent_client.post(reverse("messaging:no_response", args=[message.pk]), {"reason": "A thank-you only"})
    message.refresh_from_db()
    assert message.reply_state == ReplyState.NOT_NEEDED


def test_the_queues_reply_strip_counts_only_the_stores_passed_and_reads_them_whole(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from messaging.selectors import awaiting_replies

    late = timezone.now() - timedelta(hours=30)
    services.message_receive(order=world.order_a, body="Where is it?", at=late)
    order_b = Order.objects.create(
        store=world.store_b, platform_order_id="B-77", purchased_at=late, total="5.00", currency="EUR"
    )
    services.message_receive(order=order_b, body="Other store", at=late)
    for user, stores in [(world.agent_a, [world.store_a]), (world.superuser, [world.store_a, world.store_b])]:
        rows, overdue = awaiting_replies(user, stores=stores)
        assert (len(rows), overdue) == (len(stores), len(stores))
        assert (rows, overdue) == awaiting_replies(user)  # the same as reading the stores itself
    rows, overdue = awaiting_replies(world.superuser, stores=[world.store_b])
    assert overdue == 1 and [row.body for row in rows] == ["Other store"]
    # What the strip shows was read with the rows: no query per row.
    with CaptureQueriesContext(connection) as captured:
        shown = [
            (r.thread.order_id, r.thread.order.platform_order_id, r.store.name, r.due_state()) for r in rows
        ]
    assert len(captured) == 0 and shown[0][:3] == (order_b.pk, "B-77", world.store_b.name)


def test_overdue_replies_show_in_the_queue_and_on_the_dashboard(world, agent_client, manager_client):
    services.message_receive(
        order=world.order_a, body="Hello? Anyone?", at=timezone.now() - timedelta(hours=30)
    )
    services.message_receive(order=world.order_a, body="Second try", at=timezone.now() - timedelta(hours=1))
    queue = agent_client.get(reverse("disputes:queue")).content.decode()
    assert 'id="awaiting-replies"' in queue and "1 overdue" in queue and "Hello? Anyone?" in queue
    services.off_platform_start(order=world.order_a, reason="safety", detail="Recall", by=world.agent_a)
    board = manager_client.get(reverse("disputes:dashboard")).content.decode()
    assert '<span class="tile-number">1</span><span>buyer messages past their 24 hours' in board
    assert world.order_a.platform_order_id in board.split('id="awaiting-summary"')[1]


def test_the_order_page_query_count_does_not_grow_with_messages(world, agent_client):
    services.message_receive(order=world.order_a, body="First")

    def more_messages():
        for n in range(5):
            services.message_receive(order=world.order_a, body=f"Message {n}")
            services.reply_send(order=world.order_a, body=f"Answer {n}", by=world.agent_a)
        services.note_add(order=world.order_a, body="Called the carrier.", by=world.agent_a)

    # The order page with whether the viewer manages the store (1, asked once for both panels),
    # its evidence panel (1: items), the thread, and
    # whether the store is connected to Amazon's API (1, for its card), a draft reply a rule put
    # in (1), the store's tags marked on the thread (1).
    assert_queries_pinned(agent_client, order_url(world), expected=18, add_rows=more_messages)


def test_alert_list_shows_message_alerts(world, agent_client):
    from disputes.models import Notification
    from messaging import sla

    services.message_receive(order=world.order_a, body="Hi", at=timezone.now() - timedelta(hours=25))
    for alert in sla.sweep_replies():
        Notification.objects.get_or_create(alert=alert, user=world.agent_a)
    page = agent_client.get(reverse("disputes:alerts")).content.decode()
    assert "the reply to the buyer is overdue" in page and f"/orders/{world.order_a.pk}/#thread" in page


# --- admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client(world):
    return client_for(world.superuser)


def test_admin_preview_fills_and_checks_the_template(admin_client):
    url = reverse("admin:messaging_replytemplate_preview")
    ok = admin_client.post(
        url, {"body": "Hello {buyer_name}, order {order_id} shipped.", "platform": "amazon"}
    )
    assert "Hello Alex, order 113-4567890-1234567 shipped." in ok.content.decode()
    assert "no findings" in ok.content.decode()
    bad = admin_client.post(url, {"body": "Hello {buyer}, call +1 415 555 2671"}).content.decode()
    assert "Unknown placeholder(s): {buyer}" in bad
    found = admin_client.post(url, {"body": "Call +1 415 555 2671"}).content.decode()
    assert "contact.phone" in found


def test_admin_refuses_an_unknown_placeholder_or_a_blocking_finding(admin_client, library):
    url = reverse("admin:messaging_replytemplate_add")
    data = {
        "code": "new-one",
        "title": "New",
        "stage": "claim",
        "platform": "",
        "language": "en",
        "purpose": "",
        "note_en": "when",
        "note_zh": "何时",
        "is_active": "on",
    }
    unknown = admin_client.post(url, {**data, "body": "Hi {nickname}"})
    assert "Unknown placeholder(s): {nickname}" in unknown.content.decode()
    blocked = admin_client.post(url, {**data, "body": "Hi {buyer_name}, WhatsApp us."})
    assert "contact.messenger" in blocked.content.decode()
    assert admin_client.post(url, {**data, "body": "Hi {buyer_name}, thank you."}).status_code == 302
    assert ReplyTemplate.objects.filter(code="new-one").exists()
    page = admin_client.get(
        reverse("admin:messaging_replytemplate_change", args=[ReplyTemplate.objects.get(code="new-one").pk])
    )
    assert 'id="template-preview"' in page.content.decode() and "template_preview.js" in page.content.decode()


def test_admin_never_shows_the_mailbox_password_and_keeps_it_when_left_empty(admin_client, world):
    account = StoreMessaging.objects.create(
        store=world.store_a,
        imap_host="imap.example",
        imap_user="u",
        imap_password="s3cret-pass",
        from_address="a@example.com",
    )
    url = reverse("admin:messaging_storemessaging_change", args=[account.pk])
    assert "s3cret-pass" not in admin_client.get(url).content.decode()
    data = {
        "store": world.store_a.pk,
        "from_address": "b@example.com",
        "return_address": "",
        "imap_host": "imap.example",
        "imap_port": 993,
        "imap_ssl": "on",
        "imap_user": "u",
        "imap_password": "",
        "imap_folder": "INBOX",
        "smtp_host": "",
        "smtp_port": 587,
        "smtp_user": "",
        "smtp_password": "",
        "smtp_starttls": "on",
    }
    assert admin_client.post(url, data).status_code == 302
    account.refresh_from_db()
    assert (account.from_address, account.imap_password) == ("b@example.com", "s3cret-pass")


def test_orders_of_other_stores_are_not_reachable_through_messaging(world, outsider_client):
    other = Order.objects.get(pk=world.order_a.pk)
    response = outsider_client.post(reverse("messaging:send", args=[other.pk]), {"body": "hi"})
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_the_unmatched_list_query_count_is_pinned(world, agent_client):
    from messaging.models import UnmatchedMail

    def add_mail(start=0, count=1):
        for n in range(start, start + count):
            UnmatchedMail.objects.create(
                store=world.store_a,
                rfc_message_id=f"<{n}@x>",
                sender=f"s{n}@x",
                subject="?",
                received_at=timezone.now(),
                raw=b"x",
            )

    add_mail()
    assert_queries_pinned(
        agent_client, reverse("messaging:unmatched"), expected=4, add_rows=lambda: add_mail(1, 5)
    )
    assert 'id="unmatched-link"' in agent_client.get(reverse("disputes:queue")).content.decode()


def test_the_composer_offers_the_template_for_the_next_protocol_step(world, agent_client, library):
    assert 'id="protocol-template"' not in agent_client.get(order_url(world)).content.decode()
    services.off_platform_start(
        order=world.order_a, reason="safety", detail="Charger recall", by=world.agent_a
    )
    page = agent_client.get(order_url(world)).content.decode()
    assert 'data-template="off-platform-notice-safety"' in page
    notice = ReplyTemplate.objects.get(code="off-platform-notice-safety")
    filled = agent_client.get(reverse("messaging:template_fill", args=[world.order_a.pk, notice.pk]), **HTMX)
    assert '<option value="off_platform_notice" selected>' in filled.content.decode()
    services.reply_send(
        order=world.order_a, body=fill_notice(world, notice), by=world.agent_a, purpose="off_platform_notice"
    )
    assert 'data-template="off-platform-summary"' in agent_client.get(order_url(world)).content.decode()


def fill_notice(world, template) -> str:
    from messaging.filling import fill, values_for

    return fill(template.body, values_for(world.order_a))
