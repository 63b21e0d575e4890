"""The scripts' strings: served by the desk's JavaScript catalogue, one URL per language."""

import json
import re
from pathlib import Path

from django.test import Client
from django.urls import reverse

STATIC = Path(__file__).resolve().parent.parent / "static"

# gettext("…") and ngettext("…", "…", n), as the desk's scripts call them.
CALLS = re.compile(r'\bn?gettext\(\s*"((?:[^"\\]|\\.)*)"')


def script_msgids() -> set[str]:
    return {msgid for path in STATIC.rglob("*.js") for msgid in CALLS.findall(path.read_text())}


def catalogue(client: Client, language: str) -> dict:
    """The translations a catalogue response carries."""
    response = client.get(reverse("javascript_catalog", args=[language]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Content-Language"] == language
    found = re.search(r"const newcatalog = (\{.*?\});", response.content.decode(), re.DOTALL)
    return json.loads(found[1]) if found else {}


def test_the_chinese_catalogue_translates_every_string_the_scripts_show(db):
    msgids = script_msgids()
    assert {"%(span)s left", "overdue by %(span)s", "%s d", "%s h", "%s min", "Added"} <= msgids
    chinese = catalogue(Client(), "zh-hans")
    assert not [msgid for msgid in msgids if not chinese.get(msgid)]
    assert chinese["%(span)s left"] == "剩余 %(span)s"
    assert chinese["overdue by %(span)s"] == "已逾期 %(span)s"
    # Counts go through ngettext: Chinese has the one plural form.
    assert chinese["%s d"] == ["%s 天"]


def test_english_is_the_scripts_own_words(db):
    assert catalogue(Client(), "en") == {}


def test_the_language_comes_from_the_url_not_the_session(agent_client):
    agent_client.post(reverse("preferences"), {"language": "zh-hans"})
    assert catalogue(agent_client, "en") == {}
    assert catalogue(agent_client, "zh-hans")["Added"] == "已添加"


def test_an_unknown_language_is_not_found(db):
    assert Client().get(reverse("javascript_catalog", args=["fr"])).status_code == 404


def test_only_the_desks_own_strings_are_served(db):
    # The admin's calendar and filter strings stay out of every desk page.
    assert set(catalogue(Client(), "zh-hans")) == script_msgids()


def test_browsers_keep_it_an_hour_then_revalidate_against_the_release(db):
    url = reverse("javascript_catalog", args=["zh-hans"])
    response = Client().get(url)
    assert response["Cache-Control"] == "max-age=3600"
    again = Client().get(url, headers={"If-Modified-Since": response["Last-Modified"]})
    assert again.status_code == 304


def test_every_page_loads_the_catalogue_of_its_language_before_the_scripts(agent_client):
    page = agent_client.get(reverse("disputes:queue")).content.decode()
    english = reverse("javascript_catalog", args=["en"])
    assert page.index(f'<script src="{english}"') < page.index("js/desk.js")
    agent_client.post(reverse("preferences"), {"language": "zh-hans"})
    page = agent_client.get(reverse("disputes:queue")).content.decode()
    assert f'<script src="{reverse("javascript_catalog", args=["zh-hans"])}"' in page


def test_no_script_hard_codes_chinese_or_picks_words_by_language():
    scripts = list(STATIC.rglob("*.js"))
    assert any(path.name == "desk.js" for path in scripts)
    for path in scripts:
        text = path.read_text()
        assert not re.search(r"[\u3400-\u9fff]", text), path.name
        assert "documentElement.lang" not in text, path.name
