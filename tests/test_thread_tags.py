"""Tags on buyer threads: set by hand on the thread panel (htmx or a plain POST), only of the
thread's own store, noted on the order's open claims; the buyer threads page filters on them;
a "buyer message arrives" rule tags the thread, counted in its dry run and undone by a person."""

from django.urls import reverse

from disputes import rules, timeline
from disputes.models import ClaimEvent, Order, Rule, RuleFailure, Tag, TagColour
from messaging.automation import BUYER_MESSAGE
from messaging.models import Thread
from messaging.services import message_receive, thread_set_tags

from .conftest import client_for


def tags_of(thread) -> list[str]:
    return sorted(thread.tags.values_list("name", flat=True))


def test_setting_a_threads_tags_keeps_to_its_store_and_notes_each_change_on_the_open_claims(world):
    fragile = Tag.objects.create(store=world.store_a, name="fragile", colour=TagColour.RED)
    vip = Tag.objects.create(store=world.store_a, name="vip")
    elsewhere = Tag.objects.create(store=world.store_b, name="elsewhere")
    added, removed = thread_set_tags(
        order=world.order_a, tag_ids=[fragile.pk, elsewhere.pk], by=world.agent_a
    )
    thread = Thread.objects.get(order=world.order_a)
    assert (added, removed) == ([fragile], [])
    assert tags_of(thread) == ["fragile"]  # the other store's tag was never put on
    thread_set_tags(order=world.order_a, tag_ids=[vip.pk], by=world.agent_a)
    assert tags_of(thread) == ["vip"]
    entries = ClaimEvent.objects.filter(claim=world.claim_a, action__startswith="thread_").order_by("pk")
    assert [timeline.worded(entry).sentence for entry in entries] == [
        "Tag “fragile” added to the buyer thread",
        "Tag “vip” added to the buyer thread",
        "Tag “fragile” removed from the buyer thread",
    ]
    assert {entry.actor for entry in entries} == {world.agent_a}


def test_the_panel_shows_the_threads_tags_and_saves_them_in_place_or_by_a_plain_post(world):
    fragile = Tag.objects.create(store=world.store_a, name="fragile", colour=TagColour.RED)
    client = client_for(world.agent_a)
    page = client.get(reverse("disputes:order", args=[world.order_a.pk])).content.decode()
    assert 'id="thread-tags-form"' in page and f'value="{fragile.pk}">' in page
    url = reverse("messaging:thread_tags", args=[world.order_a.pk])

    card = client.post(url, {"tags": [str(fragile.pk)]}, headers={"HX-Request": "true"})
    assert card.status_code == 200
    html = card.content.decode()
    assert html.lstrip().startswith('<div class="thread-tags" id="thread-tags">')
    assert "Tags saved." in html and f'value="{fragile.pk}" checked' in html
    assert tags_of(Thread.objects.get(order=world.order_a)) == ["fragile"]

    plain = client.post(url, {"tags": []})
    assert plain.status_code == 302 and plain["Location"].endswith("#thread")
    assert tags_of(Thread.objects.get(order=world.order_a)) == []


def test_another_teams_thread_cannot_be_tagged(world):
    fragile = Tag.objects.create(store=world.store_a, name="fragile")
    response = client_for(world.agent_b).post(
        reverse("messaging:thread_tags", args=[world.order_a.pk]), {"tags": [str(fragile.pk)]}
    )
    assert response.status_code == 404
    assert not Thread.objects.filter(order=world.order_a, tags=fragile).exists()


def _thread_on(world, number: str, body: str) -> Thread:
    order = Order.objects.create(
        store=world.store_a,
        platform_order_id=f"111-0000002-000000{number}",
        purchased_at=world.order_a.purchased_at,
        currency="USD",
        total="10.00",
    )
    message_receive(order=order, body=body)
    return Thread.objects.get(order=order)


def test_the_buyer_threads_page_filters_on_a_tag_in_a_pinned_number_of_queries(
    world, django_assert_num_queries
):
    fragile = Tag.objects.create(store=world.store_a, name="fragile")
    tagged = _thread_on(world, "1", "The vase arrived in pieces")
    _thread_on(world, "2", "Where is my parcel?")
    tagged.tags.add(fragile)
    client = client_for(world.agent_a)
    url = reverse("messaging:threads")
    everything = client.get(url).content.decode()
    assert everything.count('<tr data-order="') == 2
    # The session and user (2), the form's stores and tags (2), the threads with their latest
    # message and their tags (2), the header's unread alerts (1).
    with django_assert_num_queries(7):
        filtered = client.get(url, {"tag": fragile.pk}).content.decode()
    assert filtered.count('<tr data-order="') == 1
    assert 'data-order="111-0000002-0000001"' in filtered and "The vase arrived in pieces" in filtered
    # The other team sees neither thread, with or without the tag.
    outsider = client_for(world.agent_b).get(url, {"tag": fragile.pk}).content.decode()
    assert '<tr data-order="' not in outsider and 'id="threads"' in outsider


def test_a_buyer_message_rule_tags_the_thread_counted_in_its_dry_run_and_undone_by_a_person(world):
    refund = Tag.objects.create(store=world.store_a, name="refund asked")
    rule = Rule.objects.create(
        store=world.store_a,
        name="Refund words",
        trigger=BUYER_MESSAGE,
        conditions={"message_words": "refund"},
        actions={"tag_thread": [refund.pk]},
        is_active=True,
        position=1,
    )
    message_receive(order=world.order_a, body="I want a refund, the lid is broken")
    thread = Thread.objects.get(order=world.order_a)
    assert tags_of(thread) == ["refund asked"]
    change = ClaimEvent.objects.get(claim=world.claim_a, action=timeline.Action.RULE_CHANGE)
    assert timeline.worded(change).sentence == "Rule “Refund words” tagged the buyer thread “refund asked”"
    # A second message does not tag it twice; the dry run sees it tagged already.
    message_receive(order=world.order_a, body="Still waiting for the refund")
    assert ClaimEvent.objects.filter(claim=world.claim_a, action=timeline.Action.RULE_CHANGE).count() == 1
    assert rules.dry_run(rule).actions == [("Tag the buyer's thread", 0)]
    assert rules.undo_change(event=change, by=world.manager_a)
    assert tags_of(thread) == []
    assert rules.dry_run(rule).actions == [("Tag the buyer's thread", 1)]


def test_a_rule_can_never_put_another_stores_tag_on_a_thread(world):
    elsewhere = Tag.objects.create(store=world.store_b, name="elsewhere")
    rule = Rule.objects.create(
        store=world.store_a,
        name="Cross-store",
        trigger=BUYER_MESSAGE,
        actions={"tag_thread": [elsewhere.pk]},
        is_active=True,
        position=1,
    )
    message_receive(order=world.order_a, body="Hello, where is my parcel?")
    assert tags_of(Thread.objects.get(order=world.order_a)) == []
    assert "another store" in RuleFailure.objects.get(rule=rule).error
