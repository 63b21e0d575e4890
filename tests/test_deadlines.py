from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from disputes import deadlines
from disputes.models import (
    Claim,
    ClaimKind,
    DeadlineKind,
    DeadlineRule,
    DeadlineStart,
    DeadlineUnit,
    Platform,
    Reason,
    Store,
)

UTC = ZoneInfo("UTC")
LA = ZoneInfo("America/Los_Angeles")
MSK = ZoneInfo("Europe/Moscow")


def store(platform=Platform.AMAZON, marketplace="US", tz="America/Los_Angeles") -> Store:
    return Store(name=f"{platform}-{marketplace}", platform=platform, marketplace=marketplace,
                 time_zone=tz, currency="USD")


def rule(unit, length, starts_from=DeadlineStart.CLAIM_OPENED, warn=None) -> DeadlineRule:
    return DeadlineRule(platform=Platform.AMAZON, claim_kind=ClaimKind.A_TO_Z, deadline=DeadlineKind.RESPOND,
                        length=length, unit=unit, starts_from=starts_from, warn_hours_before=warn or [])


# --- every seeded rule --------------------------------------------------------------------

EXPECTED_SEEDS = {
    ("amazon", "a_to_z", "respond"): (48, "calendar_hours", "platform_request"),
    ("amazon", "a_to_z", "appeal"): (30, "calendar_days", "claim_closed"),
    ("amazon", "chargeback", "respond"): (7, "calendar_days", "claim_opened"),
    ("ebay", "ebay_case", "respond"): (3, "business_days", "claim_opened"),
    ("ebay", "ebay_case", "appeal"): (30, "calendar_days", "claim_closed"),
    ("ozon", "ozon_dispute", "respond"): (24, "calendar_hours", "claim_opened"),
    ("dhgate", "dhgate_dispute", "respond"): (5, "calendar_days", "claim_opened"),
    ("walmart", "walmart_dispute", "respond"): (48, "calendar_hours", "claim_opened"),
    ("amazon", "buyer_complaint", "respond"): (24, "calendar_hours", "claim_opened"),
}


def test_the_domain_defaults_are_seeded(rules):
    seeded = {(r.platform, r.claim_kind, r.deadline): (r.length, r.unit, r.starts_from)
              for r in DeadlineRule.objects.all()}
    for key, expected in EXPECTED_SEEDS.items():
        assert seeded[key] == expected, key


def test_every_seeded_rule_gives_its_window_on_a_plain_weekday(rules):
    # Tuesday 2026-06-09 10:00 UTC: no holiday in US or RU that week, no DST change.
    start = datetime(2026, 6, 9, 10, 0, tzinfo=UTC)
    rules = list(DeadlineRule.objects.all())
    assert len(rules) >= len(EXPECTED_SEEDS)
    for r in rules:
        s = store(r.platform, "RU" if r.platform == "ozon" else "US",
                  "Europe/Moscow" if r.platform == "ozon" else "America/New_York")
        due = deadlines.compute_due(r, start, store=s)
        if r.unit == DeadlineUnit.CALENDAR_HOURS:
            assert due - start == timedelta(hours=r.length), r
        elif r.unit == DeadlineUnit.CALENDAR_DAYS:
            assert due - start == timedelta(days=r.length), r
        else:
            assert r.length == 3 and due == datetime(2026, 6, 12, 10, 0, tzinfo=UTC), r
        assert all(isinstance(h, int) and h > 0 for h in r.warn_hours_before), r


# --- business days ------------------------------------------------------------------------


def test_business_days_skip_the_weekend():
    # Thursday 09:00 LA + 3 business days → Tuesday 09:00 LA.
    start = datetime(2026, 6, 11, 9, 0, tzinfo=LA)
    due = deadlines.add_business_days(start, 3, country="US", time_zone="America/Los_Angeles")
    assert due.astimezone(LA) == datetime(2026, 6, 16, 9, 0, tzinfo=LA)


def test_business_days_skip_thanksgiving():
    start = datetime(2026, 11, 24, 10, 0, tzinfo=LA)  # Tuesday
    due = deadlines.add_business_days(start, 3, country="US", time_zone="America/Los_Angeles")
    # Wed 25, (Thu 26 Thanksgiving), Fri 27, (weekend), Mon 30.
    assert due.astimezone(LA) == datetime(2026, 11, 30, 10, 0, tzinfo=LA)


def test_business_days_skip_the_russian_new_year_holidays():
    for day in range(1, 9):
        assert not deadlines.is_business_day(date(2027, 1, day), country="RU")
    start = datetime(2027, 1, 4, 12, 0, tzinfo=MSK)  # a Monday inside the holidays
    due = deadlines.add_business_days(start, 1, country="RU", time_zone="Europe/Moscow")
    # Counting starts on Monday 11 January (9–10 are a weekend); one whole day ends at 00:00 on the 12th.
    assert due.astimezone(MSK) == datetime(2027, 1, 12, 0, 0, tzinfo=MSK)


def test_a_start_on_saturday_counts_from_monday_midnight():
    start = datetime(2026, 6, 13, 15, 30, tzinfo=LA)  # Saturday
    due = deadlines.add_business_days(start, 3, country="US", time_zone="America/Los_Angeles")
    assert due.astimezone(LA) == datetime(2026, 6, 18, 0, 0, tzinfo=LA)  # Mon–Wed in full


def test_the_local_date_decides_the_business_day():
    # Friday 23:30 in Los Angeles is already Saturday in UTC: it is still a Friday start.
    start = datetime(2026, 6, 13, 6, 30, tzinfo=UTC)
    due = deadlines.add_business_days(start, 1, country="US", time_zone="America/Los_Angeles")
    assert due.astimezone(LA) == datetime(2026, 6, 15, 23, 30, tzinfo=LA)


def test_an_unknown_country_keeps_only_weekends():
    assert deadlines.is_business_day(date(2026, 12, 25), country="XX")
    assert not deadlines.is_business_day(date(2026, 12, 26), country="XX")


# --- daylight saving ----------------------------------------------------------------------


def test_calendar_hours_are_elapsed_hours_across_spring_forward():
    start = datetime(2026, 3, 7, 10, 0, tzinfo=LA)  # PST; clocks jump on 8 March
    due = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_HOURS, 48), start, store=store())
    assert due - start == timedelta(hours=48)
    assert due.astimezone(LA).hour == 11  # an hour later on the wall clock


def test_calendar_hours_are_elapsed_hours_across_fall_back():
    start = datetime(2026, 10, 31, 10, 0, tzinfo=LA)  # PDT; clocks fall back on 1 November
    due = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_HOURS, 48), start, store=store())
    assert due - start == timedelta(hours=48)
    assert due.astimezone(LA).hour == 9


def test_calendar_days_keep_the_wall_clock_across_spring_forward():
    start = datetime(2026, 3, 7, 10, 0, tzinfo=LA)
    due = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_DAYS, 7), start, store=store())
    assert due.astimezone(LA) == datetime(2026, 3, 14, 10, 0, tzinfo=LA)
    assert due - start == timedelta(days=7) - timedelta(hours=1)


def test_calendar_days_keep_the_wall_clock_across_fall_back():
    start = datetime(2026, 10, 30, 10, 0, tzinfo=LA)
    due = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_DAYS, 5), start, store=store())
    assert due.astimezone(LA) == datetime(2026, 11, 4, 10, 0, tzinfo=LA)
    assert due - start == timedelta(days=5, hours=1)


def test_a_wall_clock_time_skipped_by_dst_lands_just_after_the_jump():
    start = datetime(2026, 3, 7, 2, 30, tzinfo=LA)
    due = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_DAYS, 1), start, store=store())
    assert due.astimezone(LA) == datetime(2026, 3, 8, 3, 30, tzinfo=LA)


def test_business_days_across_dst_keep_the_wall_clock():
    start = datetime(2026, 10, 30, 16, 0, tzinfo=LA)  # Friday PDT
    due = deadlines.add_business_days(start, 1, country="US", time_zone="America/Los_Angeles")
    assert due.astimezone(LA) == datetime(2026, 11, 2, 16, 0, tzinfo=LA)


def test_moscow_has_no_dst():
    start = datetime(2026, 3, 28, 12, 0, tzinfo=MSK)
    due = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_DAYS, 2), start, store=store("ozon", "RU", "Europe/Moscow"))
    assert due - start == timedelta(days=2)


# --- claims -------------------------------------------------------------------------------


def a_to_z(world, **extra) -> Claim:
    return Claim(store=world.store_a, order=world.order_a, kind=ClaimKind.A_TO_Z,
                 reason=Reason.NOT_RECEIVED, opened_at=datetime(2026, 6, 9, 10, 0, tzinfo=UTC), **extra)


def test_a_to_z_counts_from_the_platforms_request_when_recorded(world):
    asked = datetime(2026, 6, 10, 18, 0, tzinfo=UTC)
    deadline = deadlines.for_claim(a_to_z(world, platform_requested_at=asked))
    assert deadline.start == asked and deadline.due == asked + timedelta(hours=48)
    assert "platform's request" in deadline.explanation


def test_a_to_z_without_a_request_counts_from_opening_and_says_so(world):
    deadline = deadlines.for_claim(a_to_z(world))
    assert deadline.start == datetime(2026, 6, 9, 10, 0, tzinfo=UTC)
    assert "no request from the platform recorded yet" in deadline.explanation


def test_explanation_names_length_unit_and_local_start(world):
    deadline = deadlines.for_claim(a_to_z(world))
    assert deadline.explanation.startswith("48 calendar hours from")
    assert "2026-06-09 03:00 PDT" in deadline.explanation


def test_business_day_explanation_names_the_calendar(world):
    ebay = Store.objects.create(name="eBay US", platform=Platform.EBAY, marketplace="US",
                                time_zone="America/New_York", currency="USD")
    claim = Claim(store=ebay, order=world.order_a, kind=ClaimKind.EBAY_CASE, reason=Reason.DAMAGED,
                  opened_at=datetime(2026, 6, 9, 10, 0, tzinfo=UTC))
    assert "3 business days (US calendar)" in deadlines.for_claim(claim).explanation


def test_no_deadline_without_an_active_rule(world):
    feedback = Claim(store=world.store_a, order=world.order_a, kind=ClaimKind.NEGATIVE_FEEDBACK,
                     reason=Reason.OTHER, opened_at=datetime(2026, 6, 9, tzinfo=UTC))
    assert deadlines.for_claim(feedback) is None
    DeadlineRule.objects.filter(platform="amazon", claim_kind="a_to_z", deadline="respond").update(is_active=False)
    assert deadlines.for_claim(a_to_z(world)) is None


def test_no_appeal_deadline_before_the_claim_is_closed(world):
    assert deadlines.for_claim(a_to_z(world), DeadlineKind.APPEAL) is None
    closed = a_to_z(world, closed_at=datetime(2026, 6, 20, 12, 0, tzinfo=UTC))
    assert deadlines.for_claim(closed, DeadlineKind.APPEAL).due.astimezone(LA).date() == date(2026, 7, 20)


def test_warning_times_are_sorted_and_inside_the_window():
    r = rule(DeadlineUnit.CALENDAR_HOURS, 24, warn=[6, 48, 12])
    start = datetime(2026, 6, 9, 10, 0, tzinfo=UTC)
    deadline = deadlines.Deadline(due=start + timedelta(hours=24), start=start, rule=r, explanation="")
    assert deadlines.warning_times(deadline) == [start + timedelta(hours=12), start + timedelta(hours=18)]
