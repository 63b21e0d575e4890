"""The claim page's "Fight or refund?" card: it asks for information while evidence is missing,
turns to "fight" as soon as the last item is uploaded (no reload), and keeps the agent's own
choice when it differs from the advice."""

import pytest

from disputes.models import Choice, Claim, ClaimEvent
from disputes.timeline import Action
from evidence.models import EvidenceKind

from ..conftest import PASSWORD
from ..evidence_corpus import pdf
from ..test_advice import add_evidence, plain_orders, team_record
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_advice_turns_to_fight_when_the_last_evidence_arrives_and_the_agent_overrules_it(
    page, world, tmp_path
):
    team_record(world.store_a, won=8, lost=2)
    plain_orders(world.store_a, 300)
    add_evidence(world.order_a, [EvidenceKind.TRACKING_HISTORY, EvidenceKind.CARRIER_CORRESPONDENCE])
    signed = tmp_path / "signed-for.pdf"
    signed.write_bytes(pdf("Delivered 3 May, signed for at the buyer's address."))

    log_in(page, "agent_a", PASSWORD)
    page.wait_for_selector("h1:text('Queue')")
    page.goto(f"/claims/{world.claim_a.pk}/")
    card = page.locator("#advice-card")
    assert card.locator("[data-recommendation]").get_attribute("data-recommendation") == "ask_info"
    assert "Proof of delivery (signature, date, address)" in card.inner_text()
    assert "The team wins about 78% of claims like it" in card.inner_text()

    page.select_option("#evidence-kind", "proof_of_delivery")
    page.set_input_files("#evidence-files", str(signed))
    page.click("[data-upload-submit]")
    page.wait_for_selector(".upload-row.upload-done")
    page.wait_for_selector("#advice-card [data-recommendation=fight]")
    assert "3 of 3 present" in card.inner_text()

    # The agent refunds anyway: the card says so, and the desk keeps both.
    card.get_by_role("button", name="Refund").click()
    page.wait_for_selector("#advice-chosen")
    assert "against the advice: Fight" in page.inner_text("#advice-chosen")
    claim = Claim.objects.get(pk=world.claim_a.pk)
    assert (claim.choice, claim.choice_advised) == (Choice.REFUND, Choice.FIGHT)
    assert ClaimEvent.objects.filter(claim=claim, action=Action.CHOSEN, actor=world.agent_a).count() == 1
    assert page.csp_violations == []
