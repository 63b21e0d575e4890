"""The domain rules that live on the models, each pinned once: what every outcome means for the
win rate and the Order Defect Rate, and when a deadline is on time, due soon, due today or
overdue (a claim's response and a buyer message's reply alike)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q
from django.utils import timezone

from disputes.models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    DeadlineRule,
    DueState,
    Outcome,
    Reason,
    Urgency,
)
from disputes.selectors import QueueFilters, dashboard, queue_claims
from disputes.templatetags.desk import countdown
from messaging import selectors as messaging_selectors
from messaging.models import Direction, Message, ReplyState, Thread

UTC = ZoneInfo("UTC")
# A Monday morning in UTC, the tests' time zone: the day ends 16 hours later.
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)

# --- outcomes -----------------------------------------------------------------------------

# DOMAIN.md: denied claims and claims withdrawn before a decision do not count toward the ODR;
# granted (even platform-funded), refunded and pending ones do. A cancelled order is neither a
# win nor a loss, and has no decision against the seller.
MEANING = {
    Outcome.GRANTED_SELLER_FUNDED: ("loss", True),
    Outcome.GRANTED_PLATFORM_FUNDED: ("loss", True),
    Outcome.REFUNDED_BY_SELLER: ("loss", True),
    Outcome.DENIED: ("win", False),
    Outcome.WITHDRAWN: ("win", False),
    Outcome.CANCELLED: ("neither", False),
}


def test_every_outcome_has_its_meaning_written_down_here():
    assert set(MEANING) == set(Outcome)


@pytest.mark.parametrize(("outcome", "meaning"), MEANING.items())
def test_each_outcome_is_a_win_a_loss_or_neither_and_counts_toward_the_odr_or_not(outcome, meaning):
    result, counts = meaning
    assert (outcome.is_win, outcome.is_loss) == (result == "win", result == "loss")
    assert outcome.counts_toward_odr is counts
    # The value stored on a claim reads the same.
    assert Outcome(outcome.value).is_win is outcome.is_win


def test_only_a_claim_granted_at_the_sellers_cost_can_be_appealed():
    assert {o for o in Outcome if o.is_appealable} == {Outcome.GRANTED_SELLER_FUNDED}


def test_the_value_sets_for_queries_say_what_the_properties_say():
    assert set(Outcome.wins()) == {o for o in Outcome if o.is_win}
    assert set(Outcome.losses()) == {o for o in Outcome if o.is_loss}
    assert set(Outcome.outside_odr()) == {o for o in Outcome if not o.counts_toward_odr}


def test_the_database_counts_wins_and_losses_by_the_same_sets(world):
    for outcome in Outcome:
        Claim.objects.create(
            store=world.store_a,
            order=world.order_a,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.NOT_RECEIVED,
            status=ClaimStatus.CLOSED,
            outcome=outcome,
            counts_toward_odr=outcome.counts_toward_odr,
            opened_at=timezone.now(),
            closed_at=timezone.now(),
        )
    this_week = dashboard(world.manager_a).weeks[-1]
    assert (this_week.won, this_week.lost) == (2, 3)
    closed = Claim.objects.filter(status=ClaimStatus.CLOSED)
    won = set(closed.filter(Q(outcome__in=Outcome.wins())).values_list("outcome", flat=True))
    assert won == {Outcome.DENIED, Outcome.WITHDRAWN}


# --- due states ---------------------------------------------------------------------------


def claim_due(due, warnings=(24, 6), status=ClaimStatus.IN_PROGRESS) -> Claim:
    rule = None if warnings is None else DeadlineRule(warn_hours_before=list(warnings))
    return Claim(status=status, respond_by=due, respond_rule=rule)


def message_due(due, warnings=(6, 2), state=ReplyState.AWAITING) -> Message:
    return Message(
        direction=Direction.FROM_BUYER, reply_state=state, reply_by=due, warn_hours_before=list(warnings)
    )


@pytest.mark.parametrize(
    ("due", "state"),
    [
        (None, Urgency.NONE),
        (NOW - SECOND, Urgency.OVERDUE),
        (NOW, Urgency.DUE_TODAY),  # at the due time it is due, not yet overdue
        (NOW + timedelta(hours=15, minutes=59), Urgency.DUE_TODAY),
        (NOW + timedelta(hours=16), Urgency.DUE_SOON),  # midnight: tomorrow, inside 24 hours
        (NOW + timedelta(hours=24), Urgency.DUE_SOON),  # the first warning, 24 hours ahead
        (NOW + timedelta(hours=24) + SECOND, Urgency.ON_TIME),
    ],
)
def test_a_claims_response_is_overdue_due_today_due_soon_or_on_time(due, state):
    found = claim_due(due).due_state(NOW)
    assert found.state == state
    assert found.remaining == (None if due is None else due - NOW)


def test_due_soon_starts_at_the_rules_first_warning():
    assert claim_due(NOW + timedelta(hours=48), warnings=[6, 50]).due_state(NOW).state == Urgency.DUE_SOON
    assert claim_due(NOW + timedelta(hours=48), warnings=[12]).due_state(NOW).state == Urgency.ON_TIME


@pytest.mark.parametrize("warnings", [None, [], ["12", -1]])
def test_without_a_usable_warning_a_claim_is_due_soon_a_day_ahead(warnings):
    assert claim_due(NOW + timedelta(hours=24), warnings).due_state(NOW).state == Urgency.DUE_SOON
    assert claim_due(NOW + timedelta(hours=25), warnings).due_state(NOW).state == Urgency.ON_TIME


def test_a_closed_claim_has_no_clock():
    claim = claim_due(NOW - timedelta(hours=3), status=ClaimStatus.CLOSED)
    assert claim.due_state(NOW) == DueState(Urgency.NONE, None)


def test_today_ends_at_midnight_on_the_users_clock():
    due = NOW + timedelta(hours=9)  # 17:00 UTC, 01:00 the next day in Shanghai
    assert claim_due(due).due_state(NOW).state == Urgency.DUE_TODAY
    with timezone.override("Asia/Shanghai"):
        assert claim_due(due).due_state(NOW).state == Urgency.DUE_SOON


@pytest.mark.parametrize(
    ("due", "state"),
    [
        (NOW - SECOND, Urgency.OVERDUE),
        (NOW, Urgency.DUE_TODAY),
        (NOW + timedelta(hours=16), Urgency.DUE_SOON),  # tomorrow, and inside the 24-hour warning
        (NOW + timedelta(hours=30), Urgency.ON_TIME),
    ],
)
def test_a_buyer_messages_reply_follows_the_same_rule(due, state):
    assert message_due(due, warnings=[24]).due_state(NOW).state == state


def test_a_buyer_message_is_due_soon_from_its_first_warning_or_else_a_day_ahead():
    evening = NOW + timedelta(hours=12)  # 20:00: what is due after midnight is not due today
    first_warning = evening + timedelta(hours=6)
    assert message_due(first_warning).due_state(evening).state == Urgency.DUE_SOON
    assert message_due(first_warning + SECOND).due_state(evening).state == Urgency.ON_TIME
    assert (
        message_due(evening + timedelta(hours=22), warnings=[]).due_state(evening).state == Urgency.DUE_SOON
    )


@pytest.mark.parametrize("state", [ReplyState.NONE, ReplyState.REPLIED, ReplyState.NOT_NEEDED])
def test_a_message_that_owes_no_reply_has_no_clock(state):
    assert message_due(NOW - timedelta(hours=1), state=state).due_state(NOW) == DueState(Urgency.NONE, None)


def test_the_countdown_says_overdue_only_once_the_due_time_has_passed():
    assert countdown(timedelta(0)) == "0 min left"
    assert countdown(-timedelta(minutes=5)) == "overdue by 5 min"


def test_the_queue_and_the_counts_agree_with_the_badge_at_the_due_time(world):
    """A deadline falling due this very moment is due, not overdue, on every page."""
    now = timezone.now()
    Claim.objects.filter(pk=world.claim_a.pk).update(respond_by=now)
    claim = Claim.objects.get(pk=world.claim_a.pk)
    assert claim.due_state(now).state != Urgency.OVERDUE
    overdue = queue_claims(world.manager_a, QueueFilters(due="overdue"), now=now)
    soon = queue_claims(world.manager_a, QueueFilters(due="24h"), now=now)
    assert (list(overdue), list(soon)) == ([], [claim])
    board = dashboard(world.manager_a, now=now)
    assert (board.overdue, board.due_24h) == (0, 1)
    assert claim.due_state(now + SECOND).state == Urgency.OVERDUE


def test_overdue_replies_are_counted_as_the_badge_shows_them(world):
    now = timezone.now()
    thread = Thread.objects.create(order=world.order_a, store=world.store_a)
    due_now, late = (
        Message.objects.create(
            store=world.store_a,
            thread=thread,
            direction=Direction.FROM_BUYER,
            body="Hello?",
            at=now - timedelta(hours=24),
            reply_state=ReplyState.AWAITING,
            reply_by=reply_by,
        )
        for reply_by in (now, now - SECOND)
    )
    assert (due_now.due_state(now).state, late.due_state(now).state) == (Urgency.DUE_TODAY, Urgency.OVERDUE)
    assert messaging_selectors.awaiting_replies(world.manager_a, now=now)[1] == 1
    assert messaging_selectors.dashboard(world.manager_a, now=now).overdue_replies == 1
    # The dashboard passes the stores it has read: the same count, and only theirs.
    assert (
        messaging_selectors.dashboard(world.manager_a, now=now, stores=[world.store_a]).overdue_replies == 1
    )
    assert (
        messaging_selectors.dashboard(world.manager_a, now=now, stores=[world.store_b]).overdue_replies == 0
    )
