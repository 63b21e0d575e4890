import json
import sys

from django.core.management.base import BaseCommand, CommandError

from disputes.models import Platform
from messaging import policy


class Command(BaseCommand):
    help = (
        "Check a message read from standard input against a platform's messaging policy; print the "
        "findings as JSON. Exits 1 when any finding is blocking."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--platform", default="amazon", choices=Platform.values)
        parser.add_argument("--context", default="message", choices=["message", "appeal"])

    def handle(self, *args, platform: str, context: str, **options) -> None:
        text = sys.stdin.read()
        findings = policy.check(text, platform, context)
        self.stdout.write(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=2))
        if policy.blocking(findings):
            raise CommandError(f"{len(policy.blocking(findings))} blocking finding(s)", returncode=1)
