"""The order list: newest first, paged by keyset in both directions, with a (capped) total."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes.models import Order
from disputes.selectors import orders as order_selectors

from .conftest import client_for

URL = reverse("disputes:orders")


@pytest.fixture
def many_orders(world):
    """120 more orders of store A (121 with the world's), an hour apart, and one of store B."""
    now = timezone.now()
    Order.objects.bulk_create(
        Order(
            store=world.store_a,
            platform_order_id=f"222-{n:07d}-0000000",
            purchased_at=now - timedelta(hours=n),
            currency="USD",
        )
        for n in range(120)
    )
    Order.objects.create(
        store=world.store_b, platform_order_id="333-0000000-0000000", purchased_at=now, currency="RUB"
    )
    return world


def page(client, params: dict) -> tuple[str, list[str]]:
    response = client.get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    return html, re.findall(r">(\d{3}-\d{7}-\d{7})</a>", html)


def cursor(html: str, which: str) -> str:
    found = re.search(rf'id="orders-{which}"[^>]*href="\?cursor=([^"]+)"', html)
    assert found, which
    return found.group(1)


def test_pages_forward_and_back_with_the_total(many_orders):
    client = client_for(many_orders.agent_a)
    html, first = page(client, {})
    assert "Orders 1–50 of 121" in html
    assert first[0] == "222-0000000-0000000" and len(first) == 50
    assert 'id="orders-previous"' not in html
    html, second = page(client, {"cursor": cursor(html, "next")})
    assert "Orders 51–100 of 121" in html
    assert second[0] == "222-0000050-0000000" and not set(first) & set(second)
    html, third = page(client, {"cursor": cursor(html, "next")})
    assert "Orders 101–121 of 121" in html and len(third) == 21
    assert third[-1] == "111-0000001-0000001"  # the world's, ten days old: the oldest
    assert 'id="orders-next"' not in html
    html, back = page(client, {"cursor": cursor(html, "previous")})
    assert back == second and "Orders 51–100 of 121" in html
    html, start = page(client, {"cursor": cursor(html, "previous")})
    assert start == first and "Orders 1–50 of 121" in html
    assert 'id="orders-previous"' not in html
    assert "333-0000000-0000000" not in html  # store B's


def test_a_total_beyond_the_cap_is_said_as_more_than(many_orders, monkeypatch):
    monkeypatch.setattr(order_selectors, "COUNT_CAP", 100)
    html, _ = page(client_for(many_orders.agent_a), {})
    assert "Orders 1–50 of more than 100" in html


def test_a_cursor_the_page_did_not_make_means_the_first_page(many_orders):
    client = client_for(many_orders.agent_a)
    for junk in ["nonsense", "YXwyMDI2LTEyLTA2fDF8MQ==", "x" * 500, "Ynx4fDF8MQ=="]:
        html, orders = page(client, {"cursor": junk})
        assert orders[0] == "222-0000000-0000000", junk
        assert "Orders 1–50 of 121" in html


def test_the_filter_counts_and_pages_what_it_matches(many_orders):
    html, orders = page(client_for(many_orders.agent_a), {"q": "222-00000"})
    assert "Orders 1–50 of 100" in html  # 222-0000000… to 222-0000099…
    assert re.search(r'id="orders-next"[^>]*href="\?q=222-00000&amp;cursor=', html)


def test_the_order_list_costs_a_fixed_number_of_queries(many_orders, django_assert_num_queries):
    client = client_for(many_orders.agent_a)
    page(client, {})
    with django_assert_num_queries(6):  # session, user, store ids, count, page (store and buyer), bell
        page(client, {})
