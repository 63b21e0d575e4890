"""Reopening a closed claim: with a reason, on the timeline, under the row lock."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from disputes import services, timeline
from disputes.models import Claim, ClaimStatus, Outcome, PostMortem

from .drafts import post_mortem
from .page_forms import form_data


def close(world, outcome=Outcome.GRANTED_SELLER_FUNDED) -> Claim:
    claim = Claim.objects.get(pk=world.claim_a.pk)
    return services.claim_close(
        claim=claim,
        outcome=outcome,
        by=world.agent_a,
        version=claim.version,
        post_mortem=post_mortem(world.agent_a),
    )


def test_reopening_withdraws_the_outcome_and_keeps_the_post_mortem(world):
    closed = close(world)
    assert closed.appeal_by is not None and closed.counts_toward_odr
    reopened = services.claim_reopen(
        claim=closed, by=world.manager_a, version=closed.version, reason="The buyer reopened the case"
    )
    assert reopened.status == ClaimStatus.IN_PROGRESS and reopened.outcome == ""
    assert reopened.closed_at is None and reopened.decided_at is None and reopened.appeal_by is None
    assert reopened.counts_toward_odr  # pending claims count
    # The closing's post-mortem stays, with the outcome it was written for.
    assert list(PostMortem.objects.filter(claim=reopened).values_list("outcome", flat=True)) == [
        Outcome.GRANTED_SELLER_FUNDED
    ]
    event = reopened.events.get(action="reopened")
    assert event.actor == world.manager_a
    worded = timeline.worded(event)
    assert worded.sentence == ("Claim reopened as In progress (it was closed: Granted — seller-funded)")
    assert worded.details == ["The buyer reopened the case"]
    with translation.override("zh-hans"):
        assert timeline.worded(event).sentence.startswith("索赔已重新打开")


def test_a_deadline_still_ahead_is_alerted_again_a_past_one_is_not(world):
    closed = close(world, Outcome.DENIED)
    assert closed.next_alert_at is None
    reopened = services.claim_reopen(
        claim=closed, by=world.agent_a, version=closed.version, reason="Reversed"
    )
    assert reopened.next_alert_at is not None and reopened.next_alert_at > timezone.now()
    Claim.objects.filter(pk=reopened.pk).update(respond_by=timezone.now() - timezone.timedelta(days=1))
    closed = close(world, Outcome.DENIED)
    reopened = services.claim_reopen(claim=closed, by=world.agent_a, version=closed.version, reason="Again")
    assert reopened.next_alert_at is None


def test_closing_again_asks_for_a_new_post_mortem(world):
    closed = close(world)
    reopened = services.claim_reopen(
        claim=closed, by=world.agent_a, version=closed.version, reason="Reopened"
    )
    with pytest.raises(services.ClaimError, match="post-mortem"):
        services.claim_close(
            claim=reopened,
            outcome=Outcome.DENIED,
            by=world.agent_a,
            version=reopened.version,
            post_mortem=None,
        )
    close(world, Outcome.DENIED)
    assert PostMortem.objects.filter(claim=world.claim_a).count() == 2


def test_only_a_closed_claim_with_a_reason_reopens(world):
    claim = Claim.objects.get(pk=world.claim_a.pk)
    with pytest.raises(services.ClaimError, match="Only a closed claim"):
        services.claim_reopen(claim=claim, by=world.agent_a, version=claim.version, reason="Why not")
    closed = close(world)
    with pytest.raises(services.ClaimError, match="Say why"):
        services.claim_reopen(claim=closed, by=world.agent_a, version=closed.version, reason="   ")
    assert Claim.objects.get(pk=closed.pk).status == ClaimStatus.CLOSED


def test_a_stale_reopen_is_a_conflict(world):
    closed = close(world)
    with pytest.raises(services.ClaimConflict):
        services.claim_reopen(claim=closed, by=world.agent_a, version=closed.version - 1, reason="Old page")
    assert Claim.objects.get(pk=closed.pk).status == ClaimStatus.CLOSED


def test_reopening_from_the_claim_page(world, agent_client):
    close(world, Outcome.DENIED)
    url = reverse("disputes:claim", args=[world.claim_a.pk])
    body = agent_client.get(url).content.decode()
    assert 'id="snooze-form"' not in body
    data = form_data(body, "reopen-form")
    response = agent_client.post(reverse("disputes:claim_reopen", args=[world.claim_a.pk]), data)
    assert response.status_code == 400  # no reason given: refused in place
    assert "This field is required." in response.content.decode()
    data["reopen-reason"] = "eBay reopened the case after the buyer's appeal"
    response = agent_client.post(reverse("disputes:claim_reopen", args=[world.claim_a.pk]), data, follow=True)
    body = response.content.decode()
    assert "Claim reopened." in body and "eBay reopened the case after the buyer&#x27;s appeal" in body
    assert 'id="reopen-form"' not in body and 'id="snooze-form"' in body
