"""Work the worker loops set aside: recorded once per item, shown to the managers of its store
with its reason, and put back in its loop by a retry."""

import pytest
from django.urls import reverse

from disputes import setaside
from disputes.models import SetAside, SetAsideKind

from .conftest import client_for


def record_claim(world, reason="ValueError: warning hours must be numbers"):
    setaside.record(
        kind=SetAsideKind.CLAIM_ALERTS,
        subject_id=world.claim_a.pk,
        store_id=world.store_a.pk,
        label=world.order_a.platform_order_id,
        reason=reason,
    )


@pytest.fixture
def retried(monkeypatch):
    """A handler for claim alerts that notes what it was asked to retry."""
    calls: list[int] = []
    saved = dict(setaside._handlers)
    setaside.register(SetAsideKind.CLAIM_ALERTS, retry=calls.append, url=lambda pk: f"/claims/{pk}/")
    yield calls
    setaside._handlers.clear()
    setaside._handlers.update(saved)


def test_an_item_failing_again_updates_its_entry(world):
    record_claim(world)
    record_claim(world, reason="TypeError: again")
    entry = SetAside.objects.get()
    assert entry.attempts == 2
    assert entry.reason == "TypeError: again"
    assert entry.resolved_at is None


def test_managers_see_what_was_set_aside_with_its_reason(world, manager_client, retried):
    record_claim(world)
    page = manager_client.get(reverse("disputes:set_aside")).content.decode()
    assert world.order_a.platform_order_id in page
    assert "warning hours must be numbers" in page
    assert f'href="/claims/{world.claim_a.pk}/"' in page


def test_the_dashboard_counts_what_is_set_aside(world, manager_client):
    record_claim(world)
    page = manager_client.get(reverse("disputes:dashboard")).content.decode()
    assert 'id="tile-set-aside"' in page
    tile = page.split('id="tile-set-aside"')[1].split("</a>")[0]
    assert '<span class="tile-number">1</span>' in tile


def test_agents_do_not_get_the_page(world, agent_client):
    record_claim(world)
    assert agent_client.get(reverse("disputes:set_aside")).status_code == 403


def test_a_manager_of_another_store_sees_nothing_of_it(world, manager_client):
    from disputes.models import Membership, Role

    from .conftest import make_user

    other = make_user("manager_b")
    Membership.objects.create(user=other, store=world.store_b, role=Role.MANAGER)
    record_claim(world)
    assert (
        world.order_a.platform_order_id in manager_client.get(reverse("disputes:set_aside")).content.decode()
    )
    page = client_for(other).get(reverse("disputes:set_aside")).content.decode()
    assert "Nothing is set aside" in page
    assert world.order_a.platform_order_id not in page
    entry = SetAside.objects.get()
    assert client_for(other).post(reverse("disputes:set_aside_retry", args=[entry.pk])).status_code == 404


def test_retry_puts_the_item_back_and_closes_the_entry(world, manager_client, retried):
    record_claim(world)
    entry = SetAside.objects.get()
    response = manager_client.post(reverse("disputes:set_aside_retry", args=[entry.pk]), follow=True)
    assert retried == [world.claim_a.pk]
    entry.refresh_from_db()
    assert entry.resolved_at is not None and entry.resolved_by == world.manager_a
    assert "will be tried again" in response.content.decode()
    # Failing again after the retry opens a fresh entry; the closed one stays as history.
    record_claim(world)
    assert SetAside.objects.filter(resolved_at__isnull=True).count() == 1
    assert SetAside.objects.count() == 2


def test_a_kind_nobody_can_retry_stays_open_with_a_message(world, manager_client):
    setaside.record(kind="unknown_kind", subject_id=1, store_id=world.store_a.pk, label="x", reason="why")
    entry = SetAside.objects.get()
    response = manager_client.post(reverse("disputes:set_aside_retry", args=[entry.pk]), follow=True)
    assert "cannot be retried" in response.content.decode()
    entry.refresh_from_db()
    assert entry.resolved_at is None
