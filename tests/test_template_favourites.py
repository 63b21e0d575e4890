"""Issue 15: each agent's favourite templates first in the library, then the ones they used
most recently; nobody else's list changes."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messaging import services
from messaging.library import install_reply_library
from messaging.models import ReplyTemplate, TemplateUse

from .conftest import client_for

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def library(db):
    install_reply_library(ReplyTemplate)


def listed(client, world, query: str = "") -> list[str]:
    url = reverse("messaging:template_search", args=[world.order_a.pk])
    page = client.get(url, {"q": query}, **HTMX).content.decode()
    return re.findall(r'class="link-button template-pick" data-template="([^"]+)"', page)


def star(client, world, code: str, on: bool = True):
    template = ReplyTemplate.objects.get(code=code)
    url = reverse("messaging:template_favourite", args=[world.order_a.pk, template.pk])
    return client.post(url, {"favourite": "1" if on else "0"}, **HTMX)


def test_a_starred_template_leads_the_agents_list_only(world, agent_client, library):
    default = listed(agent_client, world)
    assert len(default) == 20 and default[0] != "held-at-customs"
    answer = star(agent_client, world, "held-at-customs")
    assert answer.status_code == 200
    assert 'aria-pressed="true"' in answer.content.decode()
    assert listed(agent_client, world)[0] == "held-at-customs"
    assert listed(agent_client, world, "customs") == ["held-at-customs"]  # search still narrows
    # The manager of the same store keeps the library's own order.
    assert listed(client_for(world.manager_a), world) == default

    star(agent_client, world, "held-at-customs", on=False)
    assert listed(agent_client, world) == default
    assert TemplateUse.objects.get(user=world.agent_a).is_favourite is False


def test_a_template_the_agent_sent_comes_next_most_recent_first(world, agent_client, library):
    star(agent_client, world, "held-at-customs")
    for code in ["upset-buyer-first", "dispute-escalated"]:
        template = ReplyTemplate.objects.get(code=code)
        services.reply_send(
            order=world.order_a, body=f"Reply made from {code}.", by=world.agent_a, template=template
        )
    assert listed(agent_client, world)[:3] == ["held-at-customs", "dispute-escalated", "upset-buyer-first"]
    page = agent_client.get(
        reverse("messaging:template_search", args=[world.order_a.pk]), {"q": "escalated"}, **HTMX
    ).content.decode()
    assert '<li class="template-recent">' in page and "Recently used" in page
    assert listed(client_for(world.manager_a), world)[0] not in {"dispute-escalated", "upset-buyer-first"}


def test_the_list_costs_the_same_queries_however_many_favourites(world, agent_client, library):
    url = reverse("messaging:template_search", args=[world.order_a.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            agent_client.get(url, {"q": ""}, **HTMX)
        return len(captured)

    before = queries()
    for code in ["held-at-customs", "return-terms", "chargeback-reply"]:
        star(agent_client, world, code)
    assert queries() == before


def test_stars_stay_within_the_users_stores_and_the_orders_platform(
    world, agent_client, outsider_client, library
):
    assert star(outsider_client, world, "held-at-customs").status_code == 404
    # The Russian Ozon template is not part of an Amazon order's library.
    assert star(agent_client, world, "ozon-claim-first-reply-ru").status_code == 404
    assert not TemplateUse.objects.exists()
    template = ReplyTemplate.objects.get(code="held-at-customs")
    url = reverse("messaging:template_favourite", args=[world.order_a.pk, template.pk])
    assert agent_client.get(url).status_code == 405
