"""The desk run as production runs it: two hosts, each with gunicorn (two workers, over TLS),
a Celery worker and a mail worker started by bin/serve (the image's entry commands), beat on
the first; DEBUG=0, a generated secret key, static files collected into WhiteNoise's manifest
storage; one PostgreSQL database and one Redis of their own, the private file folder shared.
A browser works a claim in it; a session, a file and the sweeps cross from host to host.

Runs in the PostgreSQL suite (DATABASE_URL names the server its database is made on)."""

import hashlib
import os
import re
import time
from email import message_from_bytes
from email.policy import default as email_policy

import pytest
from playwright.sync_api import expect

from .browser.conftest import CHROMIUM, CHROMIUM_ARGS
from .evidence_corpus import photo
from .mailservers import smtp_listener
from .production import (
    Host,
    make_host,
    new_connector_key,
    new_secret_key,
    own_database,
    own_redis,
    self_signed_certificate,
    wait_for_log,
    wait_until_serving,
)

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    pytestmark.append(pytest.mark.skip(reason="the production run needs PostgreSQL (DATABASE_URL)"))

PASSWORD = "desk-demo-2026"  # seed_demo's
AGENT = "mei.agent"  # an English-speaking agent of the demo's Amazon US store
REPLY_FROM = "support@amazon.demo.example"

SET_UP = """
import json
from django.contrib.auth import get_user_model
from messaging.models import Message, StoreMessaging
User = get_user_model()
for user in User.objects.all():
    user.email = user.username + "@desk.test"
    user.save(update_fields=["email"])
StoreMessaging.objects.filter(store__name="Amazon US").update(
    smtp_host="{host}", smtp_port={port}, smtp_starttls=False
)
waiting = (
    Message.objects.filter(store__name="Amazon US", direction="from_buyer", thread__order__claims__isnull=False)
    .order_by("at").first()
)
result = {{"claim": waiting.thread.order.claims.first().pk, "buyer_line": waiting.body}}
"""

OVERDUE_CLAIMS = 60
OPEN_OVERDUE = """
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from disputes import services
from disputes.models import ClaimKind, Order, Reason
from disputes.tasks import sweep_claim_alerts
with transaction.atomic():
    orders = Order.objects.filter(store__name="Amazon US", claims__isnull=True).order_by("pk")[:{count}]
    for order in orders:
        services.claim_open(
            order=order, kind=ClaimKind.A_TO_Z, reason=Reason.NOT_RECEIVED, by=None,
            opened_at=timezone.now() - timedelta(days=5), platform_claim_id="burst-" + str(order.pk),
        )
# Sweeps on every worker slot of both hosts at once, on top of beat's.
for _ in range({sweeps}):
    sweep_claim_alerts.delay()
result = len(orders)
"""

ALERTS = """
import json
from django.db.models import Count
from django.utils import timezone
from disputes.models import Alert, Claim, ClaimAlertSchedule, Notification
now = timezone.now()
result = {
    "alerts": Alert.objects.count(),
    "emailed": list(Notification.objects.filter(emailed_at__isnull=False).values_list("pk", flat=True)),
    "owed": Notification.objects.filter(email_due_at__isnull=False).count(),
    "claims_due": ClaimAlertSchedule.objects.filter(next_alert_at__lte=now).count(),
    "burst_without_alert": Claim.objects.filter(platform_claim_id__startswith="burst-", alerts__isnull=True).count(),
    "doubled": sum(
        Alert.objects.filter(**{subject + "__isnull": False}).values(subject, "threshold", "window_start")
        .annotate(n=Count("pk")).filter(n__gt=1).count()
        for subject in ("claim", "message")
    ),
}
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Hosts a and b, ready; yields (a, b, smtp listener, the demo claim to work on)."""
    root = tmp_path_factory.mktemp("production")
    shared = root / "shared-private-files"
    shared.mkdir()
    cert, key = self_signed_certificate(root)
    tls = ("--certfile", str(cert), "--keyfile", str(key))
    with (
        smtp_listener() as smtp,
        own_database(DATABASE_URL) as database_url,
        own_redis(root) as redis_url,
    ):
        common = {
            "database_url": database_url,
            "redis_url": redis_url,
            "shared": shared,
            "secret_key": new_secret_key(),
            "connector_keys": new_connector_key(),
            "smtp": smtp,
        }
        a, b = make_host("a", root, **common), make_host("b", root, **common)
        try:
            a.run("migrate")
            for host in (a, b):
                host.run("collectstatic")
            a.manage("seed_demo")
            world = a.query(SET_UP.format(host=smtp.host, port=smtp.port))
            for host in (a, b):
                host.start("web", *tls)
                host.start("worker")
                host.start("mail-worker")
            a.start("sync-worker")
            a.start("beat")
            wait_for_log(a, "sync-worker", "sync@a ready.")
            for host in (a, b):
                wait_until_serving(host)
                wait_for_log(host, "worker", f"worker@{host.name} ready.")
                wait_for_log(host, "mail-worker", f"mail@{host.name} ready.")
            yield a, b, smtp, world
            # Every process lived through the tests, and none logged an error.
            for host in (a, b):
                host.check_alive()
                for command in host.logs:
                    assert not re.search(r"Traceback|\[ERROR\]|: ERROR/", host.log(command)), (
                        f"{host.name} {command}:\n{host.log(command)[-4000:]}"
                    )
        finally:
            for host in (a, b):
                host.stop()


@pytest.fixture(scope="module")
def browser(request):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must run the production browser test: /usr/bin/chromium is missing")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    playwright = request.getfixturevalue("playwright_driver")
    # The hosts' certificate is self-made: accepted at the handshake, not refused and retried.
    args = [*CHROMIUM_ARGS, "--ignore-certificate-errors"]
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
    yield browser
    browser.close()


# Every violation of the page's Content Security Policy, reported to the test from each page.
REPORT_CSP = """document.addEventListener("securitypolicyviolation", (e) => {
  window.deskCspViolation(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
});"""


@pytest.fixture
def context(browser, stack):
    a = stack[0]
    # The hosts' certificate is self-made; everything else is as a browser meets production.
    context = browser.new_context(base_url=a.url, locale="en-US", ignore_https_errors=True)
    context.problems = []
    context.expose_function("deskCspViolation", lambda text: context.problems.append(f"CSP: {text}"))
    context.add_init_script(REPORT_CSP)

    def watch(page):
        page.on(
            "console",
            lambda msg: (
                context.problems.append(f"{msg.text} ({msg.location['url']})")
                if msg.type == "error"
                else None
            ),
        )
        page.on(
            "response",
            lambda response: (
                context.problems.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        page.on("pageerror", lambda error: context.problems.append(f"page error: {error}"))

    context.on("page", watch)
    yield context
    context.close()


def log_in(page, host: Host) -> None:
    page.goto(f"{host.url}/login/")
    page.fill("input[name=username]", AGENT)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Queue')")


def wait_for(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.3)
    raise AssertionError(f"not within {timeout}s: {what}")


def test_an_agent_uploads_a_photo_and_replies_in_production_without_a_console_error_or_csp_violation(
    stack, context, tmp_path
):
    a, _b, smtp, world = stack
    page = context.new_page()
    log_in(page, a)
    # The queue lists the claim; its page shows the buyer's message.
    assert page.locator(f"a[href='/claims/{world['claim']}/']").count() >= 1
    page.goto(f"/claims/{world['claim']}/")
    expect(page.locator("#thread-messages")).to_contain_text(world["buyer_line"])
    # The static files come from the manifest: hashed names, served by WhiteNoise.
    scripts = page.eval_on_selector_all("script[src]", "els => els.map((e) => e.getAttribute('src'))")
    static = [src for src in scripts if src.startswith("/static/")]
    assert static and all(re.search(r"\.[0-9a-f]{12}\.js$", src) for src in static), static
    assert context.request.get(a.url + static[0]).headers["cache-control"].startswith("max-age=")

    (tmp_path / "packed.jpg").write_bytes(photo(1600, 1200, label="packed"))
    page.select_option("#evidence-kind", "pre_shipment_photo")
    page.set_input_files("#evidence-files", str(tmp_path / "packed.jpg"))
    page.click("[data-upload-submit]")
    page.wait_for_selector(".upload-row.upload-done")

    text = "Thank you for writing. We are checking the parcel's tracking and will answer today."
    page.fill("#compose-text", text)
    page.locator("#compose-text").press("End")
    page.wait_for_selector("#policy-findings .finding-ok")
    page.click("#send-button")
    page.wait_for_selector("text=Message sent.")

    replies = wait_for(
        lambda: [
            e for e in list(smtp.received) if e.mail_from == REPLY_FROM and b"parcel's tracking" in e.content
        ],
        "the reply reaches the relay",
    )
    assert len(replies) == 1
    body = message_from_bytes(replies[0].content, policy=email_policy).get_body(("plain",)).get_content()
    assert "checking the parcel's tracking" in body
    # The page was loaded and used end to end, and the browser said nothing was wrong.
    page.reload()
    expect(page.locator("#thread-messages")).to_contain_text("checking the parcel's tracking")
    page.wait_for_timeout(500)  # reports still on their way arrive
    assert context.problems == []


def test_a_session_started_on_one_host_is_valid_on_the_other(stack, context):
    a, b, _smtp, _world = stack
    page = context.new_page()
    page.goto(f"{b.url}/")
    assert "/login/" in page.url  # b lets no stranger in
    log_in(page, a)
    page.goto(f"{b.url}/")
    page.wait_for_selector("h1:text('Queue')")
    assert "/login/" not in page.url
    assert AGENT in page.inner_text("header .username")
    # A write through b (its CSRF token was set by a) ends the session on a too.
    with page.expect_navigation(wait_until="load"):
        page.click("header button:text('Log out')")
    page.goto(f"{a.url}/")
    assert "/login/" in page.url
    page.wait_for_timeout(500)  # reports still on their way arrive
    assert context.problems == []


def test_a_file_uploaded_through_one_host_is_served_by_the_other(stack, context, tmp_path):
    a, b, _smtp, world = stack
    picture = photo(1200, 900, label="crossing", colour=(40, 90, 200))
    (tmp_path / "crossing.jpg").write_bytes(picture)
    page = context.new_page()
    log_in(page, a)
    page.goto(f"{a.url}/claims/{world['claim']}/")
    page.select_option("#evidence-kind", "buyer_media")
    page.set_input_files("#evidence-files", str(tmp_path / "crossing.jpg"))
    page.click("[data-upload-submit]")
    page.wait_for_selector(".upload-row.upload-done")
    item = a.query(
        "from evidence.models import EvidenceItem\n"
        f"result = EvidenceItem.objects.filter(sha256='{hashlib.sha256(picture).hexdigest()}').get().pk"
    )

    original = context.request.get(f"{b.url}/evidence/{item}/original/")
    assert original.status == 200
    assert hashlib.sha256(original.body()).hexdigest() == hashlib.sha256(picture).hexdigest()
    # The thumbnail, drawn by whichever worker took the task, is served by b as well.
    thumb = wait_for(
        lambda: (r := context.request.get(f"{b.url}/evidence/{item}/thumb/")).ok and r,
        "b serves the thumbnail",
    )
    assert thumb.headers["content-type"].startswith("image/")
    assert thumb.body() != original.body()


def test_sweeps_on_both_hosts_raise_every_alert_once(stack):
    a, b, smtp, _world = stack
    before = {host.name: len(raised_by(host)) for host in (a, b)}
    # A burst of claims long overdue, committed at once, then swept by both hosts together.
    opened = a.query(OPEN_OVERDUE.format(count=OVERDUE_CLAIMS, sweeps=8))
    assert opened == OVERDUE_CLAIMS

    def settled():
        state = a.query(ALERTS)
        return (
            state
            if state["burst_without_alert"] == 0 and not state["claims_due"] and not state["owed"]
            else None
        )

    state = wait_for(settled, "the sweeps raise the alerts and the outbox sends them", timeout=120)
    wait_for(
        lambda: all(len(raised_by(host)) > before[host.name] for host in (a, b)),
        "both hosts' workers sweep after the burst",
    )

    def seen():
        mails = [
            message_from_bytes(e.content, policy=email_policy)["Message-ID"]
            for e in list(smtp.received)
            if e.mail_from == "desk@desk.test" and b"desk-alert-" in e.content
        ]
        return {host.name: sum(raised_by(host)) for host in (a, b)}, mails

    # A quiet moment (a later threshold may come due meanwhile): logs, mails and rows read together.
    def snapshot():
        first, state, then = seen(), a.query(ALERTS), seen()
        return (then, state) if first == then else None

    (raised, alert_mails), state = wait_for(snapshot, "a moment without a sweep or a send")
    # Each alert was raised by one sweep on one host: what the sweeps say they raised adds up to
    # the alerts there are, and no claim has two for one threshold.
    assert sum(raised.values()) == state["alerts"] >= OVERDUE_CLAIMS, raised
    assert state["doubled"] == 0
    # Every notification is settled (sent, or no longer owed: its message was answered), and each
    # one sent reached the mail server once, and only once.
    assert len(alert_mails) == len(set(alert_mails)) == len(state["emailed"]) >= OVERDUE_CLAIMS
    assert sorted(alert_mails) == sorted(f"<desk-alert-{pk}@desk.test>" for pk in state["emailed"])


def raised_by(host: Host) -> list[int]:
    """How many alerts each finished sweep (claims and replies) of this host's worker raised."""
    pattern = r"Task (?:disputes\.tasks\.sweep_claim_alerts|messaging\.tasks\.sweep_reply_alerts)\[[^]]+\] succeeded in [0-9.e-]+s: (\d+)"
    return [int(n) for n in re.findall(pattern, host.log("worker"))]


def test_production_sends_its_security_headers_shows_no_debug_page_and_reports_csp_violations(stack, context):
    a, b, _smtp, _world = stack
    login = context.request.get(f"{a.url}/login/")
    assert login.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "script-src 'self' 'nonce-" in login.headers["content-security-policy"]
    assert "secure" in login.headers["set-cookie"].lower()  # the CSRF cookie, HTTPS only
    missing = context.request.get(f"{a.url}/no-such-page/")
    assert missing.status == 404
    assert "URLconf" not in missing.text() and "Traceback" not in missing.text()
    # Each host runs its own copy of the image's files, gunicorn with two workers, and tells a
    # load balancer it reaches the database and the broker.
    for host in (a, b):
        health = context.request.get(f"{host.url}/healthz")
        assert (health.status, health.json()) == (200, {"status": "ok", "database": "ok", "broker": "ok"})
        assert host.query("import config\nresult = config.__file__").startswith(str(host.app))
        assert host.log("web").count("Booting worker with pid") == 2
    # The watch on the pages hears a violation: a script the policy does not allow is reported.
    page = context.new_page()
    page.goto(f"{a.url}/login/")
    assert context.problems == []
    page.evaluate("""() => {
      const script = document.createElement("script");
      script.textContent = "window.ranInline = true";
      document.head.appendChild(script);
    }""")
    for _ in range(50):  # the report arrives through Playwright, which a sleep does not serve
        if any(p.startswith("CSP: script-src") for p in context.problems):
            break
        page.wait_for_timeout(100)
    assert any(p.startswith("CSP: script-src") for p in context.problems), context.problems
    assert page.evaluate("window.ranInline") is None
