"""The alert e-mail outbox at scale: the sweep with the outbox in place, then the outbox draining
10,000 e-mails into a local SMTP listener.

    psql -h 127.0.0.1 -U postgres -c 'create database bench_outbox'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_outbox .venv/bin/python bench/outbox.py

Seeds 200,000 open claims (1,000 due) as bench/sweep.py does, with one store manager to tell
(the claims are unassigned, so each alert goes to the managers), then prints:
- the time of the sweep raising the 1,000 alerts (their notifications now carry the outbox
  columns, filled by the database's defaults);
- the time to drain 10,000 owed e-mails (the 1,000 notifications plus 9,000 more for nine more
  managers) with `outbox.alert_emails_send()` into an aiosmtpd listener on this machine, in
  e-mails per second, and how many Message-IDs arrived more than once (must be 0).
"""

import argparse
import os
import socket
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class Sink:
    def __init__(self) -> None:
        self.ids: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.ids.append(message_from_bytes(envelope.content)["Message-ID"])
        return "250 Message accepted"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--managers", type=int, default=10, help="e-mails per alert in the drain")
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    os.environ["EMAIL_HOST"], os.environ["EMAIL_PORT"] = "127.0.0.1", str(port)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/outbox.py needs PostgreSQL: set DATABASE_URL (see the docstring).")
    call_command("migrate", verbosity=0)
    from sweep import seed_claims

    from disputes import alerts, outbox
    from disputes.models import Membership, Notification, Role

    now = datetime.now(UTC)
    started = time.perf_counter()
    store = seed_claims(args.claims, args.due, now)
    User = get_user_model()
    User.objects.filter(username__startswith="outbox.manager").delete()
    managers = [
        User.objects.create_user(f"outbox.manager{n}", f"manager{n}@bench.example")
        for n in range(args.managers)
    ]
    Membership.objects.create(user=managers[0], store=store, role=Role.MANAGER)
    print(f"seeded {args.claims:,} open claims ({args.due:,} due) in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    raised = alerts.sweep_claims(now=now)
    sweep_ms = (time.perf_counter() - started) * 1000
    print(f"sweep raising {len(raised):,} alerts: {sweep_ms:.0f} ms")

    Notification.objects.bulk_create(
        Notification(alert=alert, user=manager) for alert in raised for manager in managers[1:]
    )
    owed = Notification.objects.filter(emailed_at__isnull=True, email_due_at__isnull=False).count()

    started = time.perf_counter()

    sent = outbox.alert_emails_send()

    seconds = time.perf_counter() - started
    controller.stop()
    copies = sum(count - 1 for count in Counter(sink.ids).values())
    print(
        f"outbox drained {sent:,} of {owed:,} owed e-mails in {seconds:.1f} s: {sent / seconds:.0f} e-mails/s; "
        f"{len(sink.ids):,} received, {copies} Message-IDs more than once"
    )


if __name__ == "__main__":
    main()
