"""Save the queue's HTML for many users, filters, pages, languages and time zones, or compare
it with what an earlier run saved: a change meant only to make the queue cheaper must leave
every byte as it was.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/queue_html.py \\
        save FOLDER          # or: compare FOLDER

Runs in-process on the seeded database (bench/seed_scale.py's bench.agent and bench.manager,
and every other user with a store), with the clock stopped at one moment (so countdowns and
ages are the same in both runs) and the per-request parts blanked (CSRF tokens, CSP nonces).
Each page is requested in English and Chinese and in three time zones, in full and as the
htmx partial; a second page is read through the cursor the first offers. What it writes to the
database is the test client's sessions (one per user) and nothing else."""

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from desk_env import seeded_desk

QUERIES = [
    "",
    "?status=new",
    "?assignee=me",
    "?assignee=unassigned",
    "?kind=a_to_z",
    "?due=overdue",
    "?due=7d",
    "?status=any&sort=-amount",
    "?sort=order",
    "?sort=-age&snoozed=all",
    "?store=managed",
]
LANGUAGES = ["en", "zh-hans"]
ZONES = ["UTC", "Asia/Shanghai", "America/Los_Angeles"]
BLANKS = [
    (re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"'), b'name="csrfmiddlewaretoken" value=""'),
    (re.compile(rb'"X-CSRFToken": "[^"]+"'), b'"X-CSRFToken": ""'),
    (re.compile(rb'nonce="[^"]+"'), b'nonce=""'),
]


def pages(moment: datetime):
    """(name, HTML) of every page, in a fixed order."""
    from unittest import mock

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from disputes.models import Membership
    from disputes.preferences import SESSION_LANGUAGE, SESSION_TIME_ZONE

    User = get_user_model()
    names = ["bench.agent", "bench.manager"]
    others = (
        Membership.objects.exclude(user__username__in=names)
        .order_by("user_id")
        .values_list("user__username", flat=True)
        .distinct()[:2]
    )
    queue = reverse("disputes:queue")
    with mock.patch.object(timezone, "now", lambda: moment):
        for username in [*names, *others]:
            client = Client()
            client.force_login(User.objects.get(username=username))
            for language in LANGUAGES:
                for zone in ZONES:
                    session = client.session
                    session[SESSION_LANGUAGE], session[SESSION_TIME_ZONE] = language, zone
                    session.save()
                    for query in QUERIES:
                        name = f"{username}.{language}.{zone.replace('/', '-')}.{query.lstrip('?') or 'open'}"
                        response = client.get(queue + query, secure=True)
                        yield name, response.content
                        yield (
                            name + ".htmx",
                            client.get(queue + query, secure=True, HTTP_HX_REQUEST="true").content,
                        )
                        cursor = re.search(rb"cursor=([A-Za-z0-9_=-]+)\"", response.content)
                        if cursor:
                            joiner = "&" if query else "?"
                            yield (
                                name + ".page2",
                                client.get(
                                    f"{queue}{query}{joiner}cursor={cursor.group(1).decode()}", secure=True
                                ).content,
                            )


def blanked(html: bytes) -> bytes:
    for pattern, blank in BLANKS:
        html = pattern.sub(blank, html)
    return html


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["save", "compare"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--at", default="", help="the stopped clock, ISO (default: the saved run's)")
    args = parser.parse_args()
    seeded_desk()
    folder: Path = args.folder
    stamp = folder / "moment.txt"
    if args.action == "save":
        folder.mkdir(parents=True, exist_ok=True)
        moment = datetime.fromisoformat(args.at) if args.at else datetime.now(UTC).replace(microsecond=0)
        stamp.write_text(moment.isoformat())
    else:
        moment = datetime.fromisoformat(stamp.read_text())
    count, differ = 0, []
    for name, html in pages(moment):
        count += 1
        path = folder / f"{name}.html"
        html = blanked(html)
        if args.action == "save":
            path.write_bytes(html)
        elif path.read_bytes() != html:
            differ.append(name)
            path.with_suffix(".now.html").write_bytes(html)
    if args.action == "save":
        print(f"saved {count} pages in {folder} (clock stopped at {moment.isoformat()})")
    else:
        print(f"compared {count} pages: {count - len(differ)} the same, {len(differ)} different")
        for name in differ:
            print("  differs:", name)
        sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
