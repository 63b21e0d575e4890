"""A manager makes a macro from a claim's macros card; an agent applies it on the claim with one
click, finds the template in the composer and each step on the timeline."""

import pytest

from disputes.models import ClaimStatus, Tag
from messaging.models import Direction, Macro, Message

from ..conftest import PASSWORD
from ..test_macros import _template
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_makes_a_macro_and_an_agent_applies_it_step_by_step(page, world):
    template = _template()  # "We are on it"
    Tag.objects.create(store=world.store_a, name="fragile", colour="red")
    claim_url = f"/claims/{world.claim_a.pk}/"

    log_in(page, "manager_a", PASSWORD)
    page.goto(claim_url)
    assert "This store has no macros yet." in page.inner_text("#macros")
    page.click('#macros a:text("The store\'s macros")')
    page.wait_for_selector("h1:text('Macros · Alpha Amazon US')")
    page.fill("#id_name", "Take it")
    page.select_option("#id_template", label="We are on it")
    page.select_option("#id_status", "in_progress")
    page.check("#macro-form label:has-text('fragile') input[name=tags]")
    page.select_option("#id_assign", "person")
    page.select_option("#id_assignee", label="agent_a")
    page.click("#macro-form button[type=submit]")
    page.wait_for_selector("text=Macro “Take it” added.")
    macro = Macro.objects.get(store=world.store_a)
    row = page.inner_text(f"#macro-row-{macro.pk}")
    assert "We are on it" in row and "fragile" in row and "agent_a" in row

    page.context.clear_cookies()
    log_in(page, "agent_a", PASSWORD)
    page.goto(claim_url)
    page.click(f"#macro-{macro.pk}")
    page.wait_for_selector("text=Macro “Take it” applied.")
    assert page.url.endswith(f"{claim_url}?fill={template.pk}#compose")
    # The template waits in the composer, filled in, for the agent to review and send.
    assert page.input_value("#compose-text") == (
        f"Hello, we are looking into order {world.order_a.platform_order_id} now."
    )
    assert not Message.objects.filter(direction=Direction.TO_BUYER).exists()

    # Each step is its own entry, in the macro's order, after the entry that names the macro.
    entries = page.locator("#timeline li.timeline-entry").all_inner_texts()
    steps = [
        "Macro “Take it” applied; its steps follow",
        "Status changed from New to In progress",
        "Tag “fragile” added",
        "Assigned to agent_a",
    ]
    assert all(step in entry for step, entry in zip(steps, entries[-4:], strict=True)), entries
    world.claim_a.refresh_from_db()
    assert (world.claim_a.status, world.claim_a.assignee) == (ClaimStatus.IN_PROGRESS, world.agent_a)
    assert page.csp_violations == []
