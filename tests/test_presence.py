"""Who else has a claim open, and who is replying: the claim page's poll."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disputes import presence
from disputes.models import ClaimPresence

from .conftest import client_for


def poll(client, claim, **data):
    return client.post(reverse("disputes:claim_presence", args=[claim.pk]), data)


def people(response) -> str:
    """The poll's answer, its whitespace folded; the list it is read from is there, so that
    a name found missing is missing from it."""
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    assert 'id="presence-list"' in body
    return " ".join(body.split())


def test_each_agent_sees_the_other_on_the_claim(world):
    agent, manager = client_for(world.agent_a), client_for(world.manager_a)
    assert "has this claim open" not in people(poll(agent, world.claim_a))
    shown = people(poll(manager, world.claim_a))
    assert "agent_a has this claim open" in shown
    assert "manager_a has this claim open" in people(poll(agent, world.claim_a))


def test_a_draft_in_the_reply_box_shows_as_replying(world):
    world.agent_a.first_name = "Mei"
    world.agent_a.save()
    agent, manager = client_for(world.agent_a), client_for(world.manager_a)
    poll(agent, world.claim_a, typing="1")
    shown = people(poll(manager, world.claim_a))
    assert "Mei is replying" in shown and "has this claim open" not in shown
    # The draft was sent or cleared: still there, no longer replying.
    poll(agent, world.claim_a, typing="0")
    shown = people(poll(manager, world.claim_a))
    assert "Mei has this claim open" in shown and "replying" not in shown


def test_a_page_that_stopped_polling_drops_out(world):
    now = timezone.now()
    assert presence.poll(world.agent_a, world.claim_a.pk, typing=True, now=now - timedelta(seconds=60)) == []
    assert presence.poll(world.manager_a, world.claim_a.pk, typing=False, now=now) == []
    fresh = presence.poll(world.manager_a, world.claim_a.pk, typing=False, now=now - timedelta(seconds=61))
    assert fresh == [presence.Present(name="agent_a", replying=True)]


def test_leaving_the_page_clears_it_at_once(world):
    agent, manager = client_for(world.agent_a), client_for(world.manager_a)
    poll(agent, world.claim_a, typing="1", page="tab1")
    assert "agent_a is replying" in people(poll(manager, world.claim_a))
    assert poll(agent, world.claim_a, left="1", page="tab1").status_code == 204
    assert "agent_a" not in people(poll(manager, world.claim_a))
    # The row stays only as the page's goodbye, for the prune.
    assert list(ClaimPresence.objects.filter(user=world.agent_a).values_list("page", "gone")) == [
        ("tab1", True)
    ]


def test_a_poll_handled_after_its_pages_goodbye_does_not_bring_the_person_back(world):
    agent, manager = client_for(world.agent_a), client_for(world.manager_a)
    poll(agent, world.claim_a, page="tab1")
    assert "agent_a has this claim open" in people(poll(manager, world.claim_a))
    poll(agent, world.claim_a, left="1", page="tab1")
    # The poll the page sent just before it went away reaches the server now, with a draft
    # (which always writes): the page is gone, and stays gone.
    assert poll(agent, world.claim_a, typing="1", page="tab1").status_code == 200
    assert "agent_a" not in people(poll(manager, world.claim_a))
    assert ClaimPresence.objects.get(user=world.agent_a).gone


def test_a_goodbye_handled_before_the_pages_first_poll_still_keeps_it_out(world):
    agent, manager = client_for(world.agent_a), client_for(world.manager_a)
    assert poll(agent, world.claim_a, left="1", page="tab1").status_code == 204
    poll(agent, world.claim_a, typing="1", page="tab1")
    assert "agent_a" not in people(poll(manager, world.claim_a))
    # Another load of the page has its own token: it shows at once.
    poll(agent, world.claim_a, typing="1", page="tab2")
    assert "agent_a is replying" in people(poll(manager, world.claim_a))


def test_leaving_one_of_two_tabs_leaves_the_person_on_the_claim_named_once(world):
    world.agent_a.first_name = "Mei"
    world.agent_a.save()
    agent, manager = client_for(world.agent_a), client_for(world.manager_a)
    poll(agent, world.claim_a, page="tab1")
    poll(agent, world.claim_a, typing="1", page="tab2")
    assert people(poll(manager, world.claim_a)).count("Mei") == 1
    assert "Mei is replying" in people(poll(manager, world.claim_a))
    poll(agent, world.claim_a, left="1", page="tab2")
    shown = people(poll(manager, world.claim_a))
    assert "Mei has this claim open" in shown and "replying" not in shown
    poll(agent, world.claim_a, left="1", page="tab1")
    assert "Mei" not in people(poll(manager, world.claim_a))


def test_a_goodbye_holds_only_for_the_user_who_said_it(world):
    # The manager's page happens to send the same token: the agent's goodbye is not his.
    agent, manager = client_for(world.agent_a), client_for(world.manager_a)
    poll(manager, world.claim_a, page="tab1")
    poll(agent, world.claim_a, left="1", page="tab1")
    poll(manager, world.claim_a, page="tab1")
    assert "manager_a has this claim open" in people(poll(agent, world.claim_a, page="tab2"))


def test_a_page_token_longer_than_the_column_is_refused(world):
    agent = client_for(world.agent_a)
    assert poll(agent, world.claim_a, page="x" * (presence.PAGE_TOKEN_MAX + 1)).status_code == 400
    assert poll(agent, world.claim_a, left="1", page="x" * (presence.PAGE_TOKEN_MAX + 1)).status_code == 400
    assert poll(agent, world.claim_a, page="x" * presence.PAGE_TOKEN_MAX).status_code == 200
    assert not ClaimPresence.objects.exclude(page="x" * presence.PAGE_TOKEN_MAX).exists()


def test_presence_is_per_claim(world):
    from .test_queue import add_claims

    other = add_claims(world, 1)[0]
    agent, manager = client_for(world.agent_a), client_for(world.manager_a)
    poll(agent, other, typing="1")
    assert "agent_a" not in people(poll(manager, world.claim_a))
    assert "agent_a is replying" in people(poll(manager, other))


def test_an_outsider_neither_sees_nor_leaves_a_trace(world):
    client_for(world.agent_a).post(
        reverse("disputes:claim_presence", args=[world.claim_a.pk]), {"typing": "1"}
    )
    outsider = client_for(world.agent_b)
    response = poll(outsider, world.claim_a, typing="1")
    assert response.status_code == 404
    assert "agent_a" not in response.content.decode()
    assert poll(outsider, world.claim_a, left="1").status_code == 404
    assert list(ClaimPresence.objects.values_list("user__username", flat=True)) == ["agent_a"]


def test_a_poll_costs_one_read_and_a_write_only_when_needed(world, settings):
    from .test_queue import add_claims

    agent, manager = client_for(world.agent_a), client_for(world.manager_a)
    poll(manager, world.claim_a)
    url = reverse("disputes:claim_presence", args=[world.claim_a.pk])

    def statements(**data) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert agent.post(url, data).status_code == 200
        # The session and the user come first, as on every request.
        return [query["sql"].lower() for query in captured][2:]

    first = statements(typing="0")
    assert len(first) == 2 and "presence" in first[0] and first[1].startswith("insert")
    add_claims(world, 20)
    for claim in add_claims(world, 5):
        poll(manager, claim)
    # Polled again at once: the row is fresh, the draft unchanged; the read alone.
    again = statements(typing="0")
    assert len(again) == 1 and again[0].startswith("select")
    # The draft started: written at once, so the other page learns it at its next poll.
    assert len(statements(typing="1")) == 2
    # Half the freshness gone: written again.
    ClaimPresence.objects.filter(user=world.agent_a).update(
        seen_at=timezone.now() - timedelta(seconds=settings.DESK_PRESENCE_FRESH_SECONDS / 2 + 1)
    )
    assert len(statements(typing="1")) == 2


def test_old_rows_and_old_goodbyes_are_pruned(world):
    now = timezone.now()
    presence.poll(world.agent_a, world.claim_a.pk, typing=False, now=now - timedelta(hours=2))
    presence.poll(world.manager_a, world.claim_a.pk, typing=False, now=now)
    presence.leave(world.agent_a, world.claim_a.pk, page="tab1", now=now - timedelta(hours=2))
    presence.leave(world.manager_a, world.claim_a.pk, page="tab1", now=now - timedelta(minutes=5))
    assert presence.prune(now) == 2
    assert sorted(ClaimPresence.objects.values_list("user__username", "gone")) == [
        ("manager_a", False),
        ("manager_a", True),
    ]


def test_the_claim_page_polls_for_presence(world):
    body = client_for(world.agent_a).get(reverse("disputes:claim", args=[world.claim_a.pk])).content.decode()
    assert 'id="presence"' in body
    assert f'hx-post="{reverse("disputes:claim_presence", args=[world.claim_a.pk])}"' in body
    # The page's token is made by static/js/presence.js (tests/browser/test_working_together.py).
    assert '<input type="hidden" name="page" value="" id="presence-page">' in body
    head = body[: body.index("</head>")]
    assert "js/presence.js" in head
