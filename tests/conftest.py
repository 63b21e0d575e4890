"""The shared cast of every test: two stores, an agent and a manager of store A, an agent of
store B (the outsider), and a superuser."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone, translation

from disputes.default_rules import install_default_rules
from disputes.models import (
    Alert,
    Buyer,
    Claim,
    ClaimKind,
    DeadlineRule,
    Membership,
    Notification,
    Order,
    Platform,
    Reason,
    Role,
    Store,
)

# The loopback S3 server and a bucket per test (tests/s3server.py).
from .s3server import s3_bucket, s3_endpoint  # noqa: F401


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright for the whole test process: its sync API refuses to start a second one
    beside a live one, and the browser tests and the production-mode test share a process."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


PASSWORD = "correct-horse-battery-staple"


@dataclass
class World:
    store_a: Store
    store_b: Store
    agent_a: object
    manager_a: object
    agent_b: object
    superuser: object
    order_a: Order
    claim_a: Claim
    notification_a: Notification


def make_user(username: str, **extra):
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)


@pytest.fixture
def rules(db) -> None:
    """The default deadline rules (a transactional test's flush removes migration data)."""
    install_default_rules(DeadlineRule)


@pytest.fixture
def world(db, rules) -> World:
    store_a = Store.objects.create(
        name="Alpha Amazon US",
        platform=Platform.AMAZON,
        marketplace="US",
        time_zone="America/Los_Angeles",
        currency="USD",
    )
    store_b = Store.objects.create(
        name="Bravo Ozon RU",
        platform=Platform.OZON,
        marketplace="RU",
        time_zone="Europe/Moscow",
        currency="RUB",
    )
    agent_a = make_user("agent_a")
    manager_a = make_user("manager_a")
    agent_b = make_user("agent_b")
    superuser = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    Membership.objects.create(user=agent_a, store=store_a, role=Role.AGENT)
    Membership.objects.create(user=manager_a, store=store_a, role=Role.MANAGER)
    Membership.objects.create(user=agent_b, store=store_b, role=Role.AGENT)
    buyer = Buyer.objects.create(store=store_a, alias="q7x2buyer@marketplace.example")
    now = timezone.now()
    order_a = Order.objects.create(
        store=store_a,
        buyer=buyer,
        platform_order_id="111-0000001-0000001",
        purchased_at=now - timedelta(days=10),
        currency="USD",
        total="25.00",
    )
    claim_a = Claim.objects.create(
        store=store_a,
        order=order_a,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        opened_at=now - timedelta(hours=2),
        respond_by=now + timedelta(hours=46),
    )
    alert = Alert.objects.create(
        claim=claim_a,
        threshold="half",
        window_start=claim_a.opened_at,
        scheduled_for=now,
        due_at=claim_a.respond_by,
    )
    notification_a = Notification.objects.create(alert=alert, user=agent_a)
    return World(store_a, store_b, agent_a, manager_a, agent_b, superuser, order_a, claim_a, notification_a)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent_client(world) -> Client:
    return client_for(world.agent_a)


@pytest.fixture
def manager_client(world) -> Client:
    return client_for(world.manager_a)


@pytest.fixture
def outsider_client(world) -> Client:
    return client_for(world.agent_b)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher is deliberately slow; tests log in many times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_evidence_storage(settings, tmp_path, monkeypatch):
    """Each test keeps evidence files in its own private folder; a worker process started by
    the test finds the same folder through the environment."""
    private = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = private
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "evidence.storage.PrivateStorage",
            "OPTIONS": {"location": str(private / "evidence")},
        },
    }
    monkeypatch.setenv("PRIVATE_MEDIA_ROOT", str(private))
    # Uploaded order reports wait for the worker in the same private folder.
    settings.DESK_IMPORT_DIR = private / "imports"
    monkeypatch.setenv("DESK_IMPORT_DIR", str(private / "imports"))
    return private


@pytest.fixture(autouse=True)
def _language_of_each_test_stays_its_own():
    """A request in Chinese leaves Chinese active in this thread (Django resets it only at the
    next request), so the next test's service messages would be translated: start on the default."""
    translation.deactivate()
    yield
    translation.deactivate()
