"""Alerts that reach the agent outside the bell: a desktop notification when a claim turns
overdue, the overdue count in the tab title and a badge on the favicon."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disputes import alerts, services
from disputes.models import ClaimKind, DeadlineRule, Order, Reason

from ..conftest import PASSWORD
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every Notification the page builds is recorded, and still built by the browser's own class.
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.__notifications = [];
  window.__sounds = [];
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    window.__sounds.push(this.currentSrc || this.src);
    return play.call(this);
  };
  if (!Real) return;
  window.Notification = class extends Real {
    constructor(title, options) {
      window.__notifications.push({ title, body: (options || {}).body || "", tag: (options || {}).tag || "" });
      super(title, options);
    }
  };
})();
"""


@pytest.fixture
def notified_page(browser, live_server, settings):
    settings.DESK_ALERT_POLL_SECONDS = 1
    context = browser.new_context(base_url=live_server.url, locale="en-US", permissions=["notifications"])
    context.add_init_script(RECORD_NOTIFICATIONS)
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda msg: page.csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield page
    context.close()


def recorded(page, *, at_least: int, seconds: float = 10) -> list[dict]:
    """The notifications the page built, once there are `at_least` (the page's CSP forbids
    Playwright's string predicates, so this asks the page itself)."""
    for _ in range(int(seconds * 5)):
        notes = page.evaluate("window.__notifications")
        if len(notes) >= at_least:
            return notes
        page.wait_for_timeout(200)
    return page.evaluate("window.__notifications")


def test_a_claim_turning_overdue_shows_a_desktop_notification_and_the_count_in_the_title(
    notified_page, world
):
    page = notified_page
    log_in(page, "agent_a", PASSWORD)

    # Desktop notifications are switched on by the agent, on the alerts page; nothing asks on load.
    page.goto("/alerts/")
    status = page.locator("[data-desktop-alerts-status]")
    assert status.inner_text() == "Desktop notifications are off in this browser."
    page.click("[data-desktop-alerts]")
    page.wait_for_selector("text=Desktop notifications are on in this browser.")
    # The sound is off until the agent asks for it.
    assert not page.is_checked("#id_alert_sound")
    page.check("#id_alert_sound")
    with page.expect_navigation(wait_until="load"):
        page.click("#alert-settings button[type=submit]")
    page.wait_for_selector("text=Alert settings saved.")

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("data-overdue", "0")
    assert page.title() == "Queue · Dispute Desk"
    plain_icon = page.get_attribute("link[rel~='icon']", "href")
    assert plain_icon.endswith("img/favicon.png")

    # A claim whose 48-hour window ended an hour and a half ago; the sweep raises its overdue alert.
    DeadlineRule.objects.filter(platform="amazon", claim_kind="a_to_z", deadline="respond").update(length=48)
    now = timezone.now()
    order = Order.objects.create(
        store=world.store_a,
        buyer=world.order_a.buyer,
        platform_order_id="114-5550123-7788990",
        purchased_at=now - timedelta(days=12),
        currency="USD",
        total="61.40",
    )
    services.claim_open(
        order=order,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        by=world.agent_a,
        opened_at=now - timedelta(hours=49, minutes=30),
        assignee=world.agent_a,
    )
    raised = alerts.sweep_claims()
    assert [alert.threshold for alert in raised] == ["overdue"]

    notes = recorded(page, at_least=1)
    # Only the new alert: the one the agent already had before the page opened is not replayed.
    assert len(notes) == 1
    assert notes[0]["title"] == "114-5550123-7788990 · Alpha Amazon US"
    assert notes[0]["body"] == "the response is overdue"
    sounds = page.evaluate("window.__sounds")
    assert len(sounds) == 1 and sounds[0].endswith("/sounds/alert.wav")

    expect(page).to_have_title("(1) Queue · Dispute Desk")
    assert page.get_attribute("link[rel~='icon']", "href").startswith("data:image/png;base64,")
    assert page.inner_text("#bell .bell-count") == "2"

    # Another page of the desk does not announce the same alert again.
    page.goto("/orders/")
    expect(page).to_have_title("(1) Orders · Dispute Desk")
    page.wait_for_timeout(1500)  # at least one more poll
    assert page.evaluate("window.__notifications") == []
    assert page.evaluate("window.__sounds") == []
    assert page.csp_violations == []
