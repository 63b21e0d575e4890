from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from disputes.models import Membership, Platform, Profile, Role, Store

DEMO_PASSWORD = "desk-demo-2026"

STORES = [
    {"name": "Amazon US", "platform": Platform.AMAZON, "marketplace": "US",
     "time_zone": "America/Los_Angeles", "currency": "USD"},
    {"name": "Ozon RU", "platform": Platform.OZON, "marketplace": "RU",
     "time_zone": "Europe/Moscow", "currency": "RUB"},
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
            "--if-empty", action="store_true",
            help="Do nothing when any store exists already (used by './desk start').",
        )

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if if_empty and Store.objects.exists():
            self.stdout.write("Demo data: already present.")
            self.print_logins()
            return
        with transaction.atomic():
            self.seed()
        self.stdout.write(self.style.SUCCESS("Demo data seeded."))
        self.print_logins()

    def seed(self) -> None:
        User = get_user_model()
        stores = {}
        for spec in STORES:
            store, _ = Store.objects.update_or_create(name=spec["name"], defaults=spec)
            stores[store.name] = store
        for username, language, tz, roles in USERS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            Profile.objects.update_or_create(user=user, defaults={"language": language, "time_zone": tz})
            for store_name, role in roles.items():
                Membership.objects.update_or_create(
                    user=user, store=stores[store_name], defaults={"role": role}
                )
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@localhost", DEMO_PASSWORD)

    def print_logins(self) -> None:
        self.stdout.write("Demo logins (password for all: %s):" % DEMO_PASSWORD)
        for username, _language, _tz, roles in USERS:
            described = ", ".join(f"{role.label} of {store}" for store, role in roles.items())
            self.stdout.write(f"  {username:<14} {described}")
        self.stdout.write(f"  {'admin':<14} superuser (Django admin at /admin/)")
