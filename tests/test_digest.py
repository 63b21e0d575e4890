"""The daily digest e-mail: at each person's own local hour, once a day, through an outbox sent
to a real SMTP listener; their overdue claims, claims due by the end of their day and buyer
replies waiting; opt-out; retried when the server asks to try later."""

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from disputes import digest, services
from disputes.models import Claim, ClaimKind, DeadlineRule, Digest, Order, Profile, Reason
from disputes.tasks import send_daily_digests
from messaging.models import Direction, Message, ReplyState, Thread

from .mailservers import SmtpSink, free_port, smtp_listener


@pytest.fixture(autouse=True)
def _a_48_hour_window(rules):
    DeadlineRule.objects.filter(platform="amazon", claim_kind="a_to_z", deadline="respond").update(length=48)


def point_mailer_at(settings, host: str, port: int) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": host, "port": port, "timeout": 10},
        }
    }


@pytest.fixture
def smtp(settings):
    with smtp_listener() as sink:
        point_mailer_at(settings, sink.host, sink.port)
        yield sink


@pytest.fixture
def shanghai_agent(world):
    """agent_a reads mail in Shanghai and wants the digest at 09:00 there (01:00 UTC)."""
    world.agent_a.email = "agent.a@example.com"
    world.agent_a.save()
    Profile.objects.update_or_create(
        user=world.agent_a, defaults={"time_zone": "Asia/Shanghai", "language": "en", "digest_hour": 9}
    )
    return world.agent_a


def claim_due(world, order_id: str, *, hours_from_now: float) -> Claim:
    """An A-to-Z claim of agent_a whose 48-hour response window ends `hours_from_now`."""
    now = timezone.now()
    order = Order.objects.create(
        store=world.store_a,
        buyer=world.order_a.buyer,
        platform_order_id=order_id,
        purchased_at=now - timedelta(days=12),
        currency="USD",
        total="42.00",
    )
    return services.claim_open(
        order=order,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        by=world.agent_a,
        opened_at=now - timedelta(hours=48 - hours_from_now),
        assignee=world.agent_a,
    )


def received(sink) -> list:
    return [message_from_bytes(envelope.content) for envelope in sink.received]


def body_of(message) -> str:
    return message.get_payload(decode=True).decode()


def test_the_digest_goes_at_the_persons_local_hour_once_a_day(world, shanghai_agent, smtp):
    claim_due(world, "114-3000001-0000001", hours_from_now=-2)
    # 08:40 in Shanghai: not yet.
    assert digest.digests_send(now=datetime(2026, 3, 10, 0, 40, tzinfo=UTC)) == 0
    assert not Digest.objects.exists()
    # 09:05 in Shanghai: the digest of 10 March goes.
    assert digest.digests_send(now=datetime(2026, 3, 10, 1, 5, tzinfo=UTC)) == 1
    # Later that day, beat runs again and again: never a second one.
    assert digest.digests_send(now=datetime(2026, 3, 10, 1, 10, tzinfo=UTC)) == 0
    assert digest.digests_send(now=datetime(2026, 3, 10, 15, 50, tzinfo=UTC)) == 0  # 23:50 local
    # 16:10 UTC is already 00:10 on 11 March in Shanghai, but before 09:00: still nothing.
    assert digest.digests_send(now=datetime(2026, 3, 10, 16, 10, tzinfo=UTC)) == 0
    assert digest.digests_send(now=datetime(2026, 3, 11, 1, 0, tzinfo=UTC)) == 1
    days = list(Digest.objects.order_by("day").values_list("day", flat=True))
    assert [str(day) for day in days] == ["2026-03-10", "2026-03-11"]
    [first, second] = received(smtp)
    assert first["To"] == "agent.a@example.com"
    assert first["Message-ID"] != second["Message-ID"]
    assert first["Message-ID"] == f"<desk-digest-{Digest.objects.order_by('day').first().pk}@localhost>"


def test_the_digest_lists_overdue_due_today_and_buyer_replies_waiting(world, shanghai_agent, smtp):
    overdue = claim_due(world, "114-3000001-0000002", hours_from_now=-3)
    today = claim_due(world, "114-3000001-0000003", hours_from_now=0.5)
    later = claim_due(world, "114-3000001-0000004", hours_from_now=40)
    thread = Thread.objects.create(order=today.order, store=world.store_a)
    Message.objects.create(
        store=world.store_a,
        thread=thread,
        direction=Direction.FROM_BUYER,
        body="Where is my parcel?",
        at=timezone.now() - timedelta(hours=30),
        reply_state=ReplyState.AWAITING,
        reply_by=timezone.now() - timedelta(hours=6),
    )
    # Someone else's overdue claim is not in agent_a's digest.
    Claim.objects.filter(pk=claim_due(world, "114-3000001-0000005", hours_from_now=-1).pk).update(
        assignee=world.manager_a
    )
    # The digest is due whenever 09:00 in Shanghai has passed today.
    Profile.objects.filter(user=shanghai_agent).update(digest_hour=0)
    assert send_daily_digests() == 1
    [mail] = received(smtp)
    body = body_of(mail)
    assert "Overdue claims: 1" in mail["Subject"] and "Buyer replies waiting: 1" in mail["Subject"]
    overdue_part = body.split("Overdue claims (1)")[1].split("\n\n")[0]
    assert overdue.order.platform_order_id in overdue_part and "overdue by 3 h" in overdue_part
    # Half an hour left counts as due today in Shanghai unless the day ends sooner than that.
    local = timezone.now().astimezone(digest.zone_of(Profile.objects.get(user=shanghai_agent)))
    if local.hour < 23:
        today_part = body.split("Claims due by the end of your day (1)")[1].split("\n\n")[0]
        assert today.order.platform_order_id in today_part and "29 min left" in today_part
    replies = body.split("Buyer replies waiting (1)")[1]
    assert today.order.platform_order_id in replies and "overdue by 6 h" in replies
    assert later.order.platform_order_id not in body
    assert "114-3000001-0000005" not in body
    assert f"{django_settings.DESK_BASE_URL}/claims/{overdue.pk}/" in body


def test_no_digest_for_who_turned_it_off_or_has_nothing_waiting(world, shanghai_agent, smtp):
    Profile.objects.filter(user=shanghai_agent).update(digest_hour=0)
    # Nothing assigned: a row for the day, but no e-mail.
    assert send_daily_digests() == 0
    assert smtp.received == []
    assert Digest.objects.get(user=shanghai_agent).due_at is None

    Digest.objects.all().delete()
    claim_due(world, "114-3000001-0000006", hours_from_now=-1)
    Profile.objects.filter(user=shanghai_agent).update(digest_email=False)
    assert send_daily_digests() == 0
    assert not Digest.objects.exists() and smtp.received == []


class BusyOnce(SmtpSink):
    """Answers the first message with 451 (try again later), then accepts."""

    async def handle_DATA(self, server, session, envelope) -> str:
        if not getattr(self, "was_busy", False):
            self.was_busy = True
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_digest_the_server_puts_off_is_sent_later_once_with_the_same_message_id(
    world, shanghai_agent, settings
):
    from aiosmtpd.controller import Controller

    claim_due(world, "114-3000001-0000007", hours_from_now=-1)
    Profile.objects.filter(user=shanghai_agent).update(digest_hour=0)
    sink = BusyOnce("127.0.0.1", free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        point_mailer_at(settings, sink.host, sink.port)
        assert send_daily_digests() == 0
        row = Digest.objects.get()
        assert row.sent_at is None and row.attempts == 1 and row.due_at > timezone.now()
        assert send_daily_digests() == 0  # not due again yet
        Digest.objects.filter(pk=row.pk).update(due_at=timezone.now())
        assert send_daily_digests() == 1
        assert send_daily_digests() == 0
    finally:
        controller.stop()
    [mail] = received(sink)
    assert mail["Message-ID"] == f"<desk-digest-{row.pk}@localhost>"
    row.refresh_from_db()
    assert row.attempts == 2 and row.sent_at is not None and row.due_at is None


def test_beat_runs_the_digest_on_the_mail_queue(settings):
    from config.celery import MAIL_TASKS

    entry = settings.CELERY_BEAT_SCHEDULE["daily-digests"]
    assert entry["task"] == "disputes.tasks.send_daily_digests" and entry["schedule"] <= 600
    assert "disputes.tasks.send_daily_digests" in MAIL_TASKS


def test_the_digest_speaks_the_persons_language(world, shanghai_agent, smtp):
    claim_due(world, "114-3000001-0000008", hours_from_now=-2)
    Profile.objects.filter(user=shanghai_agent).update(digest_hour=0, language="zh-hans")
    assert send_daily_digests() == 1
    [mail] = received(smtp)
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject.startswith("Dispute Desk 每日摘要") and "已逾期的索赔: 1" in subject
    body = body_of(mail)
    assert "已逾期的索赔 (1)" in body and "114-3000001-0000008" in body and "已逾期 " in body
