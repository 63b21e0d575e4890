"""Closing a claim records when the platform decided; the appeal window counts from then."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import deadlines, services
from disputes.models import ClaimKind, ClaimStatus, DeadlineKind, Outcome, Reason
from disputes.services import ClaimError

from .drafts import closing_post, post_mortem


def open_a_to_z(world, *, days_ago: int = 10):
    return services.claim_open(
        order=world.order_a,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        by=world.agent_a,
        opened_at=timezone.now() - timedelta(days=days_ago),
    )


def close(world, claim, **extra):
    return services.claim_close(
        claim=claim,
        outcome=Outcome.GRANTED_SELLER_FUNDED,
        by=world.agent_a,
        version=claim.version,
        post_mortem=post_mortem(world.agent_a),
        **extra,
    )


def test_the_appeal_window_counts_from_the_platforms_decision_not_from_data_entry(world):
    claim = open_a_to_z(world)
    decided = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    claim = close(world, claim, decided_at=decided)
    assert claim.decided_at == decided
    assert timezone.now() - claim.closed_at < timedelta(minutes=1)  # entered today
    rule = deadlines.rule_for("amazon", ClaimKind.A_TO_Z, DeadlineKind.APPEAL)
    assert claim.appeal_by == deadlines.compute_due(rule, decided, store=world.store_a)
    assert claim.appeal_by - timezone.now() < timedelta(days=27, hours=1)  # three days already gone
    assert claim.events.get(action="decided").params["decided_at"] == decided.isoformat()


def test_closing_without_a_decision_time_takes_the_closing_moment(world):
    claim = close(world, open_a_to_z(world))
    assert claim.decided_at == claim.closed_at


def test_a_decision_in_the_future_is_refused_and_nothing_changes(world):
    claim = open_a_to_z(world)
    with pytest.raises(ClaimError, match="cannot be in the future"):
        close(world, claim, decided_at=timezone.now() + timedelta(hours=2))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NEW and claim.decided_at is None and not claim.post_mortems.exists()


def test_a_decision_before_the_claim_opened_is_refused(world):
    claim = open_a_to_z(world, days_ago=2)
    with pytest.raises(ClaimError, match="before the claim was opened"):
        close(world, claim, decided_at=claim.opened_at - timedelta(minutes=1))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NEW


def test_reopening_to_appeal_clears_the_decision(world):
    claim = close(world, open_a_to_z(world), decided_at=timezone.now() - timedelta(days=1))
    claim = services.claim_appeal(claim=claim, by=world.agent_a, version=claim.version)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPEALING and claim.decided_at is None and claim.closed_at is None


def test_the_close_form_records_when_the_platform_decided(agent_client, world):
    claim = open_a_to_z(world)
    decided = (timezone.now() - timedelta(days=3)).replace(second=0, microsecond=0)
    response = agent_client.post(
        reverse("disputes:claim_close", args=[claim.pk]),
        {
            "outcome": "granted_seller",
            "version": claim.version,
            "decided_at": decided.strftime("%Y-%m-%dT%H:%M"),
            **closing_post(world.agent_a),
        },
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.decided_at == decided
    rule = deadlines.rule_for("amazon", ClaimKind.A_TO_Z, DeadlineKind.APPEAL)
    assert claim.appeal_by == deadlines.compute_due(rule, decided, store=world.store_a)
    page = agent_client.get(reverse("disputes:claim", args=[claim.pk])).content.decode()
    assert 'id="decided-at"' in page and "Platform decided" in page


def test_the_close_form_asks_when_the_platform_decided(agent_client, world):
    page = agent_client.get(reverse("disputes:claim", args=[world.claim_a.pk])).content.decode()
    assert 'name="decided_at"' in page and "The platform decided at" in page


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (timedelta(days=1), "The platform&#x27;s decision cannot be in the future."),
        (-timedelta(days=30), "The platform cannot have decided before the claim was opened."),
    ],
    ids=["future", "before-opening"],
)
def test_an_impossible_decision_time_gets_a_form_error(agent_client, world, when, message):
    claim = open_a_to_z(world)
    response = agent_client.post(
        reverse("disputes:claim_close", args=[claim.pk]),
        {
            "outcome": "denied",
            "version": claim.version,
            "decided_at": (timezone.now() + when).strftime("%Y-%m-%dT%H:%M"),
            **closing_post(world.agent_a),
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NEW
