import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from disputes import demo, services
from disputes.models import (
    Buyer,
    Claim,
    ClaimKind,
    ClaimStatus,
    FulfilmentChannel,
    Membership,
    Order,
    OrderLine,
    Outcome,
    Platform,
    Profile,
    Reason,
    Role,
    RootCause,
    Shipment,
    Store,
    TrackingEvent,
)

DEMO_PASSWORD = "desk-demo-2026"

STORES = [
    {
        "name": "Amazon US",
        "platform": Platform.AMAZON,
        "marketplace": "US",
        "time_zone": "America/Los_Angeles",
        "currency": "USD",
    },
    {
        "name": "Ozon RU",
        "platform": Platform.OZON,
        "marketplace": "RU",
        "time_zone": "Europe/Moscow",
        "currency": "RUB",
    },
]

# username, language, time zone, {store name: role}
USERS = [
    ("lin.agent", "zh-hans", "Asia/Shanghai", {"Amazon US": Role.AGENT}),
    ("mei.agent", "en", "Asia/Shanghai", {"Amazon US": Role.AGENT}),
    ("olga.agent", "en", "Europe/Moscow", {"Ozon RU": Role.AGENT}),
    ("wang.manager", "zh-hans", "Asia/Shanghai", {"Amazon US": Role.MANAGER, "Ozon RU": Role.MANAGER}),
]


class Command(BaseCommand):
    help = "Seed the demo stores and users (and print the demo logins). Safe to run twice."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when any store exists already (used by './desk start').",
        )

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if if_empty and Store.objects.exists():
            self.stdout.write("Demo data: already present.")
            self.print_logins()
            return
        with transaction.atomic():
            data = self.seed()
        # Then each app's own demo data (evidence, messages, appeals), in INSTALLED_APPS order.
        for seeder in demo.seeders():
            seeder(data)
        self.stdout.write(self.style.SUCCESS("Demo data seeded."))
        self.print_logins()

    def seed(self) -> demo.DemoData:
        User = get_user_model()
        stores = {}
        users = {}
        for spec in STORES:
            store, _ = Store.objects.update_or_create(name=spec["name"], defaults=spec)
            stores[store.name] = store
        for username, language, tz, roles in USERS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            users[username] = user
            Profile.objects.update_or_create(user=user, defaults={"language": language, "time_zone": tz})
            for store_name, role in roles.items():
                Membership.objects.update_or_create(
                    user=user, store=stores[store_name], defaults={"role": role}
                )
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@localhost", DEMO_PASSWORD)
        if not Claim.objects.exists():
            self.seed_orders_and_claims(stores, User)
        return demo.DemoData(stores=stores, users=users)

    def seed_orders_and_claims(self, stores, User) -> None:
        """A few weeks of orders per store and a queue with claims in every state of urgency."""
        rng = random.Random(2026)
        now = timezone.now()
        products = [
            ("LAMP-DESK-01", "LED desk lamp, dimmable", Decimal("24.99")),
            ("CASE-PH15-BLK", "Phone case, black", Decimal("9.99")),
            ("KETTLE-1L", "Travel kettle 1 L", Decimal("32.50")),
            ("CABLE-USBC-2M", "USB-C cable 2 m", Decimal("7.99")),
        ]
        agents = {name: User.objects.get(username=name) for name in ("lin.agent", "mei.agent", "olga.agent")}
        plan = {
            "Amazon US": (ClaimKind.A_TO_Z, "111", [agents["lin.agent"], agents["mei.agent"], None]),
            "Ozon RU": (ClaimKind.OZON_DISPUTE, "0512", [agents["olga.agent"], None]),
        }
        for store_name, (kind, prefix, assignees) in plan.items():
            store = stores[store_name]
            buyers = [
                Buyer.objects.create(store=store, alias=f"buyer{n:03d}@relay.{store.platform}.example")
                for n in range(12)
            ]
            orders = []
            for n in range(300):
                sku, title, price = rng.choice(products)
                purchased = now - timedelta(days=rng.randint(4, 50), hours=rng.randint(0, 23))
                order = Order.objects.create(
                    store=store,
                    buyer=rng.choice(buyers),
                    platform_order_id=f"{prefix}-{4000000 + n}-{n:07d}",
                    status="Shipped",
                    purchased_at=purchased,
                    currency=store.currency,
                    total=price,
                    fulfilment_channel=FulfilmentChannel.SELLER,
                    ship_by=purchased + timedelta(days=2),
                    latest_delivery=purchased + timedelta(days=9),
                    ship_country=store.marketplace,
                )
                OrderLine.objects.create(
                    order=order, line_key=sku, sku=sku, title=title, quantity=1, item_price=price
                )
                shipment = Shipment.objects.create(
                    order=order,
                    carrier="USPS" if store.marketplace == "US" else "Почта России",
                    tracking_number=f"TRK{rng.randint(10**11, 10**12)}",
                    shipped_at=purchased + timedelta(days=1),
                )
                TrackingEvent.objects.create(
                    shipment=shipment, occurred_at=purchased + timedelta(days=1), status="Accepted by carrier"
                )
                orders.append(order)
            reasons = [Reason.NOT_RECEIVED, Reason.DAMAGED, Reason.NOT_AS_DESCRIBED, Reason.MISSING_PARTS]
            # Opened so that some are overdue, some due today, some comfortable.
            for n, hours_ago in enumerate([60, 40, 30, 20, 10, 3, 1, 0]):
                services.claim_open(
                    order=orders[n],
                    kind=kind,
                    reason=reasons[n % len(reasons)],
                    by=None,
                    opened_at=now - timedelta(hours=hours_ago),
                    assignee=assignees[n % len(assignees)],
                    amount=orders[n].total,
                )
            # Closed claims with their post-mortems, over the last weeks, for the managers' report.
            owner = next(a for a in assignees if a is not None)
            lessons = [
                (
                    Outcome.DENIED,
                    RootCause.BUYER_ABUSE,
                    "Tracking confirmed delivery to the buyer's address.",
                    "Keep delivery photos for orders over 30",
                ),
                (
                    Outcome.GRANTED_SELLER_FUNDED,
                    RootCause.PACKAGING,
                    "The buyer's photos showed a crushed box.",
                    "Switch the kettle to double-wall cartons",
                ),
                (
                    Outcome.WITHDRAWN,
                    RootCause.MESSAGE_WORDING,
                    "The buyer withdrew after our second reply.",
                    "Add a tracking-explainer reply to the library",
                ),
                (
                    Outcome.GRANTED_PLATFORM_FUNDED,
                    RootCause.CARRIER,
                    "The carrier lost the parcel in transit.",
                    "Ask the carrier for a lost-parcel report",
                ),
                (
                    Outcome.REFUNDED_BY_SELLER,
                    RootCause.LISTING_UNCLEAR,
                    "The listing did not state the plug type.",
                    "Add the plug type to the listing title",
                ),
                (
                    Outcome.DENIED,
                    RootCause.CARRIER,
                    "Signature on delivery matched the buyer's name.",
                    "Keep signature confirmation on orders over 50",
                ),
            ]
            for n, (outcome, cause, decided, action) in enumerate(lessons):
                opened = now - timedelta(days=12 + 9 * n)
                closed = services.claim_open(
                    order=orders[20 + n],
                    kind=kind,
                    reason=reasons[n % len(reasons)],
                    by=None,
                    opened_at=opened,
                    assignee=owner,
                )
                services.claim_close(
                    claim=closed,
                    outcome=outcome,
                    by=owner,
                    version=closed.version,
                    closed_at=opened + timedelta(days=4),
                    post_mortem=services.PostMortemDraft(
                        root_cause=cause,
                        decided_by=decided,
                        action=action,
                        owner=owner,
                        due_on=now.date() + timedelta(days=3 + 4 * n),
                    ),
                )
            feedback = services.claim_open(
                order=orders[11],
                kind=ClaimKind.NEGATIVE_FEEDBACK,
                reason=Reason.OTHER,
                by=None,
                opened_at=now - timedelta(days=2),
            )
            services.claim_move(
                claim=feedback, to_status=ClaimStatus.IN_PROGRESS, by=None, loaded=feedback.status
            )

    def print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, _language, _tz, roles in USERS:
            described = ", ".join(f"{role.label} of {store}" for store, role in roles.items())
            self.stdout.write(f"  {username:<14} {described}")
        self.stdout.write(f"  {'admin':<14} superuser (Django admin at /admin/)")
