"""Whether the desk's processes are alive: the load balancer's probe (/healthz), the heartbeats
managers see, and the alarm e-mail when beat stops.

Who writes which heartbeat (WorkerHeartbeat rows):
- "beat": beat sends `record_heartbeat` every minute and a worker runs it, so the row proves
  beat, the broker and a worker of the default queue are alive together;
- "sweep", "reply-sweep": each deadline sweep when it ends;
- "worker <name>": each worker's own timer (config/celery.py), whatever its queues, so a worker
  that is alive shows as alive even while beat is silent.
A worker that finds beat's row stale writes a BeatSilence row, an outbox entry the mail worker
sends (to admins and managers) with the same take/lease/back-off as every other outbox."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import BeatSilence, Role, WorkerHeartbeat
from .outbox import Columns, backoff, is_mail_outage, is_temporary, take_due

log = logging.getLogger(__name__)

BEAT = "beat"
WORKER = "worker "
# A worker not heard of for this long was taken away for good: its row goes.
FORGET_WORKERS_AFTER = timedelta(days=7)
# An alarm that cannot be sent for this long is dropped (beat has surely been seen to by then).
GIVE_UP_AFTER = timedelta(days=1)
COLUMNS = Columns(sent="sent_at", due="due_at", attempts="attempts")


# --- The load balancer's probe ---------------------------------------------------------------


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        log.warning("health: the database did not answer", exc_info=True)
        return False


def broker_ok() -> bool:
    try:
        with current_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=settings.DESK_HEALTH_TIMEOUT)
        return True
    except Exception:
        log.warning("health: the broker did not answer", exc_info=True)
        return False


# --- Heartbeats ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heartbeat:
    label: str
    last_seen: datetime
    stale: bool


def _label(source: str) -> str:
    if source.startswith(WORKER):
        return _("Worker %(name)s") % {"name": source.removeprefix(WORKER)}
    known = {
        BEAT: _("Scheduler (beat) and the worker running its tasks"),
        "sweep": _("Claim deadline sweep"),
        "reply-sweep": _("Reply deadline sweep"),
    }
    return known.get(source, source)


def heartbeats(now: datetime | None = None) -> list[Heartbeat]:
    """Every process that reported, beat first, then the sweeps, then the workers."""
    now = now or timezone.now()
    rows = WorkerHeartbeat.objects.all()
    order = {BEAT: 0, "sweep": 1, "reply-sweep": 2}
    return [
        Heartbeat(_label(row.source), row.last_seen, row.is_stale(now))
        for row in sorted(rows, key=lambda row: (order.get(row.source, 3), row.source))
    ]


def worker_alive(name: str, now: datetime | None = None) -> bool:
    """A worker's timer tick: its own heartbeat, and a look at beat's. Returns whether a beat
    alarm is owed (the caller queues the sending task)."""
    now = now or timezone.now()
    WorkerHeartbeat.objects.update_or_create(source=f"{WORKER}{name}"[:50], defaults={"last_seen": now})
    WorkerHeartbeat.objects.filter(
        source__startswith=WORKER, last_seen__lt=now - FORGET_WORKERS_AFTER
    ).delete()
    return notice_beat_silence(now)


def notice_beat_silence(now: datetime | None = None) -> bool:
    """Record beat's silence once (its last heartbeat names it), and say whether an alarm is due.
    Beat never seen is no alarm: a desk being installed starts its worker before its beat."""
    now = now or timezone.now()
    beat = WorkerHeartbeat.objects.filter(source=BEAT).first()
    if beat is not None and beat.is_stale(now):
        BeatSilence.objects.get_or_create(
            beat_last_seen=beat.last_seen, defaults={"noticed_at": now, "due_at": now}
        )
    return BeatSilence.objects.filter(due_at__lte=now).exists()


# --- The alarm e-mail ------------------------------------------------------------------------


def alarm_recipients() -> list[str]:
    """The people who can act: admins and the stores' managers."""
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(is_staff=True) | Q(memberships__role=Role.MANAGER))
        .exclude(email="")
    )
    return sorted(set(people.values_list("email", flat=True)))


def alarm_text(silence: BeatSilence) -> tuple[str, str]:
    since = date_format(timezone.localtime(silence.beat_last_seen), "DATETIME_FORMAT")
    subject = _("Dispute Desk: the scheduler (beat) has stopped")
    body = _(
        "No scheduled task has run since %(since)s (%(zone)s): beat, or the worker that runs its "
        "tasks, has stopped. Until it runs again no deadline alert is raised and no alert e-mail "
        "is sent. Start beat (and check the workers) on the desk's host.\n\n"
        "The workers' heartbeats: %(url)s"
    ) % {
        "since": since,
        "zone": timezone.get_current_timezone_name(),
        "url": settings.DESK_BASE_URL + "/set-aside/",
    }
    return subject, body


def beat_alarms_send() -> int:
    """Send every beat alarm that is due; returns how many went."""
    sent = 0
    ids = take_due(BeatSilence.objects.all(), COLUMNS)
    for silence in BeatSilence.objects.filter(pk__in=ids).order_by("pk"):
        sent += _send_alarm(silence)
    return sent


def _send_alarm(silence: BeatSilence) -> int:
    recipients = alarm_recipients()
    if not recipients:
        BeatSilence.objects.filter(pk=silence.pk).update(due_at=None)
        log.error(
            "beat silent since %s and nobody to tell (no admin or manager e-mail)", silence.beat_last_seen
        )
        return 0
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    subject, body = alarm_text(silence)
    try:
        EmailMessage(
            subject, body, None, recipients, headers={"Message-ID": f"<desk-beat-{silence.pk}@{domain}>"}
        ).send()
    except SoftTimeLimitExceeded:
        raise  # unknown outcome: the lease brings it back with the same Message-ID
    except Exception as error:
        now = timezone.now()
        retry = (is_mail_outage(error) or is_temporary(error)) and now - silence.noticed_at < GIVE_UP_AFTER
        BeatSilence.objects.filter(pk=silence.pk).update(
            due_at=now + backoff(silence.attempts) if retry else None
        )
        log.warning("beat alarm %s failed (attempt %d): %s", silence.pk, silence.attempts, error)
        return 0
    BeatSilence.objects.filter(pk=silence.pk).update(sent_at=timezone.now(), due_at=None)
    return 1
