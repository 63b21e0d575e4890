"""Time the buyer-message part of the deadline sweep on a seeded database, without keeping
anything: each sweep runs in a transaction that is rolled back.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/message_sweep.py [--ahead 0 3] [--runs 3]

Seed first with `bench/seed_scale.py --messages 2000000`. For each --ahead value (hours after
now) it prints how many messages are due, how many alerts one sweep raises and its time; a
later "now" stands for a worker that was down that long and catches up.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class RolledBack(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ahead", type=float, nargs="+", default=[0, 3])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from messaging import sla
    from messaging.models import Message

    if connection.vendor != "postgresql":
        sys.exit("bench/message_sweep.py needs the seeded PostgreSQL database: set DATABASE_URL.")
    for hours in args.ahead:
        now = timezone.now() + timedelta(hours=hours)
        due = Message.objects.filter(next_alert_at__lte=now).count()
        times, raised = [], 0
        for _run in range(args.runs):
            try:
                with transaction.atomic():
                    started = time.perf_counter()
                    raised = len(sla.sweep_replies(now=now))
                    times.append((time.perf_counter() - started) * 1000)
                    raise RolledBack
            except RolledBack:
                pass
        verdict = "pass" if max(times) <= 200 else "FAIL"
        print(
            f"now + {hours:g} h: {due:,} messages due, {raised:,} alerts per sweep, "
            f"{', '.join(f'{t:.0f}' for t in times)} ms (bar 200 ms: {verdict})"
        )


if __name__ == "__main__":
    main()
