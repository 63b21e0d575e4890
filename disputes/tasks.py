"""The disputes app's worker tasks. Each has a time limit (soft, then hard) suited to it; the
defaults and why no task is redelivered forever are in config/settings.py's Celery block."""

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from . import alerts, chat, digest, health, import_jobs, outbox, presence, rules, snooze, sweep, team
from .models import WorkerHeartbeat


@shared_task(acks_late=True, soft_time_limit=20, time_limit=30)
def record_heartbeat(source: str) -> None:
    """Beat sends this every minute; a worker running it proves the whole chain is alive."""
    WorkerHeartbeat.objects.update_or_create(source=source, defaults={"last_seen": timezone.now()})


# No retries: beat starts a new sweep every minute, and a row that fails is set aside by the
# engine. A catch-up longer than the limit goes on in the next minute's sweep: each batch
# commits on its own.
@shared_task(acks_late=True, soft_time_limit=100, time_limit=120)
def sweep_claim_alerts() -> int:
    """Raise every claim deadline alert that is due (beat, every minute)."""
    return sweep.run(alerts.CLAIMS, heartbeat="sweep")


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def remind_snoozed_claims() -> int:
    """Remind the owners of snoozed claims whose time has come, and forget presence rows of
    pages long gone (beat, every minute)."""
    presence.prune()
    return snooze.remind_due()


# A manager's retry of a rule's failed events (disputes/rules.py). Each event commits on its own
# and a run takes at most RETRY_BATCH of them, handing the rest to a run of its own. Not retried
# by Celery: past the soft limit the retry is ended and the rule set aside again, so the
# manager retries what is left; a redelivered run skips the events already put right.
@shared_task(acks_late=True, soft_time_limit=100, time_limit=120)
def retry_rule_failures(retry_id: int, after_id: int = 0) -> None:
    more = rules.retry_failures(retry_id, after_id=after_id)
    if more is not None:
        retry_rule_failures.delay(retry_id, more)


@shared_task(acks_late=True, soft_time_limit=100, time_limit=120)
def hand_on_claims_of_people_on_leave() -> int:
    """Claims held by someone whose leave has begun go to whoever works (beat, every quarter
    hour; disputes/team.py)."""
    return team.hand_on_current_leave()


# The alert e-mails. Both run on the mail queue (config/celery.py) with a short limit; neither
# retries itself: what was not sent stays due in the outbox, and beat's next run sends it.
# A row claimed by a run that was cut short comes back once its lease (twice the hard limit)
# has passed (disputes/outbox.py).
_OUTBOX_LIMITS = {
    "soft_time_limit": settings.DESK_OUTBOX_SECONDS - 5,
    "time_limit": settings.DESK_OUTBOX_SECONDS,
}


@shared_task(acks_late=True, **_OUTBOX_LIMITS)
def send_alert_emails(alert_ids: list[int]) -> int:
    """The fast path after a sweep batch: send the e-mails of these alerts now."""
    return outbox.alert_emails_send(alert_ids=alert_ids, budget=_budget())


@shared_task(acks_late=True, **_OUTBOX_LIMITS)
def send_due_alert_emails() -> int:
    """Beat, every half minute: send every alert e-mail that is due."""
    return outbox.alert_emails_send(budget=_budget())


@shared_task(acks_late=True, **_OUTBOX_LIMITS)
def send_chat_messages(alert_ids: list[int]) -> int:
    """The fast path after a sweep batch: send the team chat messages of these alerts now."""
    return chat.chat_messages_send(alert_ids=alert_ids, budget=_budget())


@shared_task(acks_late=True, **_OUTBOX_LIMITS)
def send_due_chat_messages() -> int:
    """Beat, every half minute: send every team chat message that is due (disputes/chat.py)."""
    return chat.chat_messages_send(budget=_budget())


@shared_task(acks_late=True, **_OUTBOX_LIMITS)
def send_daily_digests() -> int:
    """Beat, every five minutes: write the digests whose local hour has come, send those due."""
    return digest.digests_send(budget=_budget())


@shared_task(acks_late=True, **_OUTBOX_LIMITS)
def send_beat_alarms() -> int:
    """Queued by a worker's timer (not by beat, which is what went silent): tell the admins and
    managers that beat stopped (disputes/health.py)."""
    return health.beat_alarms_send()


def _budget() -> float:
    # Start no new batch past half the limit, so a run ends well before its soft limit.
    return settings.DESK_OUTBOX_SECONDS / 2


# An uploaded order report (disputes/import_jobs.py). Not retried: a refused or failed import
# says so on its page, and the user uploads again. Past the soft limit the import rolls back
# and the job is failed with that reason; a worker killed outright is caught by the tidy task.
@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=settings.DESK_IMPORT_SECONDS - 30,
    time_limit=settings.DESK_IMPORT_SECONDS,
)
def run_import_job(self, job_id: int) -> None:
    try:
        import_jobs.run(job_id)
    except OperationalError as error:
        # Only the job's start gets here (SQLite's write lock held by a long import past its
        # 20 s wait): the job is still queued, so try again in a while.
        raise self.retry(exc=error, countdown=30, max_retries=20) from error


@shared_task(acks_late=True, soft_time_limit=100, time_limit=120)
def tidy_import_jobs() -> int:
    """Beat, every five minutes: fail jobs that lost their worker, delete stored uploads."""
    return import_jobs.tidy()
