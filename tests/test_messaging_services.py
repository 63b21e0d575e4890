from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from disputes import services as claims
from disputes.models import (
    Alert,
    ClaimEvent,
    ClaimStatus,
    DeadlineRule,
    Notification,
    OrderLine,
    Outcome,
    Shipment,
)
from disputes.services import ClaimError
from messaging import selectors, services, sla
from messaging.filling import TemplateError, fill, values_for
from messaging.models import (
    Channel,
    Delivery,
    Direction,
    Message,
    OffPlatformState,
    Purpose,
    ReplyState,
    StoreMessaging,
    Thread,
)
from messaging.services import MessagingError, PolicyBlocked

from .drafts import post_mortem

UTC = ZoneInfo("UTC")


def buyer_writes(world, body="Where is my parcel?", at=None):
    return services.message_receive(order=world.order_a, body=body, at=at)


def reply(world, body="Thank you, we are looking into it now.", by=None, **kwargs):
    return services.reply_send(order=world.order_a, body=body, by=by or world.agent_a, **kwargs)


# --- the 24-hour clock ----------------------------------------------------------------------


def test_a_buyer_message_starts_a_24_hour_clock_weekends_included(world):
    saturday = datetime(2026, 7, 4, 15, 0, tzinfo=UTC)  # a Saturday and a US holiday
    message = buyer_writes(world, at=saturday)
    assert message.reply_state == ReplyState.AWAITING
    assert message.reply_by == saturday + timedelta(hours=24)
    assert "24 calendar hours from the buyer's message" in message.reply_explained


def test_the_clock_is_configurable_per_platform(world):
    DeadlineRule.objects.filter(platform="amazon", deadline="reply").update(length=12)
    at = timezone.now()
    assert buyer_writes(world, at=at).reply_by == at + timedelta(hours=12)


def test_a_reply_in_the_platform_thread_stops_the_clock(world):
    first, second = buyer_writes(world), buyer_writes(world, body="Any news?")
    answer = reply(world)
    for message in (first, second):
        message.refresh_from_db()
        assert (message.reply_state, message.answered_by, message.next_alert_at) == (
            ReplyState.REPLIED,
            answer,
            None,
        )
        # The answer's author is kept beside it, for the managers' per-agent figures.
        assert answer.author is not None
        assert message.answered_by_author == answer.author


def test_contact_outside_the_platform_does_not_stop_the_clock(world):
    message = buyer_writes(world)
    services.off_platform_start(
        order=world.order_a, reason="large_file", detail="A 2 GB defect video", by=world.agent_a
    )
    reply(world, body="We are sending you an upload link for the video.", purpose=Purpose.OFF_PLATFORM_NOTICE)
    message.refresh_from_db()
    assert message.reply_state == ReplyState.REPLIED  # the notice went in the platform thread
    later = buyer_writes(world, body="Sent it.")
    reply(world, body="Called the buyer about the upload.", channel=Channel.PHONE)
    later.refresh_from_db()
    assert later.reply_state == ReplyState.AWAITING


def test_no_response_needed_stops_the_clock_and_needs_a_reason(world):
    message = buyer_writes(world, body="Thanks!")
    with pytest.raises(MessagingError):
        services.message_no_response(message=message, reason="  ", by=world.agent_a)
    services.message_no_response(message=message, reason="The buyer only said thanks.", by=world.agent_a)
    message.refresh_from_db()
    assert (message.reply_state, message.no_response_reason) == (
        ReplyState.NOT_NEEDED,
        "The buyer only said thanks.",
    )
    with pytest.raises(MessagingError):
        services.message_no_response(message=message, reason="again", by=world.agent_a)


def test_a_relayed_reply_stops_the_clock_only_once_it_is_sent(world):
    StoreMessaging.objects.create(store=world.store_a, from_address="support@alpha.example")
    message = buyer_writes(world)
    answer = reply(world)
    assert (answer.delivery, answer.recipient) == (Delivery.QUEUED, "q7x2buyer@marketplace.example")
    message.refresh_from_db()
    assert message.reply_state == ReplyState.AWAITING
    services.reply_sent(message=answer)
    message.refresh_from_db()
    assert message.reply_state == ReplyState.REPLIED


# --- alerts through the same sweep as claims ------------------------------------------------


def test_an_unanswered_message_alerts_once_per_threshold_and_escalates_when_overdue(world):
    claims.claim_assign(
        claims=[world.claim_a], assignee=world.agent_a, by=world.manager_a, loaded={world.claim_a.pk: None}
    )
    t0 = timezone.now().replace(microsecond=0)
    message = buyer_writes(world, at=t0)
    for hours in [1, 18, 18.5, 22, 24, 24.5, 25, 26, 40]:
        sla.sweep_replies(now=t0 + timedelta(hours=hours))
        sla.sweep_replies(now=t0 + timedelta(hours=hours))
    alerts = Alert.objects.filter(message=message).order_by("scheduled_for")
    assert [a.threshold for a in alerts] == ["warn_6h", "warn_2h", "due", "overdue"]
    overdue = alerts.get(threshold="overdue")
    assert overdue.escalated
    assert set(overdue.notifications.values_list("user__username", flat=True)) == {"agent_a", "manager_a"}
    assert set(alerts.get(threshold="due").notifications.values_list("user__username", flat=True)) == {
        "agent_a"
    }


def test_the_reply_sweep_task_raises_message_alerts(world):
    from messaging.tasks import sweep_reply_alerts

    message = buyer_writes(world, at=timezone.now() - timedelta(hours=30))
    sla.schedule(message, now=message.at)
    message.save(update_fields=["next_alert_at", "next_alert_threshold"])
    sweep_reply_alerts()
    assert set(Alert.objects.filter(message=message).values_list("threshold", flat=True)) == {
        "warn_6h",
        "warn_2h",
        "due",
        "overdue",
    }


def test_a_reply_before_the_threshold_means_no_alert(world):
    t0 = timezone.now()
    buyer_writes(world, at=t0)
    reply(world)
    assert sla.sweep_replies(now=t0 + timedelta(hours=30)) == []


def test_message_alert_emails_link_to_the_order(world, mailoutbox):
    from disputes.tasks import send_alert_emails

    world.manager_a.email = "manager@example.com"
    world.manager_a.save()
    message = buyer_writes(world, at=timezone.now() - timedelta(hours=25))
    raised = sla.sweep_replies(now=timezone.now())
    assert send_alert_emails([a.pk for a in raised]) >= 1
    assert f"/orders/{world.order_a.pk}/" in mailoutbox[-1].body
    assert world.order_a.platform_order_id in mailoutbox[-1].subject
    assert Notification.objects.filter(alert__message=message).exists()


def test_an_alert_has_exactly_one_subject(world):
    from django.db import IntegrityError, transaction

    message = buyer_writes(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            claim=world.claim_a,
            message=message,
            threshold="due",
            window_start=message.at,
            scheduled_for=timezone.now(),
            due_at=timezone.now(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            threshold="due", window_start=message.at, scheduled_for=timezone.now(), due_at=timezone.now()
        )


# --- policy on sending ---------------------------------------------------------------------


def test_a_blocking_finding_refuses_the_send_and_keeps_nothing(world):
    with pytest.raises(PolicyBlocked) as refused:
        reply(world, body="Call me on +1 415 555 2671.")
    assert refused.value.findings[0].code == "contact.phone"
    assert not Message.objects.filter(direction=Direction.TO_BUYER).exists()


def test_only_a_manager_may_override_and_the_reason_is_recorded(world):
    text = "The recall hotline is +1 415 555 2671."
    with pytest.raises(MessagingError, match="Only a manager"):
        reply(world, body=text, override_reason="Recall hotline")
    sent = reply(world, body=text, by=world.manager_a, override_reason="The manufacturer's recall hotline.")
    assert (sent.override_by, sent.override_reason) == (world.manager_a, "The manufacturer's recall hotline.")
    assert sent.policy_findings[0]["code"] == "contact.phone"
    assert ClaimEvent.objects.filter(claim=world.claim_a, action="policy_override").exists()


def test_warnings_do_not_block(world):
    assert reply(world, body="We are so sorry!!").pk


# --- harassment guard ----------------------------------------------------------------------


def test_a_second_review_request_on_the_same_order_is_refused(world):
    first = reply(world, body="If you have a moment, please leave a review of the lamp.")
    assert first.purpose == Purpose.REVIEW_REQUEST
    with pytest.raises(MessagingError, match="already asked for a review"):
        reply(world, body="A quick reminder: please share your experience and leave feedback.")
    with pytest.raises(MessagingError, match="already asked for a review"):
        reply(
            world,
            body="Hello again.",
            purpose=Purpose.REVIEW_REQUEST,
            by=world.manager_a,
            override_reason="x",
        )


def test_unanswered_messages_in_a_row_are_counted_for_the_warning(world):
    buyer_writes(world)
    reply(world)
    reply(world, body="Just checking whether the parcel arrived.")
    assert selectors.panel(world.agent_a, world.order_a).unanswered == 2
    buyer_writes(world, body="Yes it did.")
    assert selectors.panel(world.agent_a, world.order_a).unanswered == 0


# --- the off-platform protocol --------------------------------------------------------------


def test_leaving_the_platform_needs_one_of_the_two_reasons(world):
    for reason in ["tracking", "refund", ""]:
        with pytest.raises(MessagingError):
            services.off_platform_start(order=world.order_a, reason=reason, detail="x", by=world.agent_a)
    with pytest.raises(MessagingError):
        services.off_platform_start(order=world.order_a, reason="safety", detail=" ", by=world.agent_a)
    note = services.off_platform_start(
        order=world.order_a, reason="safety", detail="Charger recall", by=world.agent_a
    )
    assert (note.direction, note.purpose) == (Direction.NOTE, Purpose.OFF_PLATFORM_REASON)
    assert Thread.objects.get(order=world.order_a).off_platform == OffPlatformState.STARTED


def test_contact_outside_the_platform_is_refused_without_the_protocol(world):
    with pytest.raises(MessagingError, match="off-platform protocol"):
        reply(world, body="Called the buyer.", channel=Channel.PHONE)
    services.off_platform_start(order=world.order_a, reason="large_file", detail="Video", by=world.agent_a)
    # The note alone is not enough: the buyer must be told in the thread first.
    with pytest.raises(MessagingError, match="off-platform protocol"):
        reply(world, body="E-mailed the upload link.", channel=Channel.EMAIL)


def test_the_notice_needs_the_note_and_goes_in_the_platform_thread(world):
    with pytest.raises(MessagingError, match="Record why"):
        reply(world, body="We will e-mail you an upload link.", purpose=Purpose.OFF_PLATFORM_NOTICE)
    services.off_platform_start(order=world.order_a, reason="large_file", detail="Video", by=world.agent_a)
    with pytest.raises(MessagingError, match="platform thread"):
        reply(
            world,
            body="We will e-mail you an upload link.",
            purpose=Purpose.OFF_PLATFORM_NOTICE,
            channel=Channel.EMAIL,
        )
    reply(world, body="We will e-mail you an upload link.", purpose=Purpose.OFF_PLATFORM_NOTICE)
    assert Thread.objects.get(order=world.order_a).off_platform == OffPlatformState.NOTICE_SENT
    assert reply(world, body="Sent the upload link.", channel=Channel.EMAIL).channel == Channel.EMAIL


def test_the_claim_and_thread_cannot_close_until_the_summary_is_sent(world):
    claim = world.claim_a
    with pytest.raises(MessagingError, match="closing summary follows"):
        reply(world, body="Refunded $25.00 today.", purpose=Purpose.CLOSING_SUMMARY)
    services.off_platform_start(order=world.order_a, reason="large_file", detail="Video", by=world.agent_a)
    for step in ("note", "notice"):
        with pytest.raises(ClaimError, match="closing summary"):
            claims.claim_close(
                claim=claim,
                outcome=Outcome.REFUNDED_BY_SELLER,
                by=world.agent_a,
                version=claim.version,
                post_mortem=post_mortem(world.agent_a),
            )
        with pytest.raises(MessagingError, match="closing summary"):
            services.thread_close(order=world.order_a, by=world.agent_a)
        if step == "note":
            reply(world, body="We will e-mail you an upload link.", purpose=Purpose.OFF_PLATFORM_NOTICE)
    with pytest.raises(MessagingError, match="platform thread"):
        reply(world, body="Refunded $25.00 today.", purpose=Purpose.CLOSING_SUMMARY, channel=Channel.EMAIL)
    reply(world, body="To close the loop: we refunded $25.00 today.", purpose=Purpose.CLOSING_SUMMARY)
    assert Thread.objects.get(order=world.order_a).off_platform == OffPlatformState.SUMMARISED
    claims.claim_close(
        claim=claim,
        outcome=Outcome.REFUNDED_BY_SELLER,
        by=world.agent_a,
        version=claim.version,
        post_mortem=post_mortem(world.agent_a),
    )
    services.thread_close(order=world.order_a, by=world.agent_a)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLOSED
    actions = list(ClaimEvent.objects.filter(claim=claim).values_list("action", flat=True))
    assert "off_platform_started" in actions and "off_platform_contact" not in actions
    with pytest.raises(MessagingError, match="closed"):
        reply(world, body="One more thing.")


def test_a_second_protocol_cannot_start_while_one_is_open(world):
    services.off_platform_start(order=world.order_a, reason="large_file", detail="Video", by=world.agent_a)
    with pytest.raises(MessagingError, match="already off the platform"):
        services.off_platform_start(order=world.order_a, reason="safety", detail="Recall", by=world.agent_a)


# --- filling templates ---------------------------------------------------------------------


def test_placeholders_are_filled_from_the_order(world):
    OrderLine.objects.create(
        order=world.order_a,
        line_key="L1",
        sku="LAMP-1",
        title="Desk lamp",
        quantity=1,
        item_price=Decimal("25.00"),
    )
    Shipment.objects.create(
        order=world.order_a,
        carrier="USPS",
        tracking_number="9400111899223344556677",
        shipped_at=datetime(2026, 5, 3, 12, tzinfo=UTC),
        delivered_at=datetime(2026, 5, 8, 12, tzinfo=UTC),
    )
    StoreMessaging.objects.create(store=world.store_a, return_address="1 Dock St, Oakland")
    values = values_for(world.order_a, world.claim_a)
    text = fill(
        "{buyer_name}|{order_id}|{item}|{tracking_number}|{carrier}|{amount}|{ship_date}|{delivery_date}|"
        "{return_address}|{store_name}",
        values,
    )
    assert text == (
        "there|111-0000001-0000001|Desk lamp|9400111899223344556677|USPS|25.00 USD|2026-05-03|2026-05-08|"
        "1 Dock St, Oakland|Alpha Amazon US"
    )


def test_an_unknown_placeholder_is_a_clear_error():
    with pytest.raises(TemplateError, match=r"Unknown placeholder\(s\): \{customer\}"):
        fill("Hello {customer}", {})
    with pytest.raises(TemplateError, match="unbalanced brace"):
        fill("Hello {buyer_name", {})


def test_a_buyer_writing_to_a_closed_thread_reopens_it(world):
    services.thread_close(order=world.order_a, by=world.agent_a)
    message = buyer_writes(world, body="One more question.")
    thread = Thread.objects.get(order=world.order_a)
    assert (thread.is_closed, message.reply_state) == (False, ReplyState.AWAITING)
    assert reply(world).pk
