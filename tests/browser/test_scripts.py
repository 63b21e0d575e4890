"""The desk's scripts: loaded from the page head, and speaking the user's language through the
JavaScript catalogue."""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from disputes.models import Claim, Profile

from ..conftest import PASSWORD
from ..evidence_corpus import photo
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"left": "2 d 5 h left", "overdue": "overdue by 18 h 50 min", "added": "Added"},
    "zh-hans": {"left": "剩余 2 天 5 小时", "overdue": "已逾期 18 小时 50 分钟", "added": "已添加"},
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_countdown_and_upload_state_speak_the_users_language(page, world, tmp_path, language):
    Profile.objects.filter(user=world.agent_a).update(language=language)
    due = (timezone.now() + timedelta(days=10)).replace(microsecond=0)
    Claim.objects.filter(pk=world.claim_a.pk).update(respond_by=due)
    (tmp_path / "packed.jpg").write_bytes(photo(label="packed"))
    # The browser's clock starts 2 d 5 h 10 min 30 s before the deadline, well away from the
    # server's "9 d 23 h left", so only the script can have written what the badge then says.
    start = due - timedelta(days=2, hours=5, minutes=10, seconds=30)
    page.clock.install(time=start - timedelta(minutes=10))

    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector(".topbar .brand")
    page.goto(f"/claims/{world.claim_a.pk}/")
    badge = page.locator(".due-line .badge")
    assert badge.inner_text() in ("9 d 23 h left", "剩余 9 天 23 小时")

    page.clock.pause_at(start)
    page.clock.fast_forward(60_000)  # the badges refresh once a minute
    assert badge.inner_text() == WORDS[language]["left"]
    page.clock.fast_forward(72 * 3600 * 1000)
    assert badge.inner_text() == WORDS[language]["overdue"]
    assert "badge-overdue" in badge.get_attribute("class")

    # The uploader's row states come from the same catalogue.
    page.set_input_files("#evidence-files", str(tmp_path / "packed.jpg"))
    page.click("[data-upload-submit]")
    page.wait_for_selector(".upload-row.upload-done")
    assert page.inner_text(".upload-row.upload-done .upload-state") == WORDS[language]["added"]
    assert page.csp_violations == []


def test_every_script_and_stylesheet_of_the_claim_page_loads_from_the_head(page, world):
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector(".topbar .brand")
    page.goto(f"/claims/{world.claim_a.pk}/")
    page.wait_for_load_state("load")

    scripts = page.eval_on_selector_all("head script", "all => all.map((s) => [s.src, s.defer])")
    paths = {urlparse(src).path for src, _defer in scripts}
    assert {
        "/jsi18n/en/",
        "/static/js/desk.js",
        "/static/js/evidence.js",
        "/static/js/messaging.js",
        "/static/js/presence.js",
    } <= paths
    assert "/static/django_htmx/htmx-2.min.js" in paths
    assert all(src and defer for src, defer in scripts)  # same-origin files, none inline or blocking
    sheets = page.eval_on_selector_all("head link[rel=stylesheet]", "all => all.map((l) => l.href)")
    assert {"/static/css/desk.css", "/static/css/evidence.css", "/static/css/messaging.css"} <= {
        urlparse(href).path for href in sheets
    }
    # The catalogue has run before the page's own scripts.
    assert page.evaluate("typeof gettext === 'function' && typeof ngettext === 'function'")

    assert page.evaluate("document.body.querySelectorAll('script, link').length") == 0
    assert page.csp_violations == []
