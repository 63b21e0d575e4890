"""The desk as production runs it, on this machine: hosts that each run bin/serve's entry
commands (gunicorn over TLS, Celery worker, mail worker, beat) with DEBUG=0 and a generated
secret key, on one PostgreSQL database and one Redis of their own, sharing the private file
folder as hosts share their evidence storage. Used by tests/test_production.py."""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from .mailservers import SmtpSink, free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
SERVE = ROOT / "bin" / "serve"
# What the image and docker-compose.yml run, each through bin/serve (tests/test_deployment_files.py
# holds them to this list).
HOST_COMMANDS = ("migrate", "collectstatic", "web", "worker", "mail-worker", "sync-worker", "beat")
# Variables of the test run that a production host must not inherit.
NOT_INHERITED = ("DJANGO_ALLOW_ASYNC_UNSAFE", "DESK_TESTING", "DATABASE_URL", "REDIS_URL", "DESK_VAR_DIR")


@dataclass
class Host:
    name: str
    folder: Path
    app: Path  # this host's copy of what the image holds
    port: int
    env: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def run(self, command: str, *args: str, timeout: float = 300) -> str:
        """One bin/serve command to its end (migrate, collectstatic); its output on failure."""
        done = subprocess.run(
            [str(self.app / "bin" / "serve"), command, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise AssertionError(f"{self.name}: bin/serve {command} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start(self, command: str, *args: str) -> None:
        log_path = self.folder / f"{command}.log"
        self.logs[command] = log_path
        with open(log_path, "w") as log:
            self.processes[command] = subprocess.Popen(
                [str(self.app / "bin" / "serve"), command, *args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def manage(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.app,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise AssertionError(f"{self.name}: manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def query(self, code: str) -> Any:
        """Run Python in this host's Django (manage.py shell); the value of `result`, through JSON."""
        out = self.manage(
            "shell", "--no-imports", "-c", "import json\n" + code + "\nprint('RESULT=' + json.dumps(result))"
        )
        line = next(line for line in reversed(out.splitlines()) if line.startswith("RESULT="))
        return json.loads(line.removeprefix("RESULT="))

    def log(self, command: str) -> str:
        return self.logs[command].read_text(errors="replace")

    def check_alive(self) -> None:
        for command, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(
                    f"{self.name}: bin/serve {command} exited ({process.returncode}):\n"
                    + self.log(command)[-4000:]
                )

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextmanager
def own_database(server_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the server of `server_url`; its URL. Dropped afterwards."""
    name = f"desk_production_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(server_url)
    maintenance = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def own_redis(folder: Path) -> Iterator[str]:
    """A Redis server of its own on a free loopback port, nothing kept on disk; its URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            shutil.which("redis-server") or "/usr/bin/redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=30)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1, so the hosts serve HTTPS as production does
    (secure cookies, HSTS, the SSL redirect all left at their production defaults)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def host_env(
    *,
    name: str,
    folder: Path,
    port: int,
    database_url: str,
    redis_url: str,
    shared: Path,
    secret_key: str,
    connector_keys: str,
    smtp: SmtpSink,
) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    return env | {
        # bin/serve runs the `python` on PATH, as in the image: here, this virtualenv's.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "DESK_CONNECTOR_KEYS": connector_keys,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DESK_VAR_DIR": str(folder / "var"),
        "STATIC_ROOT": str(folder / "static"),
        "PRIVATE_MEDIA_ROOT": str(shared),
        "DESK_BIND": f"127.0.0.1:{port}",
        "DESK_BASE_URL": f"https://127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "WORKER_CONCURRENCY": "2",
        "DESK_NODE_NAME": name,
        "EMAIL_HOST": smtp.host,
        "EMAIL_PORT": str(smtp.port),
        "DEFAULT_FROM_EMAIL": "Dispute Desk <desk@desk.test>",
        # Beat sweeps and drains the outbox every few seconds instead of every minute.
        "DESK_SWEEP_EVERY_SECONDS": "2",
        "DESK_OUTBOX_EVERY_SECONDS": "2",
        "PYTHONUNBUFFERED": "1",
    }


def image_files(dest: Path) -> Path:
    """A copy of what `COPY . .` puts in the image: the tree less what .dockerignore names."""
    patterns = [
        line.strip().removeprefix("**/").strip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(*patterns), symlinks=True)
    return dest


def make_host(name: str, root: Path, **common) -> Host:
    """A host with its own copy of the code, its own var folder and static files."""
    folder = root / name
    (folder / "var").mkdir(parents=True)
    app = image_files(folder / "app")
    port = free_port()
    return Host(name, folder, app, port, host_env(name=name, folder=folder, port=port, **common))


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def new_connector_key() -> str:
    """A key that seals marketplace credentials (the same on every host, like SECRET_KEY)."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def wait_until_serving(host: Host, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        host.check_alive()
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", host.port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(
        f"{host.name}: gunicorn did not listen within {timeout}s:\n{host.log('web')[-4000:]}"
    )


def wait_for_log(host: Host, command: str, text: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        host.check_alive()
        if text in host.log(command):
            return
        time.sleep(0.3)
    raise AssertionError(f"{host.name}: {text!r} not in the {command} log:\n{host.log(command)[-4000:]}")
