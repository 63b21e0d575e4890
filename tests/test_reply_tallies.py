"""The buyer messages answered, kept per store, author and UTC day (ReplyTally), stay equal to
counting the messages themselves, whatever writes them; and the managers' per-agent reply
figures read from them equal the figures counted message by message, on both sides of the
moment the 30 days start and of the end of that UTC day."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from disputes.models import Order
from messaging import reply_tallies, services
from messaging.models import Direction, Message, ReplyState, ReplyTally, Thread
from messaging.selectors import agent_figures

from .test_agent_figures import answer


def counted_slowly() -> dict:
    """Every (store, author, day) with answered messages, counted from the messages one by one:
    (replies, within the reply clock, microseconds waited)."""
    counts: Counter = Counter()
    rows = Message.objects.filter(
        reply_state=ReplyState.REPLIED, answered_by_author__isnull=False, answered_at__isnull=False
    )
    for message in rows:
        key = (message.store_id, message.answered_by_author_id, message.answered_at.astimezone(UTC).date())
        waited = message.answered_at - message.at
        within = message.reply_by is not None and message.answered_at <= message.reply_by
        counts[key + ("replies",)] += 1
        counts[key + ("within",)] += int(within)
        counts[key + ("waited",)] += waited // timedelta(microseconds=1)
    keys = {key[:3] for key in counts}
    return {
        key: (counts[key + ("replies",)], counts[key + ("within",)], counts[key + ("waited",)])
        for key in keys
    }


def kept() -> dict:
    rows = {}
    for row in ReplyTally.objects.all():
        assert row.replies >= 0 and row.within_sla >= 0, row
        if row.replies or row.within_sla or row.response_us:
            rows[(row.store_id, row.author_id, row.day)] = (row.replies, row.within_sla, row.response_us)
    return rows


def figures_counted_slowly(user, now: datetime, days: int = 30) -> dict:
    """The reply figures as they were read before the tallies: every message of the 30 days."""
    rows = (
        Message.objects.filter(
            store__memberships__user=user,
            store__memberships__role="manager",
            reply_state=ReplyState.REPLIED,
            answered_at__gte=now - timedelta(days=days),
            answered_by_author__isnull=False,
        )
        .values("answered_by_author_id")
        .order_by()
        .annotate(
            replies=Count("pk"),
            within_sla=Count("pk", filter=Q(reply_by__isnull=False, answered_at__lte=F("reply_by"))),
            first_response=Avg(ExpressionWrapper(F("answered_at") - F("at"), output_field=DurationField())),
        )
    )
    return {row["answered_by_author_id"]: row for row in rows}


def test_the_tallies_equal_the_slow_count_after_replies_moves_and_deletes(world):
    assert kept() == counted_slowly() == {}
    # Answered through the service: a reply stops the clock of the buyer's two messages.
    services.message_receive(order=world.order_a, body="Where is my parcel?")
    services.message_receive(order=world.order_a, body="Any news?")
    services.reply_send(order=world.order_a, body="Thank you, we are looking into it.", by=world.agent_a)
    assert kept() == counted_slowly()
    assert kept()[(world.store_a.pk, world.agent_a.pk, timezone.now().astimezone(UTC).date())][0] == 2
    # Written directly, with waits of odd microseconds, one answered after its clock ran out.
    messages = [
        answer(
            world,
            author=world.agent_a,
            waited=timedelta(hours=h, microseconds=7 * h + 1),
            reply_window=timedelta(hours=24),
            days_ago=d,
        )
        for h, d in ((2, 1), (30, 1), (5, 3.5), (1, 40))
    ]
    answer(world, author=world.manager_a, waited=timedelta(seconds=90), reply_window=timedelta(hours=24))
    assert kept() == counted_slowly()
    # Bulk writes that bypass the services: the answer moved to another day, the clock moved
    # past the answer, another author, another store, back to awaiting, deleted with its
    # thread; many rows in one statement; a user deleted (their answers lose their author).
    Message.objects.filter(pk=messages[0].pk).update(answered_at=timezone.now() - timedelta(days=9))
    Message.objects.filter(pk=messages[1].pk).update(reply_by=timezone.now())
    Message.objects.filter(pk=messages[2].pk).update(answered_by_author=world.manager_a, store=world.store_b)
    Message.objects.filter(pk=messages[3].pk).update(reply_state=ReplyState.AWAITING)
    assert kept() == counted_slowly()
    Thread.objects.filter(pk=messages[0].thread_id).delete()
    Message.objects.bulk_create(
        Message(
            store=world.store_a,
            thread=messages[1].thread,
            direction=Direction.FROM_BUYER,
            at=timezone.now() - timedelta(hours=n + 1),
            body="Hello?",
            reply_state=ReplyState.REPLIED,
            reply_by=timezone.now(),
            answered_at=timezone.now() - timedelta(minutes=n),
            answered_by_author=world.agent_b,
        )
        for n in range(3)
    )
    Message.objects.filter(pk=messages[1].pk).update(at=F("at") - timedelta(minutes=5))
    assert kept() == counted_slowly()
    assert any(author == world.agent_b.pk for _store, author, _day in kept())
    manager = world.manager_a.pk
    get_user_model().objects.filter(pk=manager).delete()
    assert kept() == counted_slowly() != {}
    assert not any(author == manager for _store, author, _day in kept())


def test_a_rolled_back_change_leaves_the_tallies_as_they_were(world):
    message = answer(world, author=world.agent_a, waited=timedelta(hours=2), reply_window=timedelta(hours=24))
    before = kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        Message.objects.filter(pk=message.pk).update(answered_by_author=world.manager_a)
        answer(world, author=world.agent_a, waited=timedelta(hours=3), reply_window=timedelta(hours=1))
        assert kept() != before
        raise RuntimeError
    assert kept() == before == counted_slowly() != {}


def test_rebuild_gives_what_the_triggers_kept(world):
    for hours, days_ago in ((2, 1), (30, 2), (1, 50)):
        answer(
            world,
            author=world.agent_a,
            waited=timedelta(hours=hours, microseconds=123457),
            reply_window=timedelta(hours=24),
            days_ago=days_ago,
        )
    answer(world, author=world.manager_a, waited=timedelta(minutes=3), reply_window=timedelta(hours=24))
    by_triggers = kept()
    ReplyTally.objects.all().delete()
    reply_tallies.rebuild()
    assert kept() == by_triggers == counted_slowly() != {}


# Moments the figures' 30 days may start at: inside a UTC day, on its midnight, just before it.
NOWS = [
    datetime(2026, 6, 15, 12, 30, tzinfo=UTC),
    datetime(2026, 6, 15, 0, 0, tzinfo=UTC),
    datetime(2026, 6, 14, 23, 59, 59, 999999, tzinfo=UTC),
]


@pytest.mark.parametrize("now", NOWS)
def test_the_figures_read_from_the_tallies_equal_the_figures_counted_message_by_message(world, now):
    since = now - timedelta(days=30)
    edge = datetime.combine(since.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    moments = [
        since - timedelta(days=1),
        since - timedelta(microseconds=1),
        since,
        since + timedelta(microseconds=1),
        edge - timedelta(microseconds=1),
        edge,
        now - timedelta(days=10),
        now,
    ]
    order_b = Order.objects.create(
        store=world.store_b, platform_order_id="B-1", purchased_at=now - timedelta(days=60), currency="USD"
    )
    threads = {world.store_a: services.thread_for(world.order_a), world.store_b: services.thread_for(order_b)}
    for n, moment in enumerate(moments):
        for m, author in enumerate([world.agent_a, world.manager_a, world.agent_b]):
            at = moment - timedelta(hours=n + m, microseconds=n * 1009 + m)
            store = world.store_b if author == world.agent_b else world.store_a
            Message.objects.create(
                store=store,
                thread=threads[store],
                direction=Direction.FROM_BUYER,
                at=at,
                body="Where is my parcel?",
                reply_state=ReplyState.REPLIED,
                reply_by=at + timedelta(hours=(n + m) % 3 * 2),  # some answered in time, some not
                answered_at=moment,
                answered_by_author=author,
            )
    read = {agent.user_id: agent for agent in agent_figures(world.manager_a, now=now)}
    slow = figures_counted_slowly(world.manager_a, now)
    # agent_b answered for another store, which this manager does not read.
    assert set(read) == set(slow) == {world.agent_a.pk, world.manager_a.pk}
    for author, row in slow.items():
        agent = read[author]
        assert (agent.replies, agent.within_sla) == (row["replies"], row["within_sla"])
        # Both means of the same microseconds; the database's own may round the last one the
        # other way.
        assert abs(agent.first_response - row["first_response"]) <= timedelta(microseconds=1)
    # Each boundary moment counted on its side: from `since` on (six of the eight moments).
    assert read[world.agent_a.pk].replies == 6
