"""The desk on a phone (390 × 844): no page is wider than the screen, in English or Chinese.

A page overflows when `document.documentElement.scrollWidth` exceeds the window, or when an
element sticks out past the right (or left) edge without a scrolling container of its own to hold
it (a wide table scrolling inside its card is fine; the page scrolling sideways is not)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appeals import services as appeal_services
from disputes.models import Membership, Order, Role, Shipment, TrackingEvent
from messaging.services import message_receive

from ..conftest import PASSWORD
from ..evidence_corpus import add_evidence, photo
from ..test_queue import add_claims
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

MEASURE = """() => {
  const width = window.innerWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right <= width + 1 && box.left >= -1) continue;
    let holder = el.parentElement, held = false;
    while (holder && holder !== document.body) {
      if (getComputedStyle(holder).overflowX !== "visible") { held = true; break; }
      holder = holder.parentElement;
    }
    if (!held) out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} right=${Math.round(box.right)}`);
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, out: out.slice(0, 8),
          elements: document.querySelectorAll("body *").length};
}"""


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=PHONE)
    page = context.new_page()
    yield page
    context.close()


def a_busy_claim(world):
    """Store A's claim with what a real one carries: a long buyer address, tracking, messages,
    evidence, an appeal, and a queue of other claims around it."""
    order = world.order_a
    now = timezone.now()
    shipment = Shipment.objects.create(
        order=order,
        carrier="USPS",
        tracking_number="9400111899223344556677889900",
        shipped_at=now - timedelta(days=8),
    )
    for hours, status in ((190, "Accepted at USPS Origin Facility"), (150, "In transit to next facility")):
        TrackingEvent.objects.create(
            shipment=shipment,
            occurred_at=now - timedelta(hours=hours),
            status=status,
            location="LOS ANGELES, CA",
        )
    message_receive(
        order=order,
        body="Hello, the tracking has not moved for five days. Where is my parcel? "
        "https://www.example.com/track/9400111899223344556677889900?lang=en&ref=orderstatuspage",
    )
    add_evidence(
        order, world.agent_a, photo(1600, 1200, label="box"), name="packed-box.jpg", caption="Packed"
    )
    appeal = appeal_services.appeal_create(claim=world.claim_a, kind="claim_response", by=world.agent_a)
    add_claims(world, 8, start_hours=-3)
    add_claims(world, 4, store=world.store_b)
    # The manager works both stores: the queue shows both, the dashboard is theirs.
    Membership.objects.create(user=world.manager_a, store=world.store_b, role=Role.MANAGER)
    Order.objects.filter(pk=order.pk).update(ship_country="US")
    return appeal


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_no_page_is_wider_than_a_phone(phone, world, language):
    appeal = a_busy_claim(world)
    log_in(phone, "manager_a", PASSWORD)
    # The header folds its menu away on a phone; the button unfolds it.
    assert phone.locator("#main-nav").is_hidden()
    phone.click("[data-nav-toggle]")
    assert phone.locator("#main-nav").is_visible()
    assert phone.get_attribute("[data-nav-toggle]", "aria-expanded") == "true"
    if language != "en":
        with phone.expect_navigation(wait_until="load"):
            phone.select_option("#language-select", language)
        assert phone.locator("h1").first.inner_text() == "队列"
    pages = {
        "queue": "/",
        "claim": f"/claims/{world.claim_a.pk}/",
        "order": f"/orders/{world.order_a.pk}/",
        "appeal": f"/appeals/{appeal.pk}/",
        "dashboard": "/dashboard/",
    }
    for name, url in pages.items():
        phone.goto(url)
        phone.wait_for_load_state("load")
        measured = phone.evaluate(MEASURE)
        # The page was really drawn: a heading and a few hundred elements, not an error page.
        assert measured["elements"] > 60, (name, measured)
        assert phone.locator("h1").first.is_visible(), name
        assert measured["scrollWidth"] <= measured["width"], (name, language, measured)
        assert measured["out"] == [], (name, language, measured)
        if name == "queue":
            # Rows are cards, the sortable headings stay as links above them.
            row = phone.locator("tr.claim-row").first
            assert row.evaluate("el => getComputedStyle(el).display") == "grid"
            assert phone.locator("th.sortable a").first.is_visible()
        if name == "claim":
            # The claim's main actions are on the first screen.
            assert phone.locator("#reply-link").bounding_box()["y"] < PHONE["height"]
            assert phone.locator("#next-claim").bounding_box()["y"] < PHONE["height"]
