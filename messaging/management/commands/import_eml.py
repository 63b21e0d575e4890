from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from disputes.models import Store
from messaging.inbound import file_mail_explained


class Command(BaseCommand):
    help = (
        "File raw .eml messages into their orders' threads, and act on the platforms' claim notices "
        "(unplaceable ones go to the unmatched list)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--store", required=True, help="The store's name (or id).")

    def handle(self, *args, files: list[Path], store: str, **options) -> None:
        found = Store.objects.filter(pk=int(store)) if store.isdigit() else Store.objects.filter(name=store)
        target = found.first()
        if target is None:
            raise CommandError(f"No store named {store!r}.")
        counts = {"filed": 0, "unmatched": 0, "duplicate": 0}  # claim notices' results once any
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            result, why = file_mail_explained(target, path.read_bytes())
            counts[result] = counts.get(result, 0) + 1
            self.stdout.write(f"{path}: {result}" + (f" ({why})" if why else ""))
        self.stdout.write(", ".join(f"{n} {what}" for what, n in counts.items()))
