from datetime import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from disputes.models import Order
from evidence import services
from evidence.models import EvidenceKind
from evidence.validation import Refused


class Command(BaseCommand):
    help = (
        "Add a file to an order's evidence, checked exactly as an upload in the browser is: "
        "by content, with the same caps; a refused file stores nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "order", help="The platform order id (e.g. 111-0000001-0000001) or the desk's id."
        )
        parser.add_argument("file", type=Path)
        parser.add_argument("--kind", required=True, choices=EvidenceKind.values)
        parser.add_argument("--caption", default="", help="What the file proves.")
        parser.add_argument("--captured-at", help="ISO date and time it was captured (default: now).")
        parser.add_argument("--store", help="The store's name, when the order id exists in several stores.")
        parser.add_argument("--by", help="The user name to record as the one who added it.")

    def handle(
        self,
        *args,
        order: str,
        file: Path,
        kind: str,
        caption: str,
        captured_at: str | None,
        store: str | None,
        by: str | None,
        **options,
    ) -> None:
        target = self._order(order, store)
        user = None
        if by:
            user = get_user_model().objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"Unknown user {by!r}.")
        when = None
        if captured_at:
            try:
                when = datetime.fromisoformat(captured_at)
            except ValueError:
                raise CommandError(f"--captured-at {captured_at!r} is not an ISO date and time.") from None
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
        try:
            handle = file.open("rb")
        except OSError as error:
            raise CommandError(f"Cannot open {file}: {error.strerror}") from None
        with handle:
            try:
                item = services.evidence_add(
                    order=target,
                    chunks=iter(lambda: handle.read(services.CHUNK), b""),
                    name=file.name,
                    kind=kind,
                    caption=caption,
                    captured_at=when,
                    by=user,
                )
            except (Refused, services.EvidenceError) as refusal:
                raise CommandError(f"Refused: {refusal}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {file.name} to order {target.platform_order_id} ({target.store.name}) as "
                f"{item.get_kind_display()}: evidence #{item.pk}, SHA-256 {item.sha256}."
            )
        )

    def _order(self, value: str, store: str | None) -> Order:
        orders = Order.objects.filter(platform_order_id=value).select_related("store")
        if store:
            orders = orders.filter(store__name=store)
        found = list(orders[:2])
        if not found and value.isdigit():
            found = list(Order.objects.filter(pk=int(value)).select_related("store"))
        if not found:
            raise CommandError(f"No order {value!r}" + (f" in {store}." if store else "."))
        if len(found) > 1:
            raise CommandError(f"Order {value!r} exists in several stores: say which with --store.")
        return found[0]
