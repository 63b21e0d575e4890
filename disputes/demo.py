"""Demo data from every app for `manage.py seed_demo`.

The command seeds what `disputes` owns (stores, users, orders, claims), then calls the seeder
each app above it registered from its AppConfig.ready(). Django calls ready() in INSTALLED_APPS
order, so the seeders run in that order too: appeals, registered last, find the evidence and
messages seeded before them. This module never imports from those apps."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from .models import Store


@dataclass(frozen=True)
class DemoData:
    """What the command seeded, by name, for the seeders that build on it."""

    stores: Mapping[str, Store]
    users: Mapping[str, AbstractBaseUser]


Seeder = Callable[[DemoData], object]

_seeders: list[Seeder] = []


def register(seeder: Seeder) -> None:
    """Add an app's demo seeder. It must be safe to run twice (it checks what exists first) and
    opens its own transactions: evidence files live outside the database, one per transaction."""
    if seeder not in _seeders:
        _seeders.append(seeder)


def seeders() -> list[Seeder]:
    return list(_seeders)
