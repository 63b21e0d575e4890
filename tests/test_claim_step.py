"""j / k on the claim page: the next or previous claim of the queue, with the queue's filters."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes.models import Claim, ClaimKind, ClaimStatus, Reason

from .conftest import client_for


@pytest.fixture
def line(world):
    """Store A's open claims in queue order: due in 10 h, the world's (46 h), no deadline; and a
    closed one due in 20 h that only "any status" shows."""
    now = timezone.now()

    def claim(due, **extra):
        return Claim.objects.create(
            store=world.store_a,
            order=world.order_a,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.DAMAGED,
            opened_at=now - timedelta(hours=1),
            respond_by=due,
            **extra,
        )

    soon = claim(now + timedelta(hours=10))
    closed = claim(now + timedelta(hours=20), status=ClaimStatus.CLOSED, closed_at=now)
    undated = claim(None)
    return soon, world.claim_a, undated, closed


def step(client, claim, direction: str, query: str = ""):
    url = reverse(f"disputes:claim_{direction}", args=[claim.pk]) + query
    response = client.get(url)
    assert response.status_code == 302
    return response["Location"]


def claim_url(claim) -> str:
    return reverse("disputes:claim", args=[claim.pk])


def test_next_and_previous_follow_the_queue_order(world, line):
    soon, middle, undated, _closed = line
    client = client_for(world.agent_a)
    assert step(client, soon, "next") == claim_url(middle)
    assert step(client, middle, "next") == claim_url(undated)
    assert step(client, undated, "previous") == claim_url(middle)
    assert step(client, middle, "previous") == claim_url(soon)


def test_past_either_end_it_goes_back_to_the_queue_and_says_so(world, line):
    soon, _middle, undated, _closed = line
    client = client_for(world.agent_a)
    assert step(client, undated, "next") == reverse("disputes:queue")
    html = client.get(reverse("disputes:queue")).content.decode()
    assert "That was the last claim of the queue." in html
    assert step(client, soon, "previous", "?status=open") == reverse("disputes:queue") + "?status=open"


def test_the_queue_filters_come_along(world, line):
    soon, middle, undated, closed = line
    client = client_for(world.agent_a)
    # "Any status" shows the closed claim too, after every open one (as the queue lists them).
    assert step(client, soon, "next", "?status=any") == claim_url(middle)
    assert step(client, undated, "next", "?status=any") == claim_url(closed)
    assert step(client, closed, "previous", "?status=any") == claim_url(undated)
    assert step(client, closed, "next", "?status=any") == reverse("disputes:queue") + "?status=any"
    # Filtered to unassigned-to-me: nothing is assigned, so "me" leaves none after it.
    assert step(client, soon, "next", "?assignee=me") == reverse("disputes:queue") + "?assignee=me"
