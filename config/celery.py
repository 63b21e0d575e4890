import logging
import os
from pathlib import Path

from celery import Celery, bootsteps
from celery.signals import beat_init
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# "filesystem://" means the desk's own crash-safe version of kombu's file-system transport
# (config/broker.py says why), for every process that sends or takes a task.
TRANSPORT_ALIASES["filesystem"] = "config.broker:Transport"

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_broker_folders(sender: Celery, **kwargs) -> None:
    # The file-system broker of the embedded default expects its folders to exist.
    options = sender.conf.broker_transport_options or {}
    if str(sender.conf.broker_url).startswith("filesystem://"):
        for key in ("data_folder_in", "data_folder_out", "control_folder"):
            if options.get(key):
                Path(options[key]).mkdir(parents=True, exist_ok=True)


class Heartbeat(bootsteps.StartStopStep):
    """Each worker writes its own heartbeat on a timer (every DESK_HEARTBEAT_SECONDS, and once at
    start), whatever its queues and whether or not beat sends it work, and on each tick looks at
    beat's: when beat is silent it queues the alarm e-mail (disputes/health.py)."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, parent, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        self.timer_entry = None

    def start(self, worker) -> None:
        from django.conf import settings

        self.tick(worker)
        self.timer_entry = worker.timer.call_repeatedly(settings.DESK_HEARTBEAT_SECONDS, self.tick, (worker,))

    def stop(self, worker) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()

    def tick(self, worker) -> None:
        from django.db import connection

        from disputes import health

        try:
            if health.worker_alive(worker.hostname):
                worker.app.send_task("disputes.tasks.send_beat_alarms")
        except Exception:
            logging.getLogger(__name__).exception("worker heartbeat failed")
        finally:
            # The timer runs in the worker's main process; a prefork pool forks its children
            # from it, and they must not inherit an open database connection.
            connection.close()


app.steps["worker"].add(Heartbeat)


@beat_init.connect
def _announce_beat(sender, **kwargs) -> None:
    # Beat's first interval ends a minute after it starts; say it is alive straight away.
    sender.app.send_task("disputes.tasks.record_heartbeat", kwargs={"source": "beat"})


# Tasks that talk to mail servers (and to the team chats' webhooks). They go to the mail queue, so the deadline sweeps never
# wait behind a mail server that is slow or silent.
MAIL_TASKS = {
    "disputes.tasks.send_alert_emails",
    "disputes.tasks.send_due_alert_emails",
    "disputes.tasks.send_chat_messages",
    "disputes.tasks.send_due_chat_messages",
    "disputes.tasks.send_daily_digests",
    "disputes.tasks.send_beat_alarms",
    "messaging.tasks.send_reply",
    "messaging.tasks.poll_mailbox",
    "api.tasks.send_webhooks",
}


# connectors.tasks.send_platform_actions talks to the marketplaces too, but briefly and while a
# person watches for the answer: it stays on the default queue (connectors/tasks.py says why).
# Tasks that wait on a marketplace's API for minutes: the sync worker's queue.
SYNC_TASKS = {"connectors.tasks.sync_store"}


def route_mail(name, args, kwargs, options, task=None, **kw):
    """Celery router (settings.CELERY_TASK_ROUTES). Reads the queue's name when a task is sent,
    so the worker tests can give each worker a mail queue of its own."""
    from django.conf import settings

    if name in MAIL_TASKS:
        return {"queue": settings.DESK_MAIL_QUEUE}
    if name in SYNC_TASKS:
        return {"queue": settings.DESK_SYNC_QUEUE}
    return None
