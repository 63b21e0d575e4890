import base64
from datetime import timedelta

import pytest
from django import forms
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from disputes import services
from disputes.forms import OneLoopSelect
from disputes.models import Buyer, Claim, ClaimKind, ClaimStatus, Order, Reason, SavedView
from disputes.selectors import PAGE_SIZE

from .conftest import client_for
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


def test_queue_rows_show_their_values_and_escape_what_people_typed(agent_client, world):
    # The rows' ids and links are marked safe (written without escaping); what an import or a
    # person typed (order ids, buyer names, amounts' currencies) must still be escaped.
    claim = add_claims(world, 1, start_hours=-2)[0]
    order = claim.order
    order.platform_order_id = '<b id="x">O&1</b>'
    order.buyer = Buyer.objects.create(store=world.store_a, alias="a@example.com", name="<i>Ann & co</i>")
    order.save()
    Claim.objects.filter(pk=claim.pk).update(amount="12.50")
    body = agent_client.get(reverse("disputes:queue")).content.decode()
    row = body[
        body.index(f'data-claim="{claim.pk}"') : body.index("</tr>", body.index(f'data-claim="{claim.pk}"'))
    ]
    assert f'<a href="/claims/{claim.pk}/" class="claim-link">#{claim.pk} · Item not received</a>' in row
    assert f'name="loaded_assignee_{claim.pk}" value=""' in row
    assert escape('<b id="x">O&1</b>') in row and '<b id="x">' not in row
    assert escape("<i>Ann & co</i>") in row and "<i>" not in row
    assert f"12.50 {order.currency}" in row and "badge-overdue" in row and 'data-due="' in row


def test_the_one_loop_select_writes_what_djangos_select_writes():
    choices = [
        ("", "Any <tag>"),
        ("7", "Ann & Bob"),
        ("Group", [("8", "in a group"), ("9", "also")]),
        ("10", "last"),
    ]
    for value in ["", "7", "9", ["7", "9"], None]:
        attrs = {"id": "id_tag", "data-x": 'a"b', "required": True, "disabled": False}
        theirs = forms.Select(choices=choices).render("tag", value, attrs)
        ours = OneLoopSelect(choices=choices).render("tag", value, attrs)
        assert ours == theirs and "<option" in ours
    many = forms.SelectMultiple(choices=choices).render("tag", ["7", "9"])
    assert many.count(" selected") == 2


def test_queue_query_count_is_pinned(agent_client, world):
    # The session, the user and the header's bell; the user's stores (read once for the store
    # filter and the claims), the team (read once for the assignee filter and the assign form),
    # the tags the filter offers; the claims, the user's improvement actions, the claims back
    # from a snooze, the saved views; 2 for the buyer messages waiting for a reply (list,
    # overdue count).
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


# --- Sorting, with keyset paging ---------------------------------------------------------


def walk(client, **params) -> list[int]:
    """Every page of the queue for these parameters, following the cursors."""
    seen, cursor = [], ""
    for _page in range(20):
        response = client.get(reverse("disputes:queue"), {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200
        seen += [claim.pk for claim, _due in response.context["rows"]]
        cursor = response.context["page"].next_cursor
        if not cursor:
            return seen
    raise AssertionError("the pages never end")


def test_each_sort_pages_through_every_claim_once_in_its_order(agent_client, world):
    claims = add_claims(world, PAGE_SIZE + 9)
    now = timezone.now()
    # Ties and empty values on purpose: amounts repeat and some are missing, ages repeat.
    for n, claim in enumerate(claims):
        Claim.objects.filter(pk=claim.pk).update(
            amount=None if n % 7 == 0 else (n % 5) * 10,
            opened_at=now - timedelta(hours=n % 4),
        )
    everything = {world.claim_a.pk, *(c.pk for c in claims)}
    for sort in ("due", "-due", "age", "-age", "amount", "-amount", "order", "-order"):
        seen = walk(agent_client, sort=sort)
        assert len(seen) == len(set(seen)) == len(everything), sort
        assert set(seen) == everything, sort
        rows = {c.pk: c for c in Claim.objects.select_related("order").filter(pk__in=seen)}
        if sort.lstrip("-") == "amount":
            # What the column shows: the claim's amount, else the order's total.
            amounts = [
                rows[pk].amount if rows[pk].amount is not None else rows[pk].order.total for pk in seen
            ]
            assert amounts == sorted(amounts, reverse=sort.startswith("-")), sort
        if sort.lstrip("-") == "age":
            opened = [rows[pk].opened_at for pk in seen]
            assert opened == sorted(opened, reverse=sort == "age"), sort  # youngest first ascending
        if sort.lstrip("-") == "order":
            ids = [rows[pk].order.platform_order_id for pk in seen]
            assert ids == sorted(ids, reverse=sort.startswith("-")), sort


def test_any_status_puts_closed_claims_after_open_ones_whatever_the_sort(agent_client, world):
    closed = add_claims(world, 3, start_hours=-50)  # due first, had they been open
    Claim.objects.filter(pk__in=[c.pk for c in closed]).update(
        status=ClaimStatus.CLOSED, closed_at=timezone.now()
    )
    open_ = add_claims(world, 2, start_hours=10)
    for sort in ("due", "-due", "age"):
        seen = walk(agent_client, status="any", sort=sort)
        assert set(seen[-3:]) == {c.pk for c in closed}, sort
        assert set(seen[:-3]) == {world.claim_a.pk, *(c.pk for c in open_)}, sort


def test_a_cursor_of_another_sort_or_a_forged_one_starts_from_the_top(agent_client, world):
    add_claims(world, PAGE_SIZE + 2)
    cursor = agent_client.get(reverse("disputes:queue")).context["page"].next_cursor
    top = queue_ids(agent_client, sort="amount")
    assert queue_ids(agent_client, sort="amount", cursor=cursor) == top
    forged = base64.urlsafe_b64encode(b'["9999-01-01T00:00:00", 1]').decode()
    assert queue_ids(agent_client, cursor=forged) == queue_ids(agent_client)
    nested = base64.urlsafe_b64encode(b"[" * 5000).decode()
    assert queue_ids(agent_client, cursor=nested) == queue_ids(agent_client)


def test_the_column_headings_sort_and_say_which_way(agent_client, world):
    body = agent_client.get(reverse("disputes:queue"), {"sort": "-amount", "kind": "a_to_z"}).content.decode()
    assert 'aria-sort="descending"' in body
    # Sorting again by amount turns it round, and keeps the filters.
    assert 'href="?kind=a_to_z&amp;sort=amount"' in body
    assert f"#{world.claim_a.pk} · Item not received" in body
    assert f'href="{reverse("disputes:order", args=[world.order_a.pk])}"' in body


def test_priority_shows_only_when_someone_set_it(agent_client, world):
    body = agent_client.get(reverse("disputes:queue")).content.decode()
    assert 'class="badge priority' not in body and "claim-row" in body
    Claim.objects.filter(pk=world.claim_a.pk).update(priority=4)
    body = agent_client.get(reverse("disputes:queue")).content.decode()
    assert 'class="badge priority priority-4">Urgent<' in body


# --- Saved views --------------------------------------------------------------------------


def test_a_saved_view_keeps_the_filters_and_only_its_owner_sees_or_deletes_it(agent_client, world):
    response = agent_client.post(
        reverse("disputes:saved_view_save"),
        {"name": "  my   overdue ", "query": "assignee=me&due=overdue&cursor=abc&evil=1"},
    )
    view = SavedView.objects.get(user=world.agent_a)
    assert (view.name, view.query) == ("my overdue", "assignee=me&due=overdue")
    assert response["Location"] == reverse("disputes:queue") + "?assignee=me&due=overdue"
    body = agent_client.get(reverse("disputes:queue")).content.decode()
    assert 'href="/?assignee=me&amp;due=overdue"' in body and ">my overdue</a>" in body
    # The same name again replaces its filters.
    agent_client.post(reverse("disputes:saved_view_save"), {"name": "my overdue", "query": "due=today"})
    assert list(SavedView.objects.values_list("name", "query")) == [("my overdue", "due=today")]

    manager = client_for(world.manager_a)
    assert ">my overdue</a>" not in manager.get(reverse("disputes:queue")).content.decode()
    assert manager.post(reverse("disputes:saved_view_delete", args=[view.pk])).status_code == 404
    agent_client.post(reverse("disputes:saved_view_delete", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_a_view_without_a_name_is_refused(agent_client, world):
    response = agent_client.post(
        reverse("disputes:saved_view_save"), {"name": "  ", "query": "due=today"}, follow=True
    )
    assert "Give the view a name of at most 60 characters." in response.content.decode()
    assert not SavedView.objects.exists()


# --- Bulk assignment ----------------------------------------------------------------------


def test_bulk_assign_without_a_choice_changes_nothing_and_says_so(manager_client, world):
    Claim.objects.filter(pk=world.claim_a.pk).update(assignee=world.agent_a)
    response = manager_client.post(
        reverse("disputes:claims_assign"), {"claims": [world.claim_a.pk], "assignee": ""}, follow=True
    )
    assert "Choose whom to assign the ticked claims to" in response.content.decode()
    world.claim_a.refresh_from_db()
    assert world.claim_a.assignee == world.agent_a
    # The tick is kept on the queue shown next.
    assert f'value="{world.claim_a.pk}" aria-label="Select claim {world.claim_a.pk}" checked' in (
        response.content.decode()
    )


def test_bulk_unassign_is_an_explicit_choice(manager_client, world):
    Claim.objects.filter(pk=world.claim_a.pk).update(assignee=world.agent_a)
    queue = manager_client.get(reverse("disputes:queue")).content.decode()
    assert '<option value="" selected>Choose…</option>' in queue
    response = manager_client.post(
        reverse("disputes:claims_assign"),
        {**form_data(queue, "bulk-assign"), "claims": [world.claim_a.pk], "assignee": "nobody"},
        follow=True,
    )
    assert "1 claim unassigned." in response.content.decode()
    world.claim_a.refresh_from_db()
    assert world.claim_a.assignee is None


# --- The default order's cursor: a condition of the index scan -------------------------------


def test_paging_in_due_order_reaches_the_undated_claims_after_the_dated_ones(agent_client, world):
    # 48 dated claims and 12 without a due date: page 1 ends among the undated ones, so page 2's
    # cursor has no date; with 56 dated and 4 undated, page 2 starts dated and ends undated.
    for dated in (48, 56):
        Claim.objects.exclude(pk=world.claim_a.pk).delete()
        claims = add_claims(world, 60 - 1)
        undated = claims[dated - 1 :]
        Claim.objects.filter(pk__in=[c.pk for c in undated]).update(respond_by=None)
        seen = walk(agent_client)
        dated_ids = list(
            Claim.objects.filter(store=world.store_a, respond_by__isnull=False)
            .order_by("respond_by", "pk")
            .values_list("pk", flat=True)
        )
        assert len(dated_ids) == dated
        assert seen == dated_ids + sorted(c.pk for c in undated), dated


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_the_queue_cursor_is_an_index_condition_on_postgresql(agent_client, world):
    from django.test.utils import CaptureQueriesContext

    from disputes.selectors import QueueFilters, queue_page

    add_claims(world, PAGE_SIZE + 5)
    first = queue_page(world.agent_a, QueueFilters())
    with CaptureQueriesContext(connection) as captured:
        second = queue_page(world.agent_a, QueueFilters(), first.next_cursor or "")
    assert len(second.claims) == 6
    sql = next(
        q["sql"]
        for q in captured.captured_queries
        if '"disputes_claim"."respond_by", "disputes_claim"."id") >' in q["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    conditions = [line for line in plan.splitlines() if "Index Cond" in line]
    assert "claim_open_due" in plan, plan
    assert any("ROW(respond_by, id) >" in line for line in conditions), plan
    assert "Filter" not in plan or "ROW(" not in plan.split("Filter", 1)[1], plan


def test_templates_are_read_through_the_cached_loader():
    # Each queue page renders a dozen templates (the page, its partials, the selects): compiled
    # once per process, not read and parsed per request, whatever DEBUG is.
    from django.template import engines

    loader = engines["django"].engine.template_loaders[0]  # type: ignore[attr-defined]
    assert type(loader).__module__ == "django.template.loaders.cached"
    template = engines["django"].engine.get_template("disputes/widgets/select.html")
    assert engines["django"].engine.get_template("disputes/widgets/select.html") is template
