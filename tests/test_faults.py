"""Faults, with the real parts: a Celery worker and beat as processes, the configured database
and broker, and a real SMTP listener. Whatever breaks (the worker killed after a sweep batch
committed, Redis restarted without its queued tasks, the mail server refusing or silent for a
while), every owed alert is raised once and every owed e-mail reaches the mail server once
(counted by Message-ID), soon after the fault ends.

Time is compressed through the environment: beat sweeps and drains the outbox every second,
a mail server gets two seconds to answer, a failed e-mail waits one to three seconds."""

import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes

import pytest
from django.conf import settings
from django.utils import timezone

from disputes import alerts, services
from disputes.models import Alert, Claim, ClaimKind, Notification, Order, Reason, SetAside

from .mailservers import SmtpSink, free_port, wait_for_port
from .test_outbox import Busy
from .test_sweep import _a_48_hour_window  # noqa: F401 (autouse: the counts below assume 48 hours)
from .worker import ROOT, start_worker, stop, wait_for, worker_env

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FAST = {
    "DESK_SWEEP_EVERY_SECONDS": "1",
    "DESK_OUTBOX_EVERY_SECONDS": "1",
    "DESK_MAIL_TIMEOUT": "2",
    "DESK_OUTBOX_SECONDS": "10",
    "DESK_MAIL_RETRY_SECONDS": "1",
    "DESK_MAIL_RETRY_MAX_SECONDS": "3",
}
CLAIMS = 8
# Each claim, opened 50 hours ago, owes four alerts (24 h and 6 h left, due, overdue) and five
# e-mails (the overdue one to the manager too).
ALERTS_PER_CLAIM, EMAILS_PER_CLAIM = 4, 5


class Desk:
    """Worker and beat processes of one test, on queues of their own, mail pointed at `port`."""

    def __init__(self, tmp_path, port: int, env: dict[str, str] | None = None) -> None:
        self.tmp_path = tmp_path
        self.queue = f"desk-fault-{uuid.uuid4().hex[:8]}"
        self.mail_queue = f"{self.queue}-mail"
        self.env = worker_env(
            {
                **FAST,
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(port),
                "CELERY_TASK_DEFAULT_QUEUE": self.queue,
                "DESK_MAIL_QUEUE": self.mail_queue,
                **(env or {}),
            }
        )
        self.processes: dict[str, subprocess.Popen] = {}

    def log(self, name: str):
        return open(self.tmp_path / f"{name}.log", "a")

    def worker(self, name: str, *, mail: bool, sweeps: bool) -> None:
        queues = ([self.queue] if sweeps else []) + ([self.mail_queue] if mail else [])
        with self.log(name) as log:
            self.processes[name] = start_worker(log, queues, env=self.env, name=f"{self.queue}-{name}")

    def beat(self) -> None:
        with self.log("beat") as log:
            self.processes["beat"] = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "beat",
                    "--loglevel=INFO",
                    f"--schedule={self.tmp_path / 'beat-schedule'}",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            stop(process)
        self.processes.clear()

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text()[-3000:]}" for path in self.tmp_path.glob("*.log")
        )

    def wait(self, condition, timeout: float = 60) -> None:
        try:
            wait_for(condition, timeout=timeout)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.logs()}") from None


@contextmanager
def desk(tmp_path, port: int, env: dict[str, str] | None = None):
    running = Desk(tmp_path, port, env)
    try:
        yield running
    finally:
        running.stop()


@contextmanager
def smtp_on(port: int, sink_class=SmtpSink):
    """An SMTP listener on this very port (the desk was told it before the server came up)."""
    from aiosmtpd.controller import Controller

    sink = sink_class("127.0.0.1", port)
    controller = Controller(sink, hostname=sink.host, port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@contextmanager
def silent_server(port: int):
    """Takes connections and never says a word."""
    with socket.socket() as silent:
        silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        silent.bind(("127.0.0.1", port))
        silent.listen(100)
        yield silent


def owed_claims(world, count: int = CLAIMS, hours_ago: int = 50) -> list[Claim]:
    """Claims whose every threshold passed while nothing ran, each on its own order."""
    for user, address in [(world.agent_a, "agent.a@example.com"), (world.manager_a, "manager.a@example.com")]:
        user.email = address
        user.save()
    # The world's own alert was e-mailed long ago.
    Notification.objects.filter(pk=world.notification_a.pk).update(
        email_due_at=None, emailed_at=timezone.now()
    )
    now = timezone.now()
    claims = []
    for _n in range(count):
        order = Order.objects.create(
            store=world.store_a,
            platform_order_id=f"111-{uuid.uuid4().int % 10**7:07d}-0",
            purchased_at=now - timedelta(days=3),
            currency="USD",
            total="9.00",
        )
        claim = services.claim_open(
            order=order,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.NOT_RECEIVED,
            by=world.agent_a,
            opened_at=now - timedelta(hours=hours_ago),
            assignee=world.agent_a,
        )
        alerts.schedule(claim, now=claim.opened_at)
        claim.save(update_fields=["next_alert_at", "next_alert_threshold"])
        claims.append(claim)
    return claims


def alerts_of(claims) -> int:
    return Alert.objects.filter(claim__in=claims).count()


def assert_each_owed_alert_and_email_once(claims, sink) -> None:
    assert alerts_of(claims) == len(claims) * ALERTS_PER_CLAIM  # unique per threshold: never twice
    owed = Notification.objects.filter(alert__claim__in=claims)
    assert owed.count() == len(claims) * EMAILS_PER_CLAIM
    ids = Counter(message_from_bytes(envelope.content)["Message-ID"] for envelope in sink.received)
    assert ids == Counter(f"<desk-alert-{pk}@localhost>" for pk in owed.values_list("pk", flat=True))
    # Every one is marked sent and owes nothing more: no sender can send it again.
    assert not owed.filter(emailed_at__isnull=True).exists()
    assert not owed.filter(email_due_at__isnull=False).exists()


def all_sent(claims, sink) -> bool:
    expected = len(claims) * EMAILS_PER_CLAIM
    return (
        len(sink.received) >= expected
        and not Notification.objects.filter(alert__claim__in=claims, emailed_at__isnull=True).exists()
    )


def test_a_worker_killed_right_after_a_sweep_batch_committed_loses_no_alert_or_email(world, tmp_path):
    claims = owed_claims(world)
    port = free_port()
    with smtp_on(port) as sink, desk(tmp_path, port) as running:
        # One worker on both queues, killed the moment the first batch's alerts are committed:
        # its e-mail task is unpublished, queued or half done.
        running.worker("doomed", mail=True, sweeps=True)
        running.beat()
        deadline = time.monotonic() + 60
        while not alerts_of(claims) and time.monotonic() < deadline:
            time.sleep(0.01)
        running.kill("doomed")
        print(
            f"killed with {alerts_of(claims)} of {len(claims) * ALERTS_PER_CLAIM} alerts raised, "
            f"{len(sink.received)} e-mails sent"
        )
        running.worker("next", mail=True, sweeps=True)
        # An e-mail the dead worker had claimed comes back after its lease (20 seconds here).
        running.wait(lambda: all_sent(claims, sink), timeout=90)
        time.sleep(2)  # room for a copy to show up, were one on its way
    assert_each_owed_alert_and_email_once(claims, sink)


@pytest.mark.skipif(
    not settings.REDIS_URL,
    reason="restarting the broker applies to Redis; the file-system "
    "broker keeps its queue in files that survive a restart",
)
@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed")
def test_redis_restarted_without_the_queued_mail_tasks_loses_no_email(world, tmp_path):
    import redis

    claims = owed_claims(world)
    port, redis_port = free_port(), free_port()

    def start_redis() -> subprocess.Popen:
        process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(redis_port)
        return process

    broker = start_redis()
    client = redis.Redis(port=redis_port)
    try:
        with (
            smtp_on(port) as sink,
            desk(tmp_path, port, {"REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}) as running,
        ):
            # No mail worker yet: the mail tasks the sweeps and beat send wait in Redis.
            running.worker("sweeper", mail=False, sweeps=True)
            running.beat()
            running.wait(
                lambda: (
                    alerts_of(claims) == len(claims) * ALERTS_PER_CLAIM
                    and client.llen(running.mail_queue) > 0
                )
            )
            broker.kill()
            broker.wait()
            broker = start_redis()
            assert client.llen(running.mail_queue) == 0  # the queued mail tasks are gone
            running.worker("mailer", mail=True, sweeps=False)
            running.wait(lambda: all_sent(claims, sink), timeout=90)
            time.sleep(2)
        assert sink.received
        assert_each_owed_alert_and_email_once(claims, sink)
    finally:
        broker.kill()
        broker.wait()


def test_a_mail_server_refusing_for_a_while_gets_every_email_once_when_it_is_back(world, tmp_path):
    claims = owed_claims(world)
    port = free_port()
    with desk(tmp_path, port) as running:
        running.worker("sweeper", mail=False, sweeps=True)
        running.worker("mailer", mail=True, sweeps=False)
        running.beat()
        # Nothing listens: every connection is refused, while the sweeps raise every alert.
        running.wait(lambda: alerts_of(claims) == len(claims) * ALERTS_PER_CLAIM)
        running.wait(
            lambda: Notification.objects.filter(alert__claim__in=claims, email_attempts__gt=0).exists()
        )
        # Then the server answers "451 try again later" to every recipient for a while.
        with smtp_on(port, Busy) as busy:
            running.wait(
                lambda: Notification.objects.filter(alert__claim__in=claims, email_attempts__gt=1).count() > 1
            )
        assert busy.received == []
        assert not Notification.objects.filter(emailed_at__isnull=False, alert__claim__in=claims).exists()
        back = time.monotonic()
        with smtp_on(port) as sink:
            running.wait(lambda: all_sent(claims, sink), timeout=60)
            time.sleep(2)
        print(f"every e-mail was out {time.monotonic() - back:.1f}s after the server came back")
    assert_each_owed_alert_and_email_once(claims, sink)
    # What was shown as stuck meanwhile closed once it went through.
    assert not SetAside.objects.filter(resolved_at__isnull=True).exists()


def test_a_mail_server_that_never_answers_holds_up_mail_only_and_everything_goes_once_it_answers(
    world, tmp_path
):
    port = free_port()
    with silent_server(port) as silent, desk(tmp_path, port) as running:
        early = owed_claims(world, count=CLAIMS // 2)
        running.worker("sweeper", mail=False, sweeps=True)
        running.worker("mailer", mail=True, sweeps=False)
        running.beat()
        running.wait(lambda: alerts_of(early) == len(early) * ALERTS_PER_CLAIM)
        running.wait(
            lambda: Notification.objects.filter(alert__claim__in=early, email_attempts__gt=0).exists()
        )
        # While mail hangs, new claims fall due and the sweeps raise their alerts all the same.
        late = owed_claims(world, count=CLAIMS // 2)
        running.wait(lambda: alerts_of(late) == len(late) * ALERTS_PER_CLAIM, timeout=30)
        assert not Notification.objects.filter(
            emailed_at__isnull=False, alert__claim__in=early + late
        ).exists()
        silent.close()
        with smtp_on(port) as sink:
            running.wait(lambda: all_sent(early + late, sink), timeout=60)
            time.sleep(2)
    assert_each_owed_alert_and_email_once(early + late, sink)
