"""Tags: per store, put on claims by people (with timeline entries), filtered on in the queue,
kept in saved views, and written to the queue's CSV."""

import csv
import io

from django.urls import reverse

from disputes import timeline
from disputes.models import Claim, ClaimEvent, ClaimKind, Order, Reason, SavedView, Tag, TagColour
from disputes.selectors import QueueFilters, queue_claims
from disputes.tagging import claim_set_tags
from messaging.services import thread_set_tags

from .conftest import client_for


def test_tagging_a_claim_by_hand_writes_each_change_to_the_timeline(world):
    fragile = Tag.objects.create(store=world.store_a, name="fragile", colour=TagColour.RED)
    vip = Tag.objects.create(store=world.store_a, name="vip")
    elsewhere = Tag.objects.create(store=world.store_b, name="fragile")
    claim_set_tags(claim=world.claim_a, tag_ids=[fragile.pk, elsewhere.pk], by=world.agent_a)
    assert list(world.claim_a.tags.all()) == [fragile]  # another store's tag is ignored
    claim_set_tags(claim=world.claim_a, tag_ids=[vip.pk], by=world.agent_a)
    assert list(world.claim_a.tags.all()) == [vip]
    events = ClaimEvent.objects.filter(claim=world.claim_a, action__in=["tagged", "untagged"]).order_by("pk")
    assert [timeline.worded(e).sentence for e in events] == [
        "Tag “fragile” added",
        "Tag “vip” added",
        "Tag “fragile” removed",
    ]


def test_the_queue_filters_on_a_tag_and_a_saved_view_keeps_it(world):
    fragile = Tag.objects.create(store=world.store_a, name="fragile")
    assert list(queue_claims(world.agent_a, QueueFilters(tag=str(fragile.pk)))) == []
    world.claim_a.tags.add(fragile)
    assert list(queue_claims(world.agent_a, QueueFilters(tag=str(fragile.pk)))) == [world.claim_a]

    client = client_for(world.agent_a)
    page = client.get(reverse("disputes:queue"), {"tag": fragile.pk})
    assert world.order_a.platform_order_id in page.content.decode()
    client.post(reverse("disputes:saved_view_save"), {"name": "fragile ones", "query": f"tag={fragile.pk}"})
    assert SavedView.objects.get(user=world.agent_a, name="fragile ones").query == f"tag={fragile.pk}"


def test_the_queue_csv_lists_the_filtered_claims_with_their_tags(world):
    fragile = Tag.objects.create(store=world.store_a, name="fragile")
    vip = Tag.objects.create(store=world.store_a, name="vip")
    world.claim_a.tags.add(fragile, vip)
    response = client_for(world.agent_a).get(reverse("disputes:queue_csv"), {"tag": vip.pk})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][-1] == "Tags"
    assert [(row[1], row[-1]) for row in rows[1:]] == [(world.order_a.platform_order_id, "fragile, vip")]
    unused = Tag.objects.create(store=world.store_a, name="unused")
    other = client_for(world.agent_a).get(reverse("disputes:queue_csv"), {"tag": unused.pk})
    assert len(list(csv.reader(io.StringIO(b"".join(other.streaming_content).decode("utf-8-sig"))))) == 1


def test_a_manager_creates_a_tag_and_the_same_name_twice_is_refused_in_place(world):
    client = client_for(world.manager_a)
    url = reverse("disputes:tag_create", args=[world.store_a.pk])
    assert client.post(url, {"name": "fragile", "colour": "red"}).status_code == 302
    again = client.post(url, {"name": "Fragile", "colour": "blue"})
    assert again.status_code == 200
    assert "This store already has that tag." in again.content.decode()
    assert list(Tag.objects.filter(store=world.store_a).values_list("name", "colour")) == [("fragile", "red")]


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_queue_csv_stops_at_its_cap_and_says_more_claims_match(world, settings):
    for number in range(2, 5):
        order = Order.objects.create(
            store=world.store_a,
            platform_order_id=f"111-0000001-000000{number}",
            purchased_at=world.order_a.purchased_at,
            currency="USD",
            total="10.00",
        )
        Claim.objects.create(
            store=world.store_a,
            order=order,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.NOT_RECEIVED,
            opened_at=world.claim_a.opened_at,
            respond_by=world.claim_a.respond_by,
        )
    client = client_for(world.agent_a)
    settings.QUEUE_CSV_CAP = 4
    whole = _csv_rows(client.get(reverse("disputes:queue_csv")))
    assert len(whole) == 1 + 4 and all(len(row) == 10 for row in whole)
    settings.QUEUE_CSV_CAP = 3
    cut = _csv_rows(client.get(reverse("disputes:queue_csv")))
    assert cut[:4] == whole[:4]
    assert cut[4] == [
        "More claims match these filters: only the first 3 are in this file. "
        "Narrow the filters (store, status, due window, tag) to export the rest."
    ]
    assert len(cut) == 5


def test_the_claim_page_marks_the_claims_tags_and_the_threads_among_its_stores_by_name(world):
    vip = Tag.objects.create(store=world.store_a, name="vip", colour=TagColour.RED)
    fragile = Tag.objects.create(store=world.store_a, name="fragile")
    new = Tag.objects.create(store=world.store_a, name="new")
    Tag.objects.create(store=world.store_b, name="elsewhere")
    claim_set_tags(claim=world.claim_a, tag_ids=[vip.pk], by=world.agent_a)
    thread_set_tags(order=world.claim_a.order, tag_ids=[fragile.pk], by=world.agent_a)
    page = client_for(world.agent_a).get(reverse("disputes:claim", args=[world.claim_a.pk])).content.decode()
    claim_card = page.split('id="claim-tags"')[1].split("</section>")[0]
    thread_card = page.split('id="thread-tags"')[1].split("</form>")[0]
    for card, on, off in [(claim_card, vip, fragile), (thread_card, fragile, vip)]:
        order = [card.index(f'value="{tag.pk}"') for tag in [fragile, new, vip]]
        assert order == sorted(order)  # by name, neither by id nor against it
        assert f'value="{on.pk}" checked>' in card and f'value="{off.pk}">' in card
        assert f'<span class="tag tag-{on.colour}">{on.name}</span> ' in card.split("<details>")[0]
        assert f">{off.name}</span> " not in card.split("<details>")[0]
    assert "elsewhere" not in page
