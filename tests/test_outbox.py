"""Alert e-mails as an outbox: sent by beat whatever happened to the task queued after the sweep,
claimed before sending, marked sent only once the server accepted them, retried with a growing
wait while the alert matters, shown to managers when stuck; replies stuck in "sending" only
long after their sending began; mail on a queue of its own."""

from datetime import timedelta
from email import message_from_bytes

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import alerts, outbox
from disputes.models import Claim, ClaimStatus, Notification, SetAside, SetAsideKind
from disputes.tasks import send_due_alert_emails
from messaging import services as messaging
from messaging.models import Delivery, Message, StoreMessaging

from .mailservers import SmtpSink, free_port, smtp_listener
from .test_sweep import T0, _a_48_hour_window, open_claim, with_emails  # noqa: F401 (autouse fixture)


@pytest.fixture
def smtp_mailer(settings):
    """The desk's mailer pointed at a real SMTP listener; yields the listener."""
    with smtp_listener() as smtp:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": smtp.host, "port": smtp.port, "timeout": 10},
            }
        }
        yield smtp


def raise_alerts(world, hours: int = 50) -> list:
    """Raise a claim's alerts without running what the sweep queues after its batch (as if the
    worker died between the commit and the publish)."""
    with_emails(world)
    # The world's own alert was e-mailed long ago.
    Notification.objects.filter(pk=world.notification_a.pk).update(email_due_at=None, emailed_at=T0)
    open_claim(world)
    return alerts.sweep_claims(now=T0 + timedelta(hours=hours))


def message_ids(smtp) -> list[str]:
    return [message_from_bytes(envelope.content)["Message-ID"] for envelope in smtp.received]


def test_beat_sends_the_alert_emails_whose_task_was_lost(world, smtp_mailer, settings):
    fresh = raise_alerts(world)
    owed = Notification.objects.filter(alert__in=fresh)
    assert owed.count() == 5 and owed.filter(email_due_at__isnull=False).count() == 5

    assert send_due_alert_emails() == 5
    assert send_due_alert_emails() == 0
    assert sorted(message_ids(smtp_mailer)) == sorted(f"<desk-alert-{note.pk}@localhost>" for note in owed)
    assert not owed.filter(emailed_at__isnull=True).exists()
    assert not owed.filter(email_due_at__isnull=False).exists()
    entry = settings.CELERY_BEAT_SCHEDULE["alert-email-outbox"]
    assert entry["task"] == "disputes.tasks.send_due_alert_emails" and entry["schedule"] <= 60


def test_an_email_another_sender_holds_is_skipped_until_its_lease_ends(world, smtp_mailer):
    fresh = raise_alerts(world, hours=25)
    [note] = Notification.objects.filter(alert__in=fresh)
    # Another sender claimed it (and perhaps died holding it).
    assert [claimed.pk for claimed in outbox._claim_batch(None)] == [note.pk]
    assert outbox._claim_batch(None) == []
    assert send_due_alert_emails() == 0
    assert smtp_mailer.received == []

    # The lease is over: its sender surely stopped; the e-mail goes, once, with its Message-ID.
    Notification.objects.filter(pk=note.pk).update(email_due_at=timezone.now() - timedelta(seconds=1))
    assert send_due_alert_emails() == 1
    assert send_due_alert_emails() == 0
    assert message_ids(smtp_mailer) == [f"<desk-alert-{note.pk}@localhost>"]
    note.refresh_from_db()
    assert note.email_attempts == 2 and note.emailed_at is not None


class Busy(SmtpSink):
    """A server that answers 451 (try again later) to every recipient while `busy` is on."""

    busy = True

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.busy:
            return "451 4.3.0 Try again later"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_an_email_the_server_puts_off_is_retried_with_a_growing_wait_and_shown_when_it_keeps_failing(
    world, settings, manager_client
):
    from aiosmtpd.controller import Controller

    fresh = raise_alerts(world, hours=25)
    [note] = Notification.objects.filter(alert__in=fresh)
    sink = Busy("127.0.0.1", free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": sink.host, "port": sink.port, "timeout": 10},
            }
        }
        waits = []
        for _attempt in range(3):
            before = timezone.now()
            assert send_due_alert_emails() == 0
            note.refresh_from_db()
            assert note.emailed_at is None  # not accepted, so not sent
            waits.append(round((note.email_due_at - before).total_seconds() / 60))
            Notification.objects.filter(pk=note.pk).update(email_due_at=timezone.now())  # the wait is over
        assert waits == [1, 2, 4]
        [entry] = SetAside.objects.filter(kind=SetAsideKind.ALERT_EMAIL, resolved_at__isnull=True)
        assert entry.subject_id == note.pk and entry.reason.startswith("SMTPRecipientsRefused")
        assert "Try again later" in manager_client.get(reverse("disputes:set_aside")).content.decode()

        sink.busy = False
        assert send_due_alert_emails() == 1
    finally:
        controller.stop()
    assert len(sink.received) == 1
    entry.refresh_from_db()
    assert entry.resolved_at is not None


def test_an_email_whose_claim_was_closed_during_an_outage_is_not_sent(world, settings, smtp_mailer):
    fresh = raise_alerts(world, hours=25)
    [note] = Notification.objects.filter(alert__in=fresh)
    Claim.objects.filter(pk=note.alert.claim_id).update(status=ClaimStatus.CLOSED, closed_at=timezone.now())
    assert send_due_alert_emails() == 0
    assert smtp_mailer.received == []
    note.refresh_from_db()
    assert note.email_due_at is None and note.emailed_at is None


def test_an_email_of_a_window_the_platform_started_again_is_not_sent(world, smtp_mailer):
    fresh = raise_alerts(world, hours=25)
    [note] = Notification.objects.filter(alert__in=fresh)
    Claim.objects.filter(pk=note.alert.claim_id).update(platform_requested_at=T0 + timedelta(hours=26))
    assert send_due_alert_emails() == 0
    assert smtp_mailer.received == []
    note.refresh_from_db()
    assert note.email_due_at is None and note.emailed_at is None


def test_an_email_that_keeps_failing_past_the_cap_is_given_up_and_shown(world, settings):
    fresh = raise_alerts(world, hours=25)
    [note] = Notification.objects.filter(alert__in=fresh)
    settings.DESK_ALERT_EMAIL_GIVE_UP_AFTER = timedelta(hours=1)
    note.alert.__class__.objects.filter(pk=note.alert_id).update(
        raised_at=timezone.now() - timedelta(hours=2)
    )
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 10},
        }
    }
    assert send_due_alert_emails() == 0
    note.refresh_from_db()
    assert note.email_due_at is None and note.emailed_at is None
    [entry] = SetAside.objects.filter(kind=SetAsideKind.ALERT_EMAIL)
    assert entry.reason.startswith("gave up after 1 attempts: ConnectionRefusedError")


def test_a_managers_retry_makes_a_refused_email_due_now(
    world, manager_client, smtp_mailer, django_capture_on_commit_callbacks
):
    fresh = raise_alerts(world, hours=50)
    smtp_mailer.refused.add("manager.a@example.com")
    assert send_due_alert_emails() == 4
    refused = Notification.objects.get(alert__in=fresh, user=world.manager_a)
    assert refused.email_due_at is None  # refused for good: no more tries on its own
    entry = SetAside.objects.get(kind=SetAsideKind.ALERT_EMAIL, subject_id=refused.pk)

    smtp_mailer.refused.clear()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        manager_client.post(reverse("disputes:set_aside_retry", args=[entry.pk]))
    assert len(queued) == 1
    refused.refresh_from_db()
    assert refused.email_due_at <= timezone.now()
    assert send_due_alert_emails() == 1
    assert len(smtp_mailer.received) == 5


# --- replies --------------------------------------------------------------------------------


def test_a_reply_counts_as_stuck_from_when_its_sending_began_not_when_it_was_written(
    world, agent_client, settings
):
    StoreMessaging.objects.create(
        store=world.store_a,
        from_address="support@alpha.example",
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_starttls=False,
    )
    messaging.message_receive(order=world.order_a, body="Where is it?")
    written = timezone.now() - timedelta(hours=1)
    message = messaging.reply_send(order=world.order_a, body="It ships today.", by=world.agent_a, now=written)
    # A worker takes the send now, an hour after the reply was written, and is still at it.
    assert messaging.claim_send(message.pk) is not None
    message.refresh_from_db()
    assert message.delivery == Delivery.SENDING and message.sending_at > written

    response = agent_client.post(reverse("messaging:retry", args=[message.pk]))
    assert Message.objects.get(pk=message.pk).delivery == Delivery.SENDING  # refused: not stuck
    assert response.status_code in {200, 302}

    # Long after its sending began, the worker is surely gone: a retry queues it again.
    Message.objects.filter(pk=message.pk).update(
        sending_at=timezone.now() - settings.DESK_MESSAGING_SENDING_STUCK_AFTER - timedelta(minutes=1)
    )
    agent_client.post(reverse("messaging:retry", args=[message.pk]))
    assert Message.objects.get(pk=message.pk).delivery == Delivery.QUEUED


# --- queues and limits ------------------------------------------------------------------------


def test_mail_tasks_go_to_the_mail_queue_syncs_to_theirs_and_the_sweeps_to_neither(settings):
    from config.celery import app

    router = app.amqp.router
    for name in [
        "disputes.tasks.send_alert_emails",
        "disputes.tasks.send_due_alert_emails",
        "messaging.tasks.send_reply",
        "messaging.tasks.poll_mailbox",
    ]:
        assert router.route({}, name)["queue"].name == settings.DESK_MAIL_QUEUE == "mail", name
    for name in ["disputes.tasks.sweep_claim_alerts", "messaging.tasks.sweep_reply_alerts"]:
        assert router.route({}, name)["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE != "mail", name
    # A marketplace sync waits on a platform's API for minutes: never in the sweeps' queue.
    assert router.route({}, "connectors.tasks.sync_store")["queue"].name == settings.DESK_SYNC_QUEUE == "sync"
    assert router.route({}, "connectors.tasks.sync_due")["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE


def test_the_embedded_desk_and_compose_run_a_worker_for_the_mail_queue():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    procfile = (root / "Procfile.dev").read_text()
    serve = (root / "bin" / "serve").read_text()
    compose = (root / "docker-compose.yml").read_text()
    for queues in (procfile, serve):
        assert "-Q mail " in queues and "-Q celery " in queues and "-Q sync " in queues
    for command in ("bin/serve worker", "bin/serve mail-worker", "bin/serve sync-worker"):
        assert f"command: {command}\n" in compose, command
