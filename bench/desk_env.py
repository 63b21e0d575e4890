"""What the single-process benchmarks share: a throw-away desk with production-like settings
(DEBUG off, HTTPS assumed), evidence in a temporary private folder, a temporary SQLite database
unless DATABASE_URL is set (its tables are migrated either way), and a store, agent and order
to work in."""

import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_desk(prefix: str) -> tempfile.TemporaryDirectory:
    workdir = tempfile.TemporaryDirectory(prefix=prefix)
    tmp = Path(workdir.name)
    os.environ["DESK_VAR_DIR"] = str(tmp)
    os.environ["PRIVATE_MEDIA_ROOT"] = str(tmp / "private")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["DEBUG"] = "0"
    # Production refuses to start without the key that seals marketplace credentials.
    os.environ.setdefault("DESK_CONNECTOR_KEYS", "YmVuY2gtb25seS1rZXktbm90LWZvci1wcm9kdWN0aW8=")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return workdir


def store_agent_order(store_name: str, username: str):
    """An Amazon US store (made once), its agent, and a new order; returns (user, order)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from disputes.models import Membership, Order, Role, Store

    store, _ = Store.objects.get_or_create(
        name=store_name,
        defaults={
            "platform": "amazon",
            "marketplace": "US",
            "time_zone": "America/New_York",
            "currency": "USD",
        },
    )
    user, _ = get_user_model().objects.get_or_create(username=username)
    Membership.objects.get_or_create(user=user, store=store, defaults={"role": Role.AGENT})
    order = Order.objects.create(
        store=store, platform_order_id=f"BENCH-{time.time_ns()}", purchased_at=timezone.now(), currency="USD"
    )
    return user, order


def remove_order(order) -> None:
    """Evidence rows are protected from deletion in the desk; a benchmark removes its own order,
    with its appeals and evidence, when it is done."""
    from appeals.models import Appeal
    from disputes.models import Order
    from evidence.models import EvidenceEvent, EvidenceItem

    Appeal.objects.filter(claim__order=order).delete()
    EvidenceEvent.objects.filter(order=order).delete()
    EvidenceItem.objects.filter(order=order).delete()
    Order.objects.filter(pk=order.pk).delete()


def seeded_desk() -> None:
    """Django on the database DATABASE_URL names, as it is (bench/seed_scale.py's seed), in
    production-like settings (DEBUG off) with the plain static files storage, which needs no
    collectstatic and costs the same per {% static %}."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DEBUG"] = "0"
    # Production refuses to start without the key that seals marketplace credentials.
    os.environ.setdefault("DESK_CONNECTOR_KEYS", "YmVuY2gtb25seS1rZXktbm90LWZvci1wcm9kdWN0aW8=")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
