"""Each role's dashboard and nav, the managers' per-agent figures and each store's ODR trend,
checked against numbers worked out by hand."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disputes.models import Claim, ClaimKind, ClaimStatus, Order, Outcome, Reason
from disputes.selectors import my_board, store_trends
from messaging.models import Direction, Message, ReplyState, Thread
from messaging.selectors import agent_figures

from .queries import assert_queries_pinned
from .test_queue import add_claims


def decide(claim: Claim, outcome: str, *, days_ago: float, assignee) -> None:
    at = timezone.now() - timedelta(days=days_ago)
    Claim.objects.filter(pk=claim.pk).update(
        status=ClaimStatus.CLOSED, outcome=outcome, decided_at=at, closed_at=at, assignee=assignee
    )


def answer(world, *, author, waited: timedelta, reply_window: timedelta, days_ago: float = 1) -> Message:
    """A buyer message of store A answered by `author` after `waited`, its reply clock set to
    run out `reply_window` after it arrived."""
    order = Order.objects.create(
        store=world.store_a,
        platform_order_id=f"M-{Order.objects.count()}",
        purchased_at=timezone.now() - timedelta(days=20),
        currency="USD",
    )
    thread = Thread.objects.create(store=world.store_a, order=order)
    answered_at = timezone.now() - timedelta(days=days_ago)
    asked_at = answered_at - waited
    reply = Message.objects.create(
        store=world.store_a,
        thread=thread,
        direction=Direction.TO_BUYER,
        author=author,
        at=answered_at,
        body="Hi",
    )
    return Message.objects.create(
        store=world.store_a,
        thread=thread,
        direction=Direction.FROM_BUYER,
        at=asked_at,
        body="Where is my parcel?",
        reply_state=ReplyState.REPLIED,
        reply_by=asked_at + reply_window,
        answered_at=answered_at,
        answered_by=reply,
        answered_by_author=author,
    )


# --- An agent's own dashboard ------------------------------------------------------------


def test_my_day_counts_what_is_mine(world):
    add_claims(world, 2, start_hours=-3, assignee=world.agent_a)  # overdue
    add_claims(world, 3, start_hours=-3)  # overdue, nobody's
    add_claims(world, 1, start_hours=200, assignee=world.agent_a)  # days away
    won, lost, old_win = add_claims(world, 3, start_hours=400)
    decide(won, Outcome.DENIED, days_ago=2, assignee=world.agent_a)
    decide(lost, Outcome.REFUNDED_BY_SELLER, days_ago=3, assignee=world.agent_a)
    decide(old_win, Outcome.WITHDRAWN, days_ago=45, assignee=world.agent_a)  # before the 30 days
    mine = my_board(world.agent_a)
    # Open: the two overdue, the far one; the fixture's claim is unassigned.
    assert (mine.open, mine.overdue, mine.decided, mine.won) == (3, 2, 2, 1)
    assert mine.win_rate == Decimal("50")


def test_my_day_page_links_each_number_to_the_queue(agent_client, world):
    add_claims(world, 2, start_hours=-3, assignee=world.agent_a)
    page = agent_client.get(reverse("disputes:my_dashboard")).content.decode()
    queue = reverse("disputes:queue")
    assert f'href="{queue}?assignee=me&amp;due=overdue"' in page
    overdue = agent_client.get(queue, {"assignee": "me", "due": "overdue"}).context["rows"]
    assert len(overdue) == 2
    assert '<span class="tile-number">2</span><span>My overdue claims</span>' in page


def test_the_nav_offers_each_role_only_what_it_may_open(agent_client, manager_client):
    dashboard, post_mortems = reverse("disputes:dashboard"), reverse("disputes:post_mortems")
    mine = reverse("disputes:my_dashboard")
    agent_page = agent_client.get(reverse("disputes:queue")).content.decode()
    manager_page = manager_client.get(reverse("disputes:queue")).content.decode()
    assert f'href="{mine}"' in agent_page and f'href="{mine}"' in manager_page
    assert f'href="{dashboard}"' in manager_page and f'href="{post_mortems}"' in manager_page
    assert f'href="{dashboard}"' not in agent_page and f'href="{post_mortems}"' not in agent_page


# --- Per-agent figures -------------------------------------------------------------------


def test_per_agent_figures_match_a_hand_count(world):
    # agent_a answered three buyers: after 2 h, 4 h and 30 h (the last past its 24-hour clock).
    for hours in (2, 4, 30):
        answer(world, author=world.agent_a, waited=timedelta(hours=hours), reply_window=timedelta(hours=24))
    # manager_a answered one, after 1 h; one of 50 days ago is outside the 30 days.
    answer(world, author=world.manager_a, waited=timedelta(hours=1), reply_window=timedelta(hours=24))
    answer(
        world,
        author=world.manager_a,
        waited=timedelta(hours=9),
        reply_window=timedelta(hours=24),
        days_ago=50,
    )
    # agent_a's claims: 3 decided (2 won), one decided 40 days ago; agent_b's are another team's.
    claims = add_claims(world, 4, start_hours=300)
    decide(claims[0], Outcome.DENIED, days_ago=1, assignee=world.agent_a)
    decide(claims[1], Outcome.WITHDRAWN, days_ago=5, assignee=world.agent_a)
    decide(claims[2], Outcome.GRANTED_SELLER_FUNDED, days_ago=6, assignee=world.agent_a)
    decide(claims[3], Outcome.DENIED, days_ago=40, assignee=world.agent_a)
    other = add_claims(world, 1, store=world.store_b, start_hours=300)[0]
    decide(other, Outcome.DENIED, days_ago=1, assignee=world.agent_b)

    with CaptureQueriesContext(connection) as captured:
        figures = {agent.username: agent for agent in agent_figures(world.manager_a)}
    assert len(captured) == 2
    assert set(figures) == {"agent_a", "manager_a"}
    a = figures["agent_a"]
    assert (a.replies, a.within_sla, a.within_sla_rate) == (3, 2, Decimal("67"))
    assert a.first_response == timedelta(hours=12)  # (2 + 4 + 30) / 3
    assert (a.handled, a.won, a.win_rate) == (3, 2, Decimal("67"))
    m = figures["manager_a"]
    assert (m.replies, m.within_sla, m.first_response, m.handled, m.win_rate) == (
        1,
        1,
        timedelta(hours=1),
        0,
        None,
    )


def test_an_agent_sees_no_colleagues_figures(world):
    answer(world, author=world.agent_a, waited=timedelta(hours=2), reply_window=timedelta(hours=24))
    assert [agent.username for agent in agent_figures(world.manager_a)] == ["agent_a"]
    assert agent_figures(world.agent_a) == []


def test_the_dashboard_shows_the_per_agent_figures(manager_client, world):
    answer(
        world, author=world.agent_a, waited=timedelta(hours=3, minutes=20), reply_window=timedelta(hours=24)
    )
    page = manager_client.get(reverse("disputes:dashboard")).content.decode()
    row = page[page.index(f'<tr data-agent="{world.agent_a.pk}">') :]
    row = row[: row.index("</tr>")]
    assert "3 h 20 min" in row and "100% <small>(1/1)</small>" in row


# --- Each store's ODR trend ----------------------------------------------------------------


def orders_on(world, days_ago: int, count: int, *, claims: int = 0, odr: bool = True) -> None:
    """`count` orders of store A bought `days_ago` days ago, the first `claims` of them claimed."""
    bought = timezone.now() - timedelta(days=days_ago, hours=1)
    for n in range(count):
        order = Order.objects.create(
            store=world.store_a,
            platform_order_id=f"T-{days_ago}-{n}",
            purchased_at=bought,
            currency="USD",
        )
        if n < claims:
            Claim.objects.create(
                store=world.store_a,
                order=order,
                kind=ClaimKind.A_TO_Z,
                reason=Reason.DAMAGED,
                opened_at=bought + timedelta(days=1),
                counts_toward_odr=odr,
            )


def test_odr_trend_matches_a_hand_count(world):
    Order.objects.all().delete()  # the fixture's order, to count only these
    orders_on(world, 3, 100, claims=2)  # inside every window from day -3 on
    orders_on(world, 40, 100, claims=1)
    orders_on(world, 90, 200, claims=6)  # only in the windows ending 30 days ago or earlier
    orders_on(world, 10, 50, claims=1, odr=False)  # a claim the platform does not count
    with CaptureQueriesContext(connection) as captured:
        (trend,) = store_trends([world.store_a])
    assert len(captured) == 1  # the hour counts
    by_age = {(timezone.localdate() - point.day).days: point for point in trend.points}
    assert sorted(by_age) == [0, 7, 14, 21, 28, 35, 42, 49, 56]
    today = by_age[0]
    # Windows ending today: orders of days -3, -10 and -40 → 250 orders, 3 defective.
    assert (today.orders, today.defective_orders, today.claims) == (250, 3, 4)
    assert today.percent == Decimal("1.20") and today.at_risk
    assert today.claims_per_1000 == Decimal("16.0")
    # 35 days ago: days -40 (in), -90 (in, 55 days before), neither -3 nor -10 yet.
    old = by_age[35]
    assert (old.orders, old.defective_orders) == (300, 7)
    assert old.percent == Decimal("2.33")
    # 56 days ago: days -90 and -40? -40 is after that day: only -90.
    assert (by_age[56].orders, by_age[56].defective_orders) == (200, 6)


def test_odr_trend_windows_add_up_each_day_of_their_sixty_once(world):
    # Every day read has its own figures (prime-ish, so a day counted twice or missed shows):
    # each point must equal the sum over exactly the 60 days up to and including it.
    today = timezone.localdate()
    days = [today - timedelta(days=n) for n in range(130)]
    orders = {(world.store_a.pk, day): 1000 + n * 7 for n, day in enumerate(days)}
    defects = {(world.store_a.pk, day): (n % 11, n % 13 + 1) for n, day in enumerate(days)}

    def read(store_ids, earliest, now):
        return orders, defects

    (trend,) = store_trends([world.store_a], read=read)
    assert len(trend.points) == 9
    for point in trend.points:
        window = [point.day - timedelta(days=n) for n in range(60)]
        assert point.orders == sum(orders[(world.store_a.pk, day)] for day in window)
        assert point.defective_orders == sum(defects[(world.store_a.pk, day)][0] for day in window)
        assert point.claims == sum(defects[(world.store_a.pk, day)][1] for day in window)


def test_dashboard_draws_the_trend_with_the_limit_line(manager_client, world):
    Order.objects.all().delete()
    orders_on(world, 3, 100, claims=2)
    page = manager_client.get(reverse("disputes:dashboard")).content.decode()
    chart = page[page.index('class="chart chart-small odr-chart"') :]
    chart = chart[: chart.index("</svg>")]
    assert 'class="limit-line"' in chart and "limit 1%</text>" in chart
    assert "ODR 2.00% (2 of 100 orders with a defect)" in chart
    assert ">2.00%</text>" in chart  # the value written on the point
    assert "ODR 0.00% (0 of 0 orders with a defect)" in chart  # before those orders
    # The axis's top is a round value above the highest point, labelled.
    assert 'class="tick"' in chart
    assert ">3%</text>" in chart


def test_the_new_pages_speak_chinese(manager_client, world):
    manager_client.post(reverse("preferences"), {"language": "zh-hans"})
    answer(world, author=world.agent_a, waited=timedelta(hours=2), reply_window=timedelta(hours=24))
    pages = {
        reverse("disputes:dashboard"): [
            "各客服，最近 30 天",
            "首次响应",
            "最近 60 天的订单缺陷率",
            "平台上限：1%",
            "虚线是平台规定的上限",
        ],
        reverse("disputes:my_dashboard"): ["我的今日", "我的逾期索赔", "我最近 30 天的胜率"],
        reverse("disputes:post_mortems"): ["胜率（右侧坐标轴）"],
    }
    for url, words in pages.items():
        body = manager_client.get(url).content.decode()
        for word in words:
            assert word in body, (url, word)


def test_my_day_query_count_is_pinned(agent_client, world):
    def more():
        add_claims(world, 5, start_hours=-3, assignee=world.agent_a)
        for claim in add_claims(world, 3, start_hours=300):
            decide(claim, Outcome.DENIED, days_ago=1, assignee=world.agent_a)

    # Session, user, the layout's bell-and-role query, and three for the tiles (the agent's
    # stores, their open claims from the kept counts, their decided ones).
    assert_queries_pinned(agent_client, reverse("disputes:my_dashboard"), expected=6, add_rows=more)


def test_the_per_agent_rows_written_out_are_what_the_template_loop_wrote():
    from django.template import Context, Template
    from django.utils import translation

    from messaging.selectors import AgentFigures
    from messaging.templatetags.messaging import agent_figure_rows

    loop = Template(
        "{% load desk %}{% for agent in agents %}\n"
        '      <tr data-agent="{{ agent.user_id }}"><td>{{ agent.username }}</td>\n'
        '        <td class="first-response">{{ agent.first_response|duration }}</td>\n'
        '        <td class="within-sla">{% if agent.within_sla_rate is not None %}{{ agent.within_sla_rate }}% '
        "<small>({{ agent.within_sla }}/{{ agent.replies }})</small>{% else %}—{% endif %}</td>\n"
        '        <td class="handled">{{ agent.handled }}</td>\n'
        '        <td class="win-rate-cell">{% if agent.win_rate is not None %}{{ agent.win_rate }}% '
        "<small>({{ agent.won }}/{{ agent.handled }})</small>{% else %}—{% endif %}</td></tr>\n"
        "    {% endfor %}"
    )
    agents = [
        AgentFigures(3, "<ann> & co", replies=3, within_sla=2, first_response=timedelta(hours=3, minutes=20)),
        AgentFigures(12345, "bo", handled=7, won=3),
        AgentFigures(
            9, "cy", replies=1200, within_sla=1199, first_response=timedelta(seconds=42), handled=3, won=3
        ),
    ]
    assert (agents[0].within_sla_rate, agents[1].within_sla_rate, agents[1].win_rate) == (67, None, 43)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            rows = agent_figure_rows(agents)
            assert rows == loop.render(Context({"agents": agents}))
    assert "&lt;ann&gt; &amp; co" in rows and "—" in rows
    assert agent_figure_rows([]) == ""
