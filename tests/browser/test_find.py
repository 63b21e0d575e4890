"""Finding things in the browser: the header's search and every keyboard shortcut."""

import pytest
from django.urls import reverse

from disputes.models import Claim, OrderLine
from messaging.services import message_receive

from ..conftest import PASSWORD
from ..test_queue import add_claims
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def current_row(page) -> str:
    return page.get_attribute("[data-claim].kbd-current", "data-claim")


def test_slash_focuses_the_search_and_a_pasted_order_id_finds_the_order(page, world):
    OrderLine.objects.create(
        order=world.order_a,
        line_key="MUG-350-W",
        sku="MUG-350-W",
        title="Ceramic mug",
        quantity=1,
        item_price=9,
    )
    message_receive(order=world.order_a, body="The mug handle snapped off in the box.")
    log_in(page, "agent_a", PASSWORD)
    page.keyboard.press("/")
    assert focused_id(page) == "site-search"
    assert page.input_value("#site-search") == ""  # the "/" itself was not typed
    page.keyboard.type("Order# 111-0000001-0000001 —")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    orders = page.locator("#search-orders")
    assert "111-0000001-0000001" in orders.inner_text()
    assert page.locator("#search-claims .search-hit").count() == 1  # the order's claim
    with page.expect_navigation():
        orders.locator("a", has_text="111-0000001-0000001").click()
    assert page.url.endswith(reverse("disputes:order", args=[world.order_a.pk]))

    # Words of a message, and a SKU: each in its own group.
    page.fill("#site-search", "handle snapped")
    with page.expect_navigation():
        page.press("#site-search", "Enter")
    assert "The mug handle snapped off" in page.inner_text("#search-messages")
    page.fill("#site-search", "mug-350")
    with page.expect_navigation():
        page.press("#site-search", "Enter")
    assert "MUG-350-W" in page.inner_text("#search-products")
    assert page.csp_violations == []


def test_j_k_move_through_the_queue_and_enter_opens_the_claim(page, world):
    first, second, _third = add_claims(world, 3)
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("[data-claim]")
    page.keyboard.press("j")
    assert current_row(page) == str(first.pk)
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert current_row(page) == str(second.pk)
    assert page.locator(".kbd-current").count() == 1
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(reverse("disputes:claim", args=[second.pk]))


def test_j_k_on_the_claim_page_go_to_the_next_and_previous_claim_of_the_queue(page, world):
    first, second, third = add_claims(world, 3)
    log_in(page, "agent_a", PASSWORD)
    # The queue filtered to these three's kind (the world's claim is an A-to-Z claim too, due
    # last): the claim page's j / k follow the queue the agent last looked at.
    page.goto(reverse("disputes:queue") + "?due=24h")
    page.goto(reverse("disputes:claim", args=[second.pk]))
    with page.expect_navigation():
        page.keyboard.press("j")
    assert page.url.endswith(reverse("disputes:claim", args=[third.pk]))
    with page.expect_navigation():
        page.keyboard.press("j")  # the last within 24 hours: back to the queue, said so
    assert "That was the last claim of the queue." in page.inner_text(".messages")
    assert "due=24h" in page.url
    page.goto(reverse("disputes:claim", args=[second.pk]))
    with page.expect_navigation():
        page.keyboard.press("k")
    assert page.url.endswith(reverse("disputes:claim", args=[first.pk]))


def test_r_a_e_reply_assign_to_me_and_close(page, world):
    claim_url = reverse("disputes:claim", args=[world.claim_a.pk])
    log_in(page, "agent_a", PASSWORD)
    page.goto(claim_url)
    page.keyboard.press("r")
    assert focused_id(page) == "compose-text"
    page.keyboard.type("Thank you")  # now typing: these letters go into the reply
    assert page.input_value("#compose-text") == "Thank you"
    page.locator("#compose-text").blur()

    page.keyboard.press("e")
    assert page.evaluate("document.getElementById('close-form').contains(document.activeElement)")
    assert page.evaluate("document.activeElement.tagName") in ("SELECT", "INPUT", "TEXTAREA")
    page.locator("#close-form select, #close-form input:not([type=hidden])").first.blur()

    with page.expect_navigation():
        page.keyboard.press("a")
    page.wait_for_selector("text=Assignee saved.")
    assert Claim.objects.get(pk=world.claim_a.pk).assignee == world.agent_a
    assert page.input_value("#assign-form select") == str(world.agent_a.pk)


def test_shortcuts_never_fire_while_typing_in_a_field(page, world):
    add_claims(world, 2)
    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("[data-claim]")
    page.click("#site-search")
    page.keyboard.type("jk?/ea")
    assert page.input_value("#site-search") == "jk?/ea"
    assert page.locator(".kbd-current").count() == 0
    assert page.locator("#shortcut-help[open]").count() == 0
    page.keyboard.press("Escape")  # leaves the field; the shortcuts work again
    page.keyboard.press("j")
    assert page.locator(".kbd-current").count() == 1


def test_question_mark_shows_the_list_of_shortcuts(page, world):
    log_in(page, "agent_a", PASSWORD)
    page.keyboard.press("?")
    dialog = page.locator("#shortcut-help")
    assert dialog.is_visible()
    text = dialog.inner_text()
    assert "Keyboard shortcuts" in text
    for key in ("/", "j", "k", "r", "a", "e", "?"):
        assert dialog.locator("kbd", has_text=key).count() >= 1, key
    page.keyboard.press("Escape")
    assert not dialog.is_visible()


def test_the_list_of_shortcuts_speaks_chinese(page, world):
    from disputes.models import Profile

    Profile.objects.update_or_create(user=world.agent_a, defaults={"language": "zh-hans"})
    log_in(page, "agent_a", PASSWORD)
    page.keyboard.press("?")
    assert "键盘快捷键" in page.inner_text("#shortcut-help")


def test_the_skip_link_is_the_first_stop_and_jumps_to_the_content(page, world):
    log_in(page, "agent_a", PASSWORD)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_the_order_list_pages_with_its_total(page, world):
    from datetime import timedelta

    from django.utils import timezone

    from disputes.models import Order

    now = timezone.now()
    Order.objects.bulk_create(
        Order(
            store=world.store_a,
            platform_order_id=f"113-{n:07d}-0000000",
            purchased_at=now - timedelta(hours=n),
            currency="USD",
        )
        for n in range(60)
    )
    log_in(page, "agent_a", PASSWORD)
    page.goto(reverse("disputes:orders"))
    assert page.inner_text("#order-count") == "Orders 1–50 of 61"
    with page.expect_navigation():
        page.click("#orders-next")
    assert page.inner_text("#order-count") == "Orders 51–61 of 61"
    assert page.locator("#order-list tbody tr").count() == 11
    with page.expect_navigation():
        page.click("#orders-previous")
    assert page.inner_text("#order-count") == "Orders 1–50 of 61"
    assert "113-0000000-0000000" in page.inner_text("#order-list tbody tr >> nth=0")
