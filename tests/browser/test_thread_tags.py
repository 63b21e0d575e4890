"""An agent tags a buyer thread on the order page (in place, without a page load) and finds it
on the buyer threads page by that tag."""

import pytest

from disputes.models import Order, Tag, TagColour
from messaging.models import Thread
from messaging.services import message_receive

from ..conftest import PASSWORD
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_tags_a_thread_in_place_and_finds_it_by_the_tag(page, world):
    fragile = Tag.objects.create(store=world.store_a, name="fragile", colour=TagColour.RED)
    message_receive(order=world.order_a, body="The vase arrived in pieces, see the photos.")
    other = Order.objects.create(
        store=world.store_a,
        platform_order_id="111-0000009-0000009",
        purchased_at=world.order_a.purchased_at,
        currency="USD",
        total="12.00",
    )
    message_receive(order=other, body="Where is my parcel?")
    log_in(page, "agent_a", PASSWORD)
    page.goto(f"/orders/{world.order_a.pk}/")
    page.click("#thread-tags summary")
    page.check(f"#thread-tags-form input[name=tags][value='{fragile.pk}']")
    # htmx swaps the card: the page itself is not reloaded (the marker set on it survives).
    page.evaluate("window.stayedOnPage = true")
    page.click("#thread-tags-form button[type=submit]")
    page.wait_for_selector("#thread-tags-saved")
    assert page.evaluate("window.stayedOnPage") is True
    assert page.inner_text("#thread-tags .tags .tag-red") == "fragile"
    assert list(Thread.objects.get(order=world.order_a).tags.all()) == [fragile]

    page.goto("/threads/")
    assert page.locator("#threads tbody tr[data-order]").count() == 2
    page.select_option("#thread-filters select[name=tag]", label="fragile")
    page.click("#thread-filters button[type=submit]")
    page.wait_for_url("**/threads/?*tag=*")
    rows = page.locator("#threads tbody tr[data-order]")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-order") == world.order_a.platform_order_id
    assert "fragile" in rows.first.inner_text()
