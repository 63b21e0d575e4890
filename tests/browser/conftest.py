"""Playwright driving Debian's Chromium against pytest-django's live server."""

import os
import threading
import time
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="session")
def browser(request):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: /usr/bin/chromium is missing")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    playwright = request.getfixturevalue("playwright_driver")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class ClosedBetweenTests:
    """The live server's application, wrapped: while closed, a request is answered 503 before it
    reaches Django, so it touches no table."""

    def __init__(self, application):
        self.application = application
        self.open = threading.Event()

    def __call__(self, environ, start_response):
        if not self.open.is_set():
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"the test is over"]
        return self.application(environ, start_response)


@pytest.fixture(autouse=True)
def live_server_idle_before_the_tables_are_emptied(request):
    """A request still running on the live server when a test's tables are emptied (TRUNCATE,
    at the end of a transactional test) can deadlock with it, or find them gone: a presence
    poll, or the goodbye of a page closed just before, which the browser may send after the
    page is gone. Once the test and its pages are done, the server is closed to new requests
    and this waits (up to 10 s in all) for the ones it already took to finish, before the tables
    are emptied (the database fixture is set up first, so it is torn down after)."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    server = request.getfixturevalue("live_server")
    httpd = server.thread.httpd
    gate = httpd.get_app()
    if not isinstance(gate, ClosedBetweenTests):
        gate = ClosedBetweenTests(gate)
        httpd.set_app(gate)
    gate.open.set()
    yield
    gate.open.clear()
    deadline = time.monotonic() + 10
    # socketserver's list of the threads serving requests (ThreadingMixIn, block_on_close); a
    # thread is listed before it starts, so one that let a request through is joined here.
    for thread in list(getattr(httpd, "_threads", ())):
        thread.join(max(0.0, deadline - time.monotonic()))


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda msg: page.csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield page
    context.close()


def log_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    # Until the next page's load event: its scripts are deferred, so a control they drive (the
    # language select, say) only works once they ran, which a visible heading does not prove.
    with page.expect_navigation(wait_until="load"):
        page.click("button[type=submit]")


def nav_to(page, label: str) -> None:
    """Follow a link of the header's navigation, unfolding the managers' menu first when the link
    is folded away in it."""
    link = page.locator(f"#main-nav a:text-is('{label}')")
    if link.is_hidden():
        page.click("#manage-menu > summary")
    link.click()


@pytest.fixture
def import_worker(settings, tmp_path):
    """A real Celery worker for the order imports the page queues; yields its log's path."""
    from ..worker import celery_worker

    log = tmp_path / "import-worker.log"
    with celery_worker(log) as queue:
        settings.DESK_IMPORT_QUEUE = queue
        yield log
