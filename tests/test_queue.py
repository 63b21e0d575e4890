from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import Claim, ClaimKind, ClaimStatus, Order, Reason
from disputes.selectors import PAGE_SIZE

from .page_forms import form_data
from .queries import assert_queries_pinned


def add_claims(world, count: int, *, store=None, start_hours: int = 1, **extra) -> list[Claim]:
    store = store or world.store_a
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            store=store,
            platform_order_id=f"Q-{store.pk}-{Order.objects.count()}-{i}",
            purchased_at=now - timedelta(days=5),
            currency=store.currency,
        )
        for i in range(count)
    )
    return Claim.objects.bulk_create(
        Claim(
            store=store,
            order=order,
            kind=extra.get("kind", ClaimKind.A_TO_Z),
            reason=Reason.NOT_RECEIVED,
            opened_at=now,
            order_purchased_at=order.purchased_at,
            respond_by=now + timedelta(hours=start_hours + i),
            status=extra.get("status", ClaimStatus.NEW),
            assignee=extra.get("assignee"),
        )
        for i, order in enumerate(orders)
    )


def queue_ids(client, **params) -> list[int]:
    response = client.get(reverse("disputes:queue"), params)
    assert response.status_code == 200
    return [claim.pk for claim, _due in response.context["rows"]]


def test_queue_shows_claims_due_soonest_first(agent_client, world):
    later = add_claims(world, 1, start_hours=100)[0]
    sooner = add_claims(world, 1, start_hours=3)[0]
    assert queue_ids(agent_client) == [sooner.pk, world.claim_a.pk, later.pk]


def test_queue_never_shows_another_stores_claims(outsider_client, world):
    add_claims(world, 3)
    own = add_claims(world, 2, store=world.store_b)
    assert sorted(queue_ids(outsider_client)) == sorted(c.pk for c in own)
    # Naming store A in the URL is not a way in: the filter is refused and only own claims show.
    assert sorted(queue_ids(outsider_client, store=world.store_a.pk)) == sorted(c.pk for c in own)


def test_filters_by_assignee_status_kind_and_due(agent_client, world):
    mine = add_claims(world, 1, assignee=world.agent_a)[0]
    chargeback = add_claims(world, 1, kind=ClaimKind.CHARGEBACK)[0]
    closed = add_claims(world, 1, status=ClaimStatus.IN_PROGRESS)[0]
    Claim.objects.filter(pk=closed.pk).update(status=ClaimStatus.CLOSED, closed_at=timezone.now())
    overdue = add_claims(world, 1, start_hours=-5)[0]
    assert queue_ids(agent_client, assignee="me") == [mine.pk]
    assert chargeback.pk in queue_ids(agent_client, kind="chargeback")
    assert queue_ids(agent_client, kind="chargeback") == [chargeback.pk]
    assert closed.pk not in queue_ids(agent_client)
    assert queue_ids(agent_client, status="closed") == [closed.pk]
    assert queue_ids(agent_client, due="overdue") == [overdue.pk]
    assert world.claim_a.pk not in queue_ids(agent_client, assignee="unassigned", due="24h")


def test_bad_filter_values_fall_back_to_defaults(agent_client, world):
    assert queue_ids(agent_client, status="bogus", due="yesterday", store="x") == [world.claim_a.pk]


def test_keyset_paging_walks_every_claim_once(agent_client, world):
    add_claims(world, PAGE_SIZE + 7)
    seen, cursor, pages = [], "", 0
    while True:
        response = agent_client.get(reverse("disputes:queue"), {"cursor": cursor} if cursor else {})
        seen += [claim.pk for claim, _due in response.context["rows"]]
        pages += 1
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
    assert pages == 2
    assert len(seen) == len(set(seen)) == PAGE_SIZE + 8


def test_a_garbled_cursor_starts_from_the_top(agent_client, world):
    assert queue_ids(agent_client, cursor="not-base64!!") == [world.claim_a.pk]


def test_htmx_request_gets_only_the_results_partial(agent_client, world):
    response = agent_client.get(reverse("disputes:queue"), {"kind": "a_to_z"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="queue-results"')
    assert "<html" not in body


def test_countdown_badge_colours(agent_client, world):
    add_claims(world, 1, start_hours=-2)
    body = agent_client.get(reverse("disputes:queue")).content.decode()
    assert "badge-overdue" in body and "overdue by" in body


def test_queue_query_count_is_pinned(agent_client, world):
    # 9 for the claims and the user's improvement actions, 2 for the buyer messages waiting for a
    # reply (list, overdue count), 1 for the user's saved views.
    assert_queries_pinned(
        agent_client,
        reverse("disputes:queue"),
        expected=12,
        add_rows=lambda: add_claims(world, 30, assignee=world.agent_a),
    )


def test_bulk_assign_from_the_queue(manager_client, world):
    claims = add_claims(world, 3)
    response = manager_client.post(
        reverse("disputes:claims_assign"),
        {
            "claims": [c.pk for c in claims],
            "assignee": world.agent_a.pk,
        },
    )
    assert response.status_code == 302
    assert Claim.objects.filter(assignee=world.agent_a).count() == 3


def test_bulk_assign_leaves_a_claim_someone_reassigned_since_the_queue_was_loaded(manager_client, world):
    taken, free = add_claims(world, 2)
    queue = manager_client.get(reverse("disputes:queue")).content.decode()
    services.claim_assign(claims=[taken], assignee=world.agent_a, by=world.agent_a, loaded={taken.pk: None})
    response = manager_client.post(
        reverse("disputes:claims_assign"),
        {
            **form_data(queue, "bulk-assign"),
            "claims": [taken.pk, free.pk],
            "assignee": world.manager_a.pk,
        },
        follow=True,
    )
    body = response.content.decode()
    assert "1 claim assigned to manager_a." in body
    assert (
        f"Skipped #{taken.pk} (order {taken.order.platform_order_id}): agent_a changed the assignee to agent_a"
        in body
    )
    taken.refresh_from_db()
    free.refresh_from_db()
    assert taken.assignee == world.agent_a and free.assignee == world.manager_a


def test_outsider_cannot_bulk_assign_store_a_claims(outsider_client, world):
    outsider_client.post(
        reverse("disputes:claims_assign"),
        {
            "claims": [world.claim_a.pk],
            "assignee": world.agent_b.pk,
        },
    )
    world.claim_a.refresh_from_db()
    assert world.claim_a.assignee is None


def test_bulk_assign_without_a_tick_says_so(manager_client, world):
    response = manager_client.post(
        reverse("disputes:claims_assign"), {"assignee": world.agent_a.pk}, follow=True
    )
    assert "Tick at least one claim." in response.content.decode()


def test_claims_without_a_deadline_come_last(agent_client, world):
    undated = add_claims(world, 1)[0]
    Claim.objects.filter(pk=undated.pk).update(respond_by=None)
    later = add_claims(world, 1, start_hours=500)[0]
    assert queue_ids(agent_client) == [world.claim_a.pk, later.pk, undated.pk]
