"""Every main page: ids are unique (a label, a shortcut or a test that finds a control by id
finds that one), and every control a person fills in has a label a screen reader reads."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from disputes.models import Shipment

from .conftest import client_for
from .url_cases import APPEAL

CONTROLS = {"input", "select", "textarea"}
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str]] = []  # attributes, plus "_in_label"
        self._labels = 0  # open <label> elements
        self._templates = 0  # open <template> elements: inert until a script copies them

    def handle_starttag(self, tag, attrs):
        found = {name: value or "" for name, value in attrs}
        if tag == "template":
            self._templates += 1
        if self._templates:
            return  # a script gives each copy its own ids and labels (checked in the browser)
        if "id" in found:
            self.ids.append(found["id"])
        if tag == "label":
            self._labels += 1
            if found.get("for"):
                self.label_for.add(found["for"])
        if tag in CONTROLS:
            self.controls.append({**found, "_tag": tag, "_in_label": "1" if self._labels else ""})

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "label":
            self._labels -= 1

    def handle_endtag(self, tag):
        if tag == "template" and self._templates:
            self._templates -= 1
        if self._templates:
            return
        if tag == "label" and self._labels:
            self._labels -= 1

    def duplicates(self) -> list[str]:
        return sorted({i for i in self.ids if self.ids.count(i) > 1})

    def unlabelled(self) -> list[str]:
        missing = []
        for control in self.controls:
            if control["_tag"] == "input" and control.get("type", "text") in UNLABELLED_TYPES:
                continue
            labelled = (
                control["_in_label"]
                or control.get("id", "") in self.label_for
                or control.get("aria-label")
                or control.get("aria-labelledby")
            )
            if not labelled:
                missing.append(f"<{control['_tag']} name={control.get('name')!r} id={control.get('id')!r}>")
        return missing


@pytest.fixture
def pages(world):
    order = world.order_a
    Shipment.objects.create(order=order, carrier="UPS", tracking_number="1Z999AA10123456784")
    from messaging.services import message_receive

    message_receive(order=order, body="Where is my parcel?")
    appeal = APPEAL(world)["appeal_id"]
    return [
        (world.agent_a, reverse("appeals:appeal", args=[appeal])),
        (world.agent_a, reverse("disputes:queue")),
        (world.agent_a, reverse("disputes:claim", args=[world.claim_a.pk])),
        (world.manager_a, reverse("disputes:claim", args=[world.claim_a.pk])),
        (world.agent_a, reverse("disputes:order", args=[order.pk])),
        (world.agent_a, reverse("disputes:orders")),
        (world.agent_a, reverse("disputes:search") + "?q=parcel"),
        (world.agent_a, reverse("disputes:alerts")),
        (world.agent_a, reverse("disputes:store", args=[world.store_a.pk])),
        (world.agent_a, reverse("disputes:import_orders")),
        (world.manager_a, reverse("disputes:dashboard")),
        (world.manager_a, reverse("disputes:post_mortems")),
        (world.manager_a, reverse("disputes:set_aside")),
        (world.manager_a, reverse("messaging:unmatched")),
    ]


def parsed(user, url: str) -> Controls:
    response = client_for(user).get(url)
    assert response.status_code == 200, url
    parser = Controls()
    parser.feed(response.content.decode())
    return parser


def test_the_parser_sees_duplicates_and_missing_labels():
    parser = Controls()
    parser.feed(
        '<label for="a">A</label><select id="a" name="x"></select><span id="a"></span>'
        '<input id="b" name="y"><label>B <input name="z"></label><input type="hidden" name="h">'
    )
    assert parser.duplicates() == ["a"]
    assert parser.unlabelled() == ["<input name='y' id='b'>"]


def test_ids_are_unique_on_every_main_page(pages):
    for user, url in pages:
        parser = parsed(user, url)
        assert len(parser.ids) > 5, url  # the page was read: the header alone has several
        assert parser.duplicates() == [], url


def test_every_control_has_a_label(pages):
    for user, url in pages:
        parser = parsed(user, url)
        assert parser.controls, url  # the header's search box at least
        assert parser.unlabelled() == [], url


def test_the_skip_link_leads_to_the_main_content(world):
    html = client_for(world.agent_a).get(reverse("disputes:queue")).content.decode()
    body = html[html.index("<body") :]
    first_link = body[body.index("<a ") : body.index("</a>")]
    assert 'href="#main"' in first_link and "skip-link" in first_link
    assert '<main id="main"' in html
