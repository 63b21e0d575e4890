from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from disputes.models import Claim, ClaimStatus, Membership, Outcome, Platform, Role, Store
from disputes.selectors import dashboard
from disputes.selectors.odr import defect_rates_from_rows

from .queries import assert_queries_pinned
from .test_queue import add_claims


def populate(world):
    add_claims(world, 3, start_hours=-30)  # overdue, unassigned
    add_claims(world, 2, start_hours=-5, assignee=world.agent_a)  # overdue, agent_a
    add_claims(world, 4, start_hours=2, assignee=world.agent_a)  # due within 24 h
    add_claims(world, 2, start_hours=200, assignee=world.manager_a)
    add_claims(world, 5, start_hours=-10, store=world.store_b)  # another team's


def queue_count(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return len(response.context["rows"])


def test_dashboard_numbers_match_the_queue_they_link_to(manager_client, world):
    populate(world)
    board = dashboard(world.manager_a)
    assert (board.overdue, board.due_24h) == (5, 4)
    assert board.unassigned == 4  # three overdue and the fixture's claim
    page = manager_client.get(reverse("disputes:dashboard")).content.decode()
    queue = reverse("disputes:queue")
    for number, link in [
        (board.overdue, "store=managed&amp;due=overdue"),
        (board.due_24h, "store=managed&amp;due=24h"),
        (board.unassigned, "store=managed&amp;assignee=unassigned"),
    ]:
        assert f'href="{queue}?{link}"' in page
        assert queue_count(manager_client, f"{queue}?{link.replace('&amp;', '&')}") == number
    for agent in board.agents:
        url = f"{queue}?store=managed&assignee={agent.user_id}"
        assert queue_count(manager_client, url) == agent.open
        assert queue_count(manager_client, url + "&due=overdue") == agent.overdue


def test_per_agent_load(world):
    populate(world)
    loads = {a.username: (a.open, a.overdue) for a in dashboard(world.manager_a).agents}
    assert loads == {"agent_a": (6, 2), "manager_a": (2, 0)}


def test_weekly_series_counts_opened_won_and_lost(world):
    now = timezone.now()
    # The fixture's claim opened two hours ago: early on a Monday that is last week.
    Claim.objects.filter(pk=world.claim_a.pk).update(opened_at=now)
    claims = add_claims(world, 3)
    Claim.objects.filter(pk=claims[0].pk).update(
        status=ClaimStatus.CLOSED, closed_at=now, outcome=Outcome.DENIED
    )
    Claim.objects.filter(pk=claims[1].pk).update(
        status=ClaimStatus.CLOSED, closed_at=now, outcome=Outcome.GRANTED_SELLER_FUNDED
    )
    this_week = dashboard(world.manager_a).weeks[-1]
    assert (this_week.opened, this_week.won, this_week.lost) == (4, 1, 1)
    assert len(dashboard(world.manager_a).weeks) == 12


def test_dashboard_is_right_without_any_worker(manager_client, world):
    # Nothing has swept: the numbers come from the claims' due-time columns.
    Claim.objects.filter(pk=world.claim_a.pk).update(respond_by=timezone.now() - timedelta(minutes=1))
    assert dashboard(world.manager_a).overdue == 1


def test_dashboard_query_count_is_pinned(manager_client, world):
    # The manager's stores (read once: whether there are any, and the board's), the set-aside
    # tile, the claims' tiles and per-agent load, the stores' days from the hour counts (one read
    # the stores' ODR, the weekly series, the ODR trends and the forecasts' windows add up),
    # messaging's (replies overdue, threads owing their summary), the
    # per-agent figures (answers to buyers, decided claims), the forecasts' (the win rates' day
    # tallies; for a store over the line its open claims, their lines and their SKUs' record;
    # the window's pending claims by reason come with the days), and the session, user and
    # header's.
    assert_queries_pinned(
        manager_client, reverse("disputes:dashboard"), expected=15, add_rows=lambda: populate(world)
    )


def test_dashboard_query_count_does_not_grow_with_the_stores_a_manager_runs(manager_client, world):
    def another_store():
        store = Store.objects.create(
            name="Amazon UK",
            platform=Platform.AMAZON,
            marketplace="GB",
            time_zone="Europe/London",
            currency="GBP",
        )
        Membership.objects.create(user=world.manager_a, store=store, role=Role.MANAGER)
        add_claims(world, 3, store=store, start_hours=-2)

    assert_queries_pinned(manager_client, reverse("disputes:dashboard"), expected=15, add_rows=another_store)
    odr = {store.name: rate for store, rate in dashboard(world.manager_a).stores}
    assert (odr["Amazon UK"].orders, odr["Amazon UK"].defective_orders) == (3, 3)


def test_the_stores_odr_on_the_dashboard_equals_the_defect_rates_counted_from_the_claims(world):
    populate(world)
    Claim.objects.filter(pk=world.claim_a.pk).update(counts_toward_odr=False)
    now = timezone.now()
    board = dashboard(world.manager_a, now=now)
    rates = defect_rates_from_rows([store for store, _odr in board.stores], now)
    shown = {
        store.pk: (odr.orders, odr.defective_orders, odr.percent, odr.at_risk) for store, odr in board.stores
    }
    counted = {pk: (r.orders, r.defective_orders, r.percent, r.at_risk) for pk, r in rates.items()}
    assert shown == counted
    assert shown[world.store_a.pk][:2] == (12, 11)  # the fixture's order and populate's 11


def test_agents_are_refused_the_dashboard(agent_client):
    assert agent_client.get(reverse("disputes:dashboard")).status_code == 403
