"""Start a real Celery worker process against the test database and the configured broker
(the file-system broker on embedded defaults, Redis when REDIS_URL is set)."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        auth = quote(db["USER"] or "")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"])
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        return f"postgres://{auth}@{host}:{port}/{db['NAME']}"
    raise NotImplementedError(connection.vendor)


def worker_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a worker (or beat) process: this one's, on the test database."""
    return {**os.environ, "DATABASE_URL": test_database_url(), **(env or {})}


def start_worker(
    log, queues: list[str], *, env: dict[str, str], concurrency: int = 1, name: str = ""
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            *(["--pool=solo"] if concurrency == 1 else ["--pool=prefork", f"--concurrency={concurrency}"]),
            f"--queues={','.join(queues)}",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
            f"--hostname={name or queues[0]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def celery_worker(
    log_path: Path, *, concurrency: int = 1, env: dict[str, str] | None = None, every_task: bool = False
) -> Iterator[str]:
    """Run a worker consuming a queue of its own; yields the queue's name. With concurrency
    above 1 it is a prefork pool, so tasks really run at the same time. `env` adds to the
    worker's environment (e.g. EMAIL_HOST). With `every_task`, tasks queued without a queue of
    their own, by the test or by the worker's tasks, go to this worker too, and so do the mail
    tasks and the marketplace syncs (through queues of their own, `<queue>-mail`, `<queue>-sync`)."""
    queue = f"desk-test-{uuid.uuid4().hex[:10]}"
    env = worker_env(env)
    queues = [queue]
    if every_task:
        env["CELERY_TASK_DEFAULT_QUEUE"] = queue
        env["DESK_MAIL_QUEUE"] = f"{queue}-mail"
        env["DESK_SYNC_QUEUE"] = f"{queue}-sync"
        queues += [env["DESK_MAIL_QUEUE"], env["DESK_SYNC_QUEUE"]]
    with _default_queue(queue if every_task else None), open(log_path, "w") as log:
        process = start_worker(log, queues, env=env, concurrency=concurrency)
        try:
            yield queue
        finally:
            stop(process)


@contextmanager
def _default_queue(queue: str | None) -> Iterator[None]:
    from django.conf import settings

    from config.celery import app

    saved = app.conf.task_default_queue, settings.DESK_MAIL_QUEUE, settings.DESK_SYNC_QUEUE
    if queue:
        app.conf.task_default_queue = queue
        settings.DESK_MAIL_QUEUE = f"{queue}-mail"
        settings.DESK_SYNC_QUEUE = f"{queue}-sync"
    try:
        yield
    finally:
        app.conf.task_default_queue, settings.DESK_MAIL_QUEUE, settings.DESK_SYNC_QUEUE = saved


def wait_for(condition: Callable[[], bool], *, timeout: float = 60, log_path: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    detail = log_path.read_text()[-4000:] if log_path and log_path.exists() else ""
    raise AssertionError(f"condition not met within {timeout}s\nworker log:\n{detail}")
