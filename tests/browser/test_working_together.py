"""Working together on a claim: presence between two browsers, snooze and reopen."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disputes import services, snooze
from disputes.models import Claim, ClaimPresence, ClaimStatus, Outcome

from ..conftest import PASSWORD
from ..drafts import post_mortem
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_agents_see_each_other_and_who_is_replying(browser, live_server, world, settings):
    settings.DESK_PRESENCE_POLL_SECONDS = 1
    world.agent_a.first_name = "Mei"
    world.agent_a.save()
    contexts = [browser.new_context(base_url=live_server.url, locale="en-US") for _ in range(2)]
    try:
        mei, manager = (context.new_page() for context in contexts)
        log_in(mei, "agent_a", PASSWORD)
        log_in(manager, "manager_a", PASSWORD)
        claim_url = f"/claims/{world.claim_a.pk}/"
        mei.goto(claim_url)
        manager.goto(claim_url)

        expect(manager.locator("#presence-people")).to_contain_text("Mei has this claim open")
        expect(mei.locator("#presence-people")).to_contain_text("manager_a has this claim open")

        # Mei starts a reply: the other page says so within a poll or two.
        mei.locator("#compose-text").press_sequentially("Thank you for writing to us")
        expect(manager.locator(".presence-person[data-replying]")).to_have_text("Mei is replying")
        expect(mei.locator("#presence-people")).not_to_contain_text("replying")

        # She clears her draft: still there, no longer replying.
        mei.fill("#compose-text", "")
        mei.locator("#compose-text").dispatch_event("input")
        expect(manager.locator("#presence-people")).to_contain_text("Mei has this claim open")
        expect(manager.locator(".presence-person[data-replying]")).to_have_count(0)

        # She leaves the claim: gone from the other page at its next poll, whenever she leaves
        # (a poll of hers still on its way is refused once her page has said goodbye).
        mei_page = mei.locator("#presence-page").input_value()
        mei.goto("/")
        expect(manager.locator("#presence-people")).not_to_contain_text("Mei")
        expect(manager.locator("#presence-people")).to_be_attached()
        # Her goodbye named her page load: its row is kept as the goodbye (and every poll of
        # hers named it too: the page made its token before its first poll).
        assert mei_page and ClaimPresence.objects.get(user=world.agent_a, page=mei_page).gone
        assert list(ClaimPresence.objects.filter(user=world.agent_a).values_list("page", flat=True)) == [
            mei_page
        ]

        # She comes back to the claim (the browser keeps the page it left, or its HTML): a page
        # load of its own, shown again at once.
        mei.go_back()
        expect(manager.locator("#presence-people")).to_contain_text("Mei has this claim open")
        assert mei.locator("#presence-page").input_value() not in ("", mei_page)

        # The manager's session ends while the page stays open: the poll's login page is not
        # swapped into the claim page; the list just empties.
        contexts[1].clear_cookies()
        expect(manager.locator("#presence-people")).not_to_contain_text("Mei")
        expect(manager.locator("#presence-people input")).to_have_count(0)
    finally:
        for context in contexts:
            context.close()


def test_agent_snoozes_a_claim_and_it_comes_back_at_the_top_of_her_queue(page, world):
    Claim.objects.filter(pk=world.claim_a.pk).update(assignee=world.agent_a)
    log_in(page, "agent_a", PASSWORD)
    row = page.locator(f"tr.claim-row[data-claim='{world.claim_a.pk}']")
    expect(row).to_have_count(1)

    page.goto(f"/claims/{world.claim_a.pk}/")
    # respond_by is 46 hours away: a snooze may run until its first warning, 22 hours away.
    expect(page.locator("#snooze-latest")).to_be_visible()
    until = timezone.localtime() + timedelta(hours=3)
    page.fill("#id_snooze-until", until.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_snooze-note", "Check the tracking again")
    page.click("#snooze-form button")
    expect(page.locator("#snooze-state")).to_contain_text("Snoozed until")
    expect(page.locator(".timeline")).to_contain_text("Snoozed until")
    expect(page.locator(".snooze-note")).to_have_text("Check the tracking again")

    page.goto("/")
    expect(page.locator("#queue-results")).to_be_visible()
    expect(row).to_have_count(0)
    expect(page.locator("#back-from-snooze")).to_have_count(0)

    # Three hours later (the worker's sweep runs as it would then).
    Claim.objects.filter(pk=world.claim_a.pk).update(
        snoozed_until=timezone.now() - timedelta(minutes=1),
        snooze_alert_at=timezone.now() - timedelta(minutes=1),
    )
    assert snooze.remind_due() == 1
    page.goto("/")
    strip = page.locator("#back-from-snooze")
    expect(strip).to_contain_text("Check the tracking again")
    expect(row).to_have_count(1)
    box_strip, box_table = strip.bounding_box(), page.locator("#queue-results").bounding_box()
    assert box_strip and box_table and box_strip["y"] < box_table["y"]
    page.goto("/alerts/")
    expect(page.locator(".alert-rows")).to_contain_text("the snooze has ended")

    page.goto("/")
    strip.get_by_role("button", name="Done: take the snooze off").click()
    expect(page.locator(".messages")).to_contain_text("The snooze is off")
    expect(page.locator("#back-from-snooze")).to_have_count(0)
    expect(row).to_have_count(1)
    page.goto(f"/claims/{world.claim_a.pk}/")
    expect(page.locator(".timeline")).to_contain_text(
        "Snooze ended: the claim is back at the top of agent_a's queue"
    )
    expect(page.locator(".timeline")).to_contain_text("Snooze removed (it was until")


def test_a_snooze_asked_past_the_deadline_is_cut_short(page, world):
    log_in(page, "agent_a", PASSWORD)
    page.goto(f"/claims/{world.claim_a.pk}/")
    page.fill("#id_snooze-until", (timezone.localtime() + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M"))
    page.click("#snooze-form button")
    expect(page.locator("body")).to_contain_text("a snooze never hides a deadline")
    claim = Claim.objects.get(pk=world.claim_a.pk)
    assert claim.respond_by and claim.snoozed_until == claim.respond_by - timedelta(hours=24)


def test_agent_reopens_a_closed_claim_with_a_reason(page, world):
    claim = Claim.objects.get(pk=world.claim_a.pk)
    services.claim_close(
        claim=claim,
        outcome=Outcome.DENIED,
        by=world.agent_a,
        version=claim.version,
        post_mortem=post_mortem(world.agent_a),
    )
    log_in(page, "agent_a", PASSWORD)
    page.goto(f"/claims/{world.claim_a.pk}/")
    expect(page.locator("#claim-status")).to_contain_text("Closed")
    page.fill("#id_reopen-reason", "The buyer reopened the case with new photos")
    page.click("#reopen-form button")
    expect(page.locator("body")).to_contain_text("Claim reopened.")
    expect(page.locator("#claim-status")).to_have_text("In progress")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text(
        "Claim reopened as In progress (it was closed: Denied / closed in the seller's favour)"
    )
    expect(timeline).to_contain_text("The buyer reopened the case with new photos")
    # The post-mortem of the first closing stays on the page; the actions are back.
    expect(page.locator(".post-mortem")).to_have_count(1)
    expect(page.locator("#close-form")).to_be_visible()
    assert Claim.objects.get(pk=world.claim_a.pk).status == ClaimStatus.IN_PROGRESS
    assert page.csp_violations == []
