"""Production settings: `check --deploy` is clean, and a missing or placeholder secret key stops the start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each test runs manage.py in a process of its own.
pytestmark = pytest.mark.slow


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "x7Qp9Lm2Vb8Nc4Rt6Yh1Wd5Fg3Js0Ka" * 2,
    "ALLOWED_HOSTS": "desk.example.com",
    "DESK_CONNECTOR_KEYS": "Q0dnOHhRb1R1d0ZKd2Vtb2xxVm1yWmJ2d0VQSjNHZ2o=",
}


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", env={**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_the_key_that_seals_marketplace_credentials():
    result = manage("check", env={**PRODUCTION, "DESK_CONNECTOR_KEYS": ""})
    assert result.returncode != 0
    assert "DESK_CONNECTOR_KEYS is not set" in result.stderr


def test_a_malformed_boolean_is_refused():
    result = manage("check", env={"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_check_deploy_refuses_the_secret_key_of_env_example():
    example = env_example()
    assert example["SECRET_KEY"]
    result = manage("check", "--deploy", env={**example, "DEBUG": "0"})
    assert result.returncode != 0
    assert (
        "SECRET_KEY is not fit for production (DEBUG=0): it is the placeholder from .env.example"
        in result.stderr
    )


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("django-insecure-" + "p4Xw9Lq2Zr7Mv3Nb8Kc1Hy6Td5Gf0Js" * 2, "starts with 'django-insecure-'"),
        ("short-but-random-9Lq2Zr7Mv3Nb", "shorter than 50 characters"),
        ("ab" * 40, "fewer than 5 different ones"),
    ],
)
def test_production_refuses_a_weak_secret_key_and_says_why(key, why):
    result = manage("check", "--deploy", env={**PRODUCTION, "SECRET_KEY": key})
    assert result.returncode != 0
    assert why in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


def test_development_still_runs_on_its_built_in_key():
    result = manage("check", env={"DEBUG": "1"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_mail_gives_up_on_a_mail_server_that_never_answers():
    import socket

    # The server takes the connection and never greets: without a timeout the send would hang.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        send = "from django.core.mail import send_mail; send_mail('Alert', 'Due now', None, ['agent@example.com'])"
        result = manage(
            "shell",
            "-c",
            send,
            env={
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(silent.getsockname()[1]),
                "DESK_MAIL_TIMEOUT": "1",
            },
        )
    assert result.returncode != 0
    assert "TimeoutError" in result.stderr


def test_a_database_server_that_never_answers_is_given_up_on():
    import socket
    import time

    # The server takes the connection and never answers the start-up message: without a
    # timeout the first query of a request or a task would wait forever.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        started = time.monotonic()
        result = manage(
            "shell",
            "-c",
            "from django.db import connection; connection.ensure_connection()",
            env={
                "DATABASE_URL": f"postgres://desk@127.0.0.1:{silent.getsockname()[1]}/desk",
                "DATABASE_CONNECT_TIMEOUT": "2",
            },
        )
        waited = time.monotonic() - started
    assert result.returncode != 0
    assert "OperationalError" in result.stderr and "timeout" in result.stderr.lower()
    assert waited < 60, waited


def test_redis_hands_a_task_to_another_worker_only_once_it_could_no_longer_be_running():
    from django.conf import settings

    from config.celery import app

    show = "from django.conf import settings; print(settings.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'])"
    result = manage("shell", "-c", show, env={"REDIS_URL": "redis://127.0.0.1:6379/0"})
    visibility = int(result.stdout.split()[-1])
    tasks = [task for name, task in app.tasks.items() if not name.startswith("celery.")]
    longest_run = max(task.time_limit or settings.CELERY_TASK_TIME_LIMIT for task in tasks)
    longest_wait = max(getattr(task, "retry_backoff_max", 0) or 0 for task in tasks)
    assert visibility > longest_run + longest_wait


def test_an_import_time_limit_redis_would_redeliver_within_is_refused():
    redis = {"REDIS_URL": "redis://127.0.0.1:6379/0"}
    result = manage("check", env={**redis, "DESK_IMPORT_SECONDS": "600"})
    assert result.returncode != 0 and "DESK_IMPORT_SECONDS must stay under" in result.stderr
    assert "must be 60 or more" in manage("check", env={"DESK_IMPORT_SECONDS": "20"}).stderr
    assert manage("check", env={**redis, "DESK_IMPORT_SECONDS": "420"}).returncode == 0


def test_a_mail_timeout_the_outbox_run_could_not_outlast_is_refused():
    # A run must outlive one silent server's timeout, or no alert e-mail would ever get a try.
    result = manage("check", env={"DESK_MAIL_TIMEOUT": "60"})
    assert result.returncode != 0
    assert "DESK_OUTBOX_SECONDS must exceed DESK_MAIL_TIMEOUT" in result.stderr
    assert manage("check", env={"DESK_MAIL_TIMEOUT": "60", "DESK_OUTBOX_SECONDS": "90"}).returncode == 0
