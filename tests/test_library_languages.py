"""Issue 15: the reply library speaks every language the stores write in (the Ozon stores'
buyers write Russian), each text within the platform's policy."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes.management.commands.seed_demo import STORES
from disputes.models import Buyer, Order
from messaging import policy
from messaging.filling import SAMPLE, fill
from messaging.library import TEMPLATES, install_reply_library
from messaging.models import ReplyTemplate

from .conftest import client_for

HTMX = {"HTTP_HX_REQUEST": "true"}
# The language each demo marketplace's buyers write in.
LANGUAGE_OF = {"US": "en", "RU": "ru"}
SITUATIONS = {"before_shipping", "after_shipping", "dispute", "return", "review", "claim"}


@pytest.mark.parametrize("store", STORES, ids=[store["name"] for store in STORES])
def test_every_demo_store_has_replies_for_each_situation_in_its_buyers_language(store):
    language = LANGUAGE_OF[store["marketplace"]]
    usable = [row for row in TEMPLATES if row[3] == language and row[2] in ("", store["platform"])]
    assert {row[1] for row in usable} >= SITUATIONS, store["name"]
    for code, _stage, _platform, _lang, _purpose, title, note_en, note_zh, body in usable:
        assert title and note_en and note_zh, code
        text = fill(body, SAMPLE)
        assert policy.check(text, store["platform"]) == [], code


def test_the_russian_texts_are_russian_and_never_name_a_greeting_in_english():
    russian = [row for row in TEMPLATES if row[3] == "ru"]
    assert len(russian) >= 15
    for code, *_rest, body in russian:
        assert re.search(r"[А-Яа-яЁё]{4,}", body), code
        assert "{buyer_name}" not in body or code == "ozon-claim-first-reply-ru"


def test_an_ozon_order_is_offered_the_russian_library_and_an_amazon_order_is_not(world):
    install_reply_library(ReplyTemplate)
    buyer = Buyer.objects.create(store=world.store_b, alias="ozon-buyer-17")
    order = Order.objects.create(
        store=world.store_b,
        buyer=buyer,
        platform_order_id="48215793-0041",
        purchased_at=timezone.now(),
        currency="RUB",
        total="1890",
    )
    url = reverse("messaging:template_search", args=[order.pk])
    page = client_for(world.agent_b).get(url, {"q": "по желанию"}, **HTMX).content.decode()
    assert 'data-template="ozon-return-terms-ru"' in page
    # Typed in lower case, a Russian word finds the capitalised title (on SQLite as on PostgreSQL).
    page = client_for(world.agent_b).get(url, {"q": "возврат желанию"}, **HTMX).content.decode()
    assert re.findall(r'template-pick" data-template="([^"]+)"', page) == ["ozon-return-terms-ru"]
    filled = client_for(world.agent_b).get(
        reverse(
            "messaging:template_fill",
            args=[order.pk, ReplyTemplate.objects.get(code="ozon-return-terms-ru").pk],
        ),
        **HTMX,
    )
    assert "заказа 48215793-0041 можно вернуть" in filled.content.decode()
    amazon = reverse("messaging:template_search", args=[world.order_a.pk])
    assert (
        "ozon-return-terms-ru"
        not in client_for(world.agent_a).get(amazon, {"q": ""}, **HTMX).content.decode()
    )
