"""Real mail servers for the mail tests: an SMTP listener (aiosmtpd) on a free port, and a
private Dovecot IMAP server started from a throw-away configuration (no systemd needed)."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


@dataclass
class SmtpSink:
    host: str
    port: int
    received: list = field(default_factory=list)  # aiosmtpd envelopes
    refused: set = field(default_factory=set)  # addresses the server says do not exist

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(envelope)
        return "250 Message accepted"


@contextmanager
def smtp_listener(*, refused: set[str] = frozenset()) -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink("127.0.0.1", free_port(), refused=set(refused))
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@dataclass
class Imap:
    host: str
    port: int
    user: str
    password: str


def dovecot_available() -> bool:
    return Path(DOVECOT).exists() and os.geteuid() == 0


@contextmanager
def dovecot_server() -> Iterator[Imap]:
    """Dovecot in the foreground with its own configuration, one plain-text user and a
    Maildir owned by `nobody`. Needs root (Dovecot drops privileges itself)."""
    root = Path(tempfile.mkdtemp(prefix="desk-dovecot-"))
    root.chmod(0o755)
    port = free_port()
    imap = Imap("127.0.0.1", port, "relay@desk.test", "relay-secret")
    (root / "passwd").write_text(f"{imap.user}:{{PLAIN}}{imap.password}::::::\n")
    home = root / "mail"
    home.mkdir()
    shutil.chown(home, "nobody", "nogroup")
    config = root / "dovecot.conf"
    config.write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={home}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
""")
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        wait_for_port(port)
        yield imap
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word: a mail server that hangs."""
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()
