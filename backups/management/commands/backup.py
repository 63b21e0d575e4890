from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backups.archive import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a backup archive: the database (pg_dump, or SQLite's backup API), every evidence "
        "file and message attachment, and a manifest of their SHA-256s."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            help="the archive to write (default: DESK_VAR_DIR/backups/desk-<UTC time>.tar)",
        )

    def handle(self, *args, path: str | None = None, **options) -> None:
        target = (
            Path(path) if path else settings.VAR_DIR / "backups" / f"desk-{timezone.now():%Y%m%d-%H%M%S}.tar"
        )
        if target.exists():
            raise CommandError(f"{target} exists already; choose another name")
        try:
            summary = backup(target)
        except BackupError as error:
            raise CommandError(str(error)) from None
        for problem in summary.problems:
            self.stderr.write(f"warning: {problem}")
        self.stdout.write(
            f"{target}: the {summary.database} database, {summary.evidence_files} evidence file(s), "
            f"{summary.message_files} attachment(s), {summary.bytes:,} bytes"
        )
