"""/healthz for load balancers, the heartbeats managers see, and the alarm when beat stops."""

import json
from datetime import timedelta

import pytest
from celery import current_app
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from disputes import health
from disputes.models import BeatSilence, WorkerHeartbeat
from disputes.tasks import send_beat_alarms

from .mailservers import free_port, smtp_listener
from .worker import celery_worker, wait_for


def test_healthz_answers_ok_without_login_and_writes_no_session(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies and not Session.objects.exists()
    assert reverse("healthz") == "/healthz"


def test_healthz_answers_plain_http_where_every_other_page_redirects_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("login")).status_code == 301
    assert client.get("/healthz").status_code == 200


def test_healthz_answers_a_head_request_and_refuses_a_post(client, db):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_healthz_is_503_when_the_broker_is_away_and_says_nothing_of_its_address(client, db):
    broker = f"redis://:secret-password@127.0.0.1:{free_port()}/0"
    saved = current_app.conf.broker_url
    current_app.conf.broker_url = broker
    try:
        started = timezone.now()
        response = client.get("/healthz")
        took = timezone.now() - started
    finally:
        current_app.conf.broker_url = saved
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "down", "database": "ok", "broker": "down"}
    assert b"secret-password" not in response.content and b"127.0.0.1" not in response.content
    assert took < timedelta(seconds=10)


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_the_database_is_away(client):
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-folder/desk.sqlite3"
    else:
        connection.settings_dict["PORT"] = free_port()
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "down"


def test_managers_see_when_each_process_last_reported(manager_client, agent_client, world):
    now = timezone.now()
    WorkerHeartbeat.objects.create(source="beat", last_seen=now - timedelta(minutes=14))
    WorkerHeartbeat.objects.create(source="worker celery@web-1", last_seen=now - timedelta(seconds=70))
    page = manager_client.get(reverse("disputes:set_aside")).content.decode()
    heartbeats = page[page.index('id="heartbeats"') :]
    assert "Scheduler (beat)" in heartbeats
    assert "Silent: last seen 14\xa0minutes ago" in heartbeats
    assert "Worker celery@web-1" in heartbeats and "last seen 1\xa0minute ago" in heartbeats
    assert agent_client.get(reverse("disputes:set_aside")).status_code == 403


def test_a_worker_records_its_own_heartbeat_and_forgets_workers_long_gone(db):
    now = timezone.now()
    WorkerHeartbeat.objects.create(source="worker celery@old-host", last_seen=now - timedelta(days=8))
    WorkerHeartbeat.objects.create(source="sweep", last_seen=now - timedelta(days=8))
    assert health.worker_alive("celery@web-1", now) is False
    assert set(WorkerHeartbeat.objects.values_list("source", flat=True)) == {"worker celery@web-1", "sweep"}


def test_a_silent_beat_is_noticed_once_and_a_beat_never_seen_is_not_an_alarm(db):
    now = timezone.now()
    assert health.notice_beat_silence(now) is False
    beat = WorkerHeartbeat.objects.create(source="beat", last_seen=now - timedelta(minutes=2))
    assert health.notice_beat_silence(now) is False and not BeatSilence.objects.exists()
    beat.last_seen = now - timedelta(minutes=6)
    beat.save()
    assert health.notice_beat_silence(now) is True
    assert health.notice_beat_silence(now + timedelta(minutes=1)) is True
    assert BeatSilence.objects.get().beat_last_seen == beat.last_seen


def test_the_beat_alarm_goes_once_to_admins_and_managers(world):
    world.manager_a.email = "manager@example.com"
    world.manager_a.save()
    world.agent_a.email = "agent@example.com"
    world.agent_a.save()
    WorkerHeartbeat.objects.create(source="beat", last_seen=timezone.now() - timedelta(minutes=20))
    assert health.notice_beat_silence()
    assert send_beat_alarms() == 1
    assert len(mail.outbox) == 1
    alarm = mail.outbox[0]
    assert sorted(alarm.to) == ["manager@example.com", "root@example.com"]
    assert "beat" in alarm.subject and "/set-aside/" in alarm.body
    assert send_beat_alarms() == 0 and len(mail.outbox) == 1
    assert health.notice_beat_silence() is False


def test_a_beat_alarm_the_mail_server_did_not_take_is_sent_when_it_is_back(world, settings):
    WorkerHeartbeat.objects.create(source="beat", last_seen=timezone.now() - timedelta(minutes=20))
    health.notice_beat_silence()
    smtp = {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
    settings.MAILERS = {
        "default": {**smtp, "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 5}}
    }
    assert send_beat_alarms() == 0
    silence = BeatSilence.objects.get()
    assert silence.sent_at is None and silence.attempts == 1 and silence.due_at > timezone.now()
    with smtp_listener() as sink:
        settings.MAILERS = {
            "default": {**smtp, "OPTIONS": {"host": sink.host, "port": sink.port, "timeout": 5}}
        }
        BeatSilence.objects.update(due_at=timezone.now())
        assert send_beat_alarms() == 1
    assert len(sink.received) == 1 and sink.received[0].rcpt_tos == ["root@example.com"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_reports_itself_and_mails_once_when_beat_is_silent(world, tmp_path):
    WorkerHeartbeat.objects.create(source="beat", last_seen=timezone.now() - timedelta(hours=1))
    log = tmp_path / "worker.log"
    with smtp_listener() as sink:
        env = {"EMAIL_HOST": sink.host, "EMAIL_PORT": str(sink.port), "DESK_HEARTBEAT_SECONDS": "1"}
        with celery_worker(log, env=env, every_task=True):
            wait_for(lambda: len(sink.received) == 1, log_path=log)
            worker = WorkerHeartbeat.objects.get(source__startswith="worker ")
            first_seen = worker.last_seen
            # Later ticks move the worker's heartbeat on and send nothing more.
            wait_for(lambda: WorkerHeartbeat.objects.get(pk=worker.pk).last_seen > first_seen, log_path=log)
            wait_for(
                lambda: (
                    WorkerHeartbeat.objects.get(pk=worker.pk).last_seen > first_seen + timedelta(seconds=2)
                )
            )
    assert len(sink.received) == 1
    assert BeatSilence.objects.get().sent_at is not None


def test_managers_are_warned_on_every_page_once_beat_that_had_reported_went_silent(
    manager_client, agent_client, world
):
    queue = reverse("disputes:queue")
    warning = "Background workers last reported"
    assert "Background workers" not in manager_client.get(queue).content.decode()  # never reported
    beat = WorkerHeartbeat.objects.create(source="beat", last_seen=timezone.now())
    assert warning not in manager_client.get(queue).content.decode()
    beat.last_seen = timezone.now() - timedelta(minutes=14)
    beat.save()
    assert f"{warning} 14\xa0minutes ago" in manager_client.get(queue).content.decode()
    assert "Background workers" not in agent_client.get(queue).content.decode()
