"""The connection page of a store: managers connect and steer it, agents see its status, and a
secret once saved is never shown again."""

import pytest
from django.urls import reverse

from connectors.models import Connection, ConnectionState
from disputes.models import Platform
from tests.conftest import client_for
from tests.fakes.ozon_api import API_KEY, CLIENT_ID, serving

pytestmark = pytest.mark.django_db


@pytest.fixture
def ozon_store(world):
    """Store A made an Ozon store (its manager is manager_a)."""
    world.store_a.platform = Platform.OZON
    world.store_a.currency = "RUB"
    world.store_a.save()
    return world.store_a


@pytest.fixture
def ozon(settings):
    with serving() as fake:
        settings.DESK_CONNECTOR_BASE_URLS = {"ozon": fake.base}
        settings.DESK_CONNECTOR_MAX_WAIT = 0.02
        yield fake


def test_a_manager_connects_and_the_secret_is_never_shown_again(world, ozon_store, manager_client):
    url = reverse("connectors:connection_save", args=[ozon_store.pk])
    response = manager_client.post(url, {"client_id": CLIENT_ID, "api_key": API_KEY, "interval": "15"})
    assert response.status_code == 302
    connection = Connection.objects.get(store=ozon_store)
    assert connection.settings["client_id"] == CLIENT_ID and connection.secrets() == {"api_key": API_KEY}
    assert connection.next_sync_at is not None and connection.state == ConnectionState.NEW
    page = manager_client.get(reverse("connectors:connection", args=[ozon_store.pk])).content.decode()
    assert CLIENT_ID in page and 'name="api_key"' in page
    assert API_KEY not in page

    # Blank keeps the saved key; a new one replaces it.
    manager_client.post(url, {"client_id": CLIENT_ID, "api_key": "", "interval": "30"})
    connection.refresh_from_db()
    assert connection.secrets() == {"api_key": API_KEY} and connection.interval == 30
    manager_client.post(url, {"client_id": CLIENT_ID, "api_key": "second-key", "interval": "30"})
    connection.refresh_from_db()
    assert connection.secrets() == {"api_key": "second-key"}


def test_a_first_connection_needs_the_secret_and_says_so_in_place(world, ozon_store, manager_client):
    response = manager_client.post(
        reverse("connectors:connection_save", args=[ozon_store.pk]),
        {"client_id": CLIENT_ID, "interval": "15"},
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Connection.objects.filter(store=ozon_store).exists()


def test_test_connection_answers_in_words_for_htmx(world, ozon_store, manager_client, ozon):
    manager_client.post(
        reverse("connectors:connection_save", args=[ozon_store.pk]),
        {"client_id": CLIENT_ID, "api_key": API_KEY, "interval": "15"},
    )
    url = reverse("connectors:connection_test", args=[ozon_store.pk])
    good = manager_client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert 'id="test-result"' in good and "Connected to Ozon as" in good and "<html" not in good
    ozon.api_key = "rotated"
    bad = manager_client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert "Ozon refused the credentials" in bad and 'data-ok="0"' in bad


def test_agents_see_the_status_but_cannot_change_it(world, ozon_store, agent_client):
    connection = Connection(
        store=ozon_store, settings={"client_id": CLIENT_ID}, last_error="Ozon refused the credentials"
    )
    connection.keep_secrets({"api_key": API_KEY})
    connection.save()
    page = agent_client.get(reverse("connectors:connection", args=[ozon_store.pk])).content.decode()
    assert "Ozon refused the credentials" in page and 'id="sync-status"' in page
    assert 'name="api_key"' not in page and "Test connection" not in page
    for name in ("connection_save", "connection_test", "connection_pause", "connection_sync_now"):
        assert agent_client.post(reverse(f"connectors:{name}", args=[ozon_store.pk])).status_code == 403


def test_pause_stops_the_schedule_and_resume_brings_it_back(world, ozon_store, manager_client):
    connection = Connection(store=ozon_store, settings={"client_id": CLIENT_ID})
    connection.keep_secrets({"api_key": API_KEY})
    connection.resume()
    connection.save()
    url = reverse("connectors:connection_pause", args=[ozon_store.pk])
    manager_client.post(url, {"paused": "1"})
    connection.refresh_from_db()
    assert (
        connection.is_paused
        and connection.next_sync_at is None
        and connection.state == ConnectionState.PAUSED
    )
    assert (
        manager_client.post(reverse("connectors:connection_sync_now", args=[ozon_store.pk])).status_code
        == 302
    )
    connection.refresh_from_db()
    assert connection.next_sync_at is None  # nothing queued while paused
    manager_client.post(url, {"paused": "0"})
    connection.refresh_from_db()
    assert not connection.is_paused and connection.next_sync_at is not None


def test_the_store_page_shows_the_connection_card(world, ozon_store, manager_client):
    page = manager_client.get(reverse("disputes:store", args=[ozon_store.pk])).content.decode()
    assert 'id="connection-card"' in page and reverse("connectors:connection", args=[ozon_store.pk]) in page


def test_the_outsider_does_not_reach_the_connection(world, ozon_store):
    outsider = client_for(world.agent_b)
    assert outsider.get(reverse("connectors:connection", args=[ozon_store.pk])).status_code == 404
