from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.archive import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty database and empty file storage: the archive is "
        "checked against its manifest first, and every evidence original and attachment against "
        "its fingerprint after."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the archive ./desk backup wrote")

    def handle(self, *args, path: str, **options) -> None:
        try:
            summary = restore(Path(path))
        except BackupError as error:
            raise CommandError(str(error)) from None
        if summary.problems:
            for problem in summary.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"restored, but {len(summary.problems)} file(s) do not match their fingerprint"
            )
        self.stdout.write(
            f"restored the {summary.database} database; {summary.evidence_files} evidence item(s) and "
            f"{summary.message_files} attachment(s), each file matching its SHA-256"
        )
