from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from disputes import import_jobs
from disputes.import_jobs import Progress
from disputes.importing import ImportResult
from disputes.models import Store

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Import an order report (Amazon's All Orders flat file, eBay's Orders report, Ozon's "
        "postings export, or the desk's CSV) into one "
        "store. The file is imported whole or not at all. Progress goes to stderr: a bar on a "
        "terminal, a line per 1,000 rows otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The report: .txt/.tsv from Amazon, or .csv.")
        parser.add_argument("--store", required=True, help="The store's name or id.")

    def handle(self, *args, file: Path, store: str, **options) -> None:
        target = self._store(store)
        try:
            file.open("rb").close()
        except OSError as error:
            raise CommandError(f"Cannot open {file}: {error.strerror}") from None
        self.on_terminal = self.stderr.isatty()
        self.shown = False
        # It runs here, not in the worker, but is recorded as a job like the page's uploads.
        # Rows of Amazon's regional reports (North America, Europe) go to the store of their
        # marketplace; the command line may write to every store.
        _job, result = import_jobs.run_in_process(
            store=target, path=file, others=list(Store.objects.all()), on_progress=self._show
        )
        if self.shown and self.on_terminal:
            self.stderr.write("")  # ends the bar's line
        if result.busy:
            raise CommandError(
                f"An import is running for store {target.name}; try again when it has finished."
            )
        if not result.ok:
            for problem in result.errors:
                where = f"line {problem.line}" if problem.line else "file"
                self.stderr.write(f"{where}: {problem.message}")
            if result.errors_not_shown:
                self.stderr.write(f"… and {result.errors_not_shown} more problems.")
            raise CommandError(
                f"{file.name} was refused: {len(result.errors) + result.errors_not_shown} "
                f"problem(s) in {result.rows} row(s); nothing was imported."
            )
        self.stdout.write(self.style.SUCCESS(self._summary(target, file, result)))

    def _show(self, progress: Progress) -> None:
        counts = f"{progress.read:,} rows read, {progress.written:,} written, {progress.errors:,} problems"
        if self.on_terminal:
            filled = BAR_WIDTH * progress.percent // 100
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            self.stderr.write(f"\r[{bar}] {progress.percent:3d}%  {counts}", ending="")
            self.stderr.flush()
        else:
            self.stderr.write(f"progress: {counts} ({progress.percent}%)")
        self.shown = True

    def _store(self, value: str) -> Store:
        store = Store.objects.filter(name=value).first()
        if store is None and value.isdigit():
            store = Store.objects.filter(pk=int(value)).first()
        if store is None:
            raise CommandError(f"Unknown store {value!r}: give a store's exact name or its id.")
        return store

    def _summary(self, store: Store, file: Path, result: ImportResult) -> str:
        summary = (
            f"{file.name} → {store.name}: {result.rows} row(s); "
            f"orders {result.orders_created} created, {result.orders_updated} updated; "
            f"lines {result.lines_created} created, {result.lines_updated} updated."
        )
        if result.other_stores:
            summary += f" Rows of other marketplaces went to: {', '.join(result.other_stores)}."
        for note in result.skipped_notes:
            summary += f" {note}"
        if result.repeat_without_change:
            summary += (
                f" This file was imported before on "
                f"{result.previously_imported_at:%Y-%m-%d %H:%M} UTC; nothing changed."
            )
        return summary
