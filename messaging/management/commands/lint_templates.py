from django.core.management.base import BaseCommand, CommandError

from messaging.library_check import check_library


class Command(BaseCommand):
    help = "Fill every active reply template with sample values and run the policy check on it."

    def handle(self, *args, **options) -> None:
        problems, checked = check_library()
        for template, problem in problems:
            self.stdout.write(f"{template.code}: {problem}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {checked} template(s)", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{checked} template(s) pass the policy check."))
