import importlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps

from disputes import deadlines
from disputes.default_rules import RULES
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
    warning_hours,
)

UTC = ZoneInfo("UTC")
LA = ZoneInfo("America/Los_Angeles")
MSK = ZoneInfo("Europe/Moscow")

seed_migration = importlib.import_module("disputes.migrations.0002_squashed_default_deadline_rules")
opening_seed_migration = importlib.import_module("disputes.migrations.0025_claim_opening_rules")


def store(platform=Platform.AMAZON, marketplace="US", tz="America/Los_Angeles") -> Store:
    return Store(
        name=f"{platform}-{marketplace}",
        platform=platform,
        marketplace=marketplace,
        time_zone=tz,
        currency="USD",
    )


def rule(unit, length, starts_from=DeadlineStart.CLAIM_OPENED, warn=None, **extra) -> DeadlineRule:
    return DeadlineRule(
        platform=Platform.AMAZON,
        claim_kind=ClaimKind.A_TO_Z,
        deadline=DeadlineKind.RESPOND,
        length=length,
        unit=unit,
        starts_from=starts_from,
        warn_hours_before=warn or [],
        **extra,
    )


def local(moment: datetime, zone=LA) -> datetime:
    return moment.astimezone(zone)


# --- the seeded rules ---------------------------------------------------------------------

EXPECTED_SEEDS = {
    ("amazon", "a_to_z", "respond"): (72, "calendar_hours", "platform_request"),
    ("amazon", "a_to_z", "appeal"): (30, "calendar_days", "claim_closed"),
    ("amazon", "chargeback", "respond"): (7, "calendar_days", "claim_opened"),
    ("ebay", "ebay_case", "respond"): (3, "business_days", "claim_opened"),
    ("ebay", "ebay_case", "appeal"): (30, "calendar_days", "claim_closed"),
    ("ozon", "ozon_dispute", "respond"): (24, "calendar_hours", "claim_opened"),
    ("dhgate", "dhgate_dispute", "respond"): (5, "calendar_days", "claim_opened"),
    ("walmart", "walmart_dispute", "respond"): (48, "calendar_hours", "claim_opened"),
    # DOMAIN: an Amazon buyer writes first and waits 48 hours; an item-not-received claim opens 3
    # days after the latest delivery date; eBay's seller has 3 business days before escalation.
    ("amazon", "a_to_z", "opens_after_contact"): (48, "calendar_hours", "message_received"),
    ("amazon", "a_to_z", "opens_after_delivery"): (3, "calendar_days", "latest_delivery"),
    ("ebay", "ebay_case", "opens_after_contact"): (3, "business_days", "message_received"),
    **{
        (p, "buyer_complaint", "respond"): (24, "calendar_hours", "claim_opened")
        for p in ("amazon", "ebay", "ozon", "dhgate", "walmart")
    },
}
SEEDED_KEYS = [(platform, kind, deadline) for platform, kind, deadline, *_ in RULES]


def test_the_migration_seeds_the_domain_defaults(db):
    DeadlineRule.objects.all().delete()
    seed_migration.seed(apps, None)
    opening_seed_migration.seed(apps, None)
    seeded = {
        (r.platform, r.claim_kind, r.deadline): (r.length, r.unit, r.starts_from)
        for r in DeadlineRule.objects.all()
    }
    assert set(seeded) == set(SEEDED_KEYS)
    for key, expected in EXPECTED_SEEDS.items():
        assert seeded[key] == expected, key
    assert all(r.is_active and r.source for r in DeadlineRule.objects.all())


def test_seeding_again_keeps_an_admins_edit(db):
    seed_migration.seed(apps, None)
    DeadlineRule.objects.filter(platform="amazon", claim_kind="a_to_z", deadline="respond").update(length=96)
    seed_migration.seed(apps, None)
    assert (
        DeadlineRule.objects.filter(platform="amazon", claim_kind="a_to_z", deadline="respond").get().length
        == 96
    )
    assert DeadlineRule.objects.count() == len(SEEDED_KEYS)


@pytest.mark.parametrize("key", SEEDED_KEYS, ids=["-".join(k) for k in SEEDED_KEYS])
def test_each_seeded_rule_gives_its_window_from_a_plain_weekday(rules, key):
    platform, kind, deadline = key
    r = DeadlineRule.objects.get(platform=platform, claim_kind=kind, deadline=deadline)
    # Tuesday 2026-06-09 10:00 UTC: no US or Russian holiday within the longest window's
    # business days, and no DST change within 30 days.
    start = datetime(2026, 6, 9, 10, 0, tzinfo=UTC)
    s = (
        store(platform, "RU", "Europe/Moscow")
        if platform == "ozon"
        else store(platform, "US", "America/New_York")
    )
    due = deadlines.compute_due(r, start, store=s)
    expected = {
        DeadlineUnit.CALENDAR_HOURS: timedelta(hours=r.length),
        DeadlineUnit.CALENDAR_DAYS: timedelta(days=r.length),
        # Tuesday 06:00 in New York + 3: Wednesday to Friday in full, to 00:00 EDT on Saturday.
        DeadlineUnit.BUSINESS_DAYS: timedelta(days=r.length, hours=18),
    }[r.unit]
    assert due - start == expected
    assert due.tzinfo == UTC
    if r.deadline in deadlines.OPENING_DEADLINES:
        # When a buyer may open a claim is shown, never alerted: no warnings.
        assert r.warn_hours_before == []
        return
    assert r.warn_hours_before and all(isinstance(h, int) and h > 0 for h in r.warn_hours_before)
    assert all(h < expected.total_seconds() / 3600 for h in r.warn_hours_before)


# --- business days ------------------------------------------------------------------------


def test_three_business_days_from_a_thursday_morning_skip_the_weekend_and_end_as_tuesday_ends():
    start = datetime(2026, 6, 11, 9, 0, tzinfo=LA)  # Thursday
    due = deadlines.add_business_days(start, 3, country="US", time_zone="America/Los_Angeles")
    assert local(due) == datetime(2026, 6, 17, 0, 0, tzinfo=LA)  # Fri, Mon, Tue in full


def test_three_business_days_from_the_tuesday_before_thanksgiving_skip_it_and_end_as_monday_ends():
    start = datetime(2026, 11, 24, 10, 0, tzinfo=LA)  # Tuesday
    due = deadlines.add_business_days(start, 3, country="US", time_zone="America/Los_Angeles")
    # Wed 25, (Thu 26 Thanksgiving), Fri 27, (weekend), Mon 30.
    assert local(due) == datetime(2026, 12, 1, 0, 0, tzinfo=LA)


def test_one_business_day_from_thanksgiving_afternoon_ends_as_the_friday_after_ends():
    start = datetime(2026, 11, 26, 14, 0, tzinfo=LA)  # Thanksgiving
    due = deadlines.add_business_days(start, 1, country="US", time_zone="America/Los_Angeles")
    assert local(due) == datetime(2026, 11, 28, 0, 0, tzinfo=LA)  # Friday 27 in full, not Monday


def test_business_days_skip_the_russian_new_year_holidays():
    for day in range(1, 9):
        assert not deadlines.is_business_day(date(2027, 1, day), country="RU")
    assert not deadlines.is_business_day(date(2026, 12, 31), country="RU")  # a day off moved from 4 January
    start = datetime(2026, 12, 29, 12, 0, tzinfo=MSK)  # Tuesday
    due = deadlines.add_business_days(start, 2, country="RU", time_zone="Europe/Moscow")
    # Wed 30 December, then 31 December to 8 January off and the 9–10 weekend: Monday 11 January.
    assert local(due, MSK) == datetime(2027, 1, 12, 0, 0, tzinfo=MSK)


def test_a_start_inside_the_russian_holidays_counts_from_their_end():
    start = datetime(2027, 1, 4, 12, 0, tzinfo=MSK)  # a Monday inside the holidays
    due = deadlines.add_business_days(start, 1, country="RU", time_zone="Europe/Moscow")
    assert local(due, MSK) == datetime(2027, 1, 12, 0, 0, tzinfo=MSK)  # Monday 11th in full


def test_a_saturday_worked_in_russia_is_a_business_day():
    # Russia moved the day off from Saturday 20 February 2027 to Monday 22 February.
    assert deadlines.is_business_day(date(2027, 2, 20), country="RU")
    assert not deadlines.is_business_day(date(2027, 2, 22), country="RU")
    assert not deadlines.is_business_day(date(2027, 2, 20), country="US")


def test_three_business_days_from_a_saturday_end_when_wednesday_ends():
    start = datetime(2026, 6, 13, 15, 30, tzinfo=LA)  # Saturday
    due = deadlines.add_business_days(start, 3, country="US", time_zone="America/Los_Angeles")
    assert local(due) == datetime(2026, 6, 18, 0, 0, tzinfo=LA)  # Monday to Wednesday in full


def test_the_stores_local_date_decides_the_business_day():
    # Thursday 23:30 in Los Angeles is already Friday in UTC: Friday is still a full day.
    start = datetime(2026, 6, 12, 6, 30, tzinfo=UTC)
    due = deadlines.add_business_days(start, 1, country="US", time_zone="America/Los_Angeles")
    assert local(due) == datetime(2026, 6, 13, 0, 0, tzinfo=LA)


def test_an_unknown_country_keeps_only_weekends():
    assert deadlines.is_business_day(date(2026, 12, 25), country="XX")
    assert not deadlines.is_business_day(date(2026, 12, 26), country="XX")
    start = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)  # Thursday
    due = deadlines.add_business_days(start, 1, country="XX", time_zone="UTC")
    assert due == datetime(2026, 12, 26, 0, 0, tzinfo=UTC)  # Christmas counts


def test_business_days_through_compute_due_use_the_stores_marketplace():
    start = datetime(2026, 12, 24, 9, 0, tzinfo=LA)  # Thursday
    r = rule(DeadlineUnit.BUSINESS_DAYS, 1)
    # US: Christmas, the weekend, then Monday 28 in full.
    assert local(deadlines.compute_due(r, start, store=store())) == datetime(2026, 12, 29, 0, 0, tzinfo=LA)
    somewhere = store(marketplace="XX")
    assert local(deadlines.compute_due(r, start, store=somewhere)) == datetime(2026, 12, 26, 0, 0, tzinfo=LA)


NY = ZoneInfo("America/New_York")


def ebay_us() -> Store:
    return store(Platform.EBAY, "US", "America/New_York")


def ebay_rule(length: int) -> DeadlineRule:
    return DeadlineRule(
        platform=Platform.EBAY,
        claim_kind=ClaimKind.EBAY_CASE,
        deadline=DeadlineKind.RESPOND,
        length=length,
        unit=DeadlineUnit.BUSINESS_DAYS,
    )


def test_three_business_days_from_the_saturday_before_thanksgiving_end_as_wednesday_ends():
    start = datetime(2026, 11, 21, 11, 0, tzinfo=NY)  # Saturday
    due = deadlines.compute_due(ebay_rule(3), start, store=ebay_us())
    # Monday 23, Tuesday 24, Wednesday 25; Thanksgiving does not stretch the window to Friday.
    assert local(due, NY) == datetime(2026, 11, 26, 0, 0, tzinfo=NY)


@pytest.mark.parametrize(
    "start",
    [datetime(2026, 6, 6, 9, 0, tzinfo=NY), datetime(2026, 6, 7, 22, 0, tzinfo=NY)],
    ids=["saturday", "sunday"],
)
def test_five_business_days_from_a_weekend_start_end_as_friday_ends(start):
    due = deadlines.compute_due(ebay_rule(5), start, store=ebay_us())
    assert local(due, NY) == datetime(2026, 6, 13, 0, 0, tzinfo=NY)  # Monday 8 to Friday 12, not Monday 15


def test_business_days_from_a_start_mid_business_day_count_from_the_next_day():
    start = datetime(2026, 6, 9, 10, 0, tzinfo=NY)  # Tuesday morning: Tuesday is not a full day
    due = deadlines.compute_due(ebay_rule(3), start, store=ebay_us())
    assert local(due, NY) == datetime(2026, 6, 13, 0, 0, tzinfo=NY)  # Wednesday to Friday in full


def test_business_days_from_midnight_of_a_business_day_count_that_day():
    start = datetime(2026, 6, 9, 0, 0, tzinfo=NY)  # Tuesday 00:00: the whole of Tuesday is left
    due = deadlines.compute_due(ebay_rule(3), start, store=ebay_us())
    assert local(due, NY) == datetime(2026, 6, 12, 0, 0, tzinfo=NY)  # Tuesday to Thursday


def test_business_days_ending_before_a_holiday_end_as_the_last_day_ends():
    # England, Easter 2026: Tuesday 31 March to Thursday 2 April; Good Friday follows.
    start = datetime(2026, 3, 30, 15, 0, tzinfo=ZoneInfo("Europe/London"))
    uk = Store(
        name="Amazon UK",
        platform=Platform.AMAZON,
        marketplace="GB",
        holiday_subdivision="ENG",
        time_zone="Europe/London",
        currency="GBP",
    )
    due = deadlines.compute_due(rule(DeadlineUnit.BUSINESS_DAYS, 3), start, store=uk)
    assert local(due, ZoneInfo("Europe/London")) == datetime(
        2026, 4, 3, 0, 0, tzinfo=ZoneInfo("Europe/London")
    )


def test_business_days_over_the_year_end_skip_new_years_day_and_the_weekend():
    start = datetime(2026, 12, 30, 14, 0, tzinfo=NY)  # Wednesday
    due = deadlines.compute_due(ebay_rule(2), start, store=ebay_us())
    # Thursday 31 December, then (1 January, the 2–3 weekend) Monday 4 January 2027.
    assert local(due, NY) == datetime(2027, 1, 5, 0, 0, tzinfo=NY)


def test_one_business_day_ending_on_new_years_eve_ends_as_the_year_ends():
    start = datetime(2026, 12, 30, 14, 0, tzinfo=NY)
    due = deadlines.compute_due(ebay_rule(1), start, store=ebay_us())
    assert local(due, NY) == datetime(2027, 1, 1, 0, 0, tzinfo=NY)  # not Monday 4 January


def test_a_lower_case_country_code_still_finds_its_holidays():
    assert not deadlines.is_business_day(date(2026, 11, 26), country="us")


# --- daylight saving ----------------------------------------------------------------------


def test_calendar_hours_are_elapsed_hours_across_spring_forward():
    start = datetime(2026, 3, 7, 10, 0, tzinfo=LA)  # PST; clocks jump on 8 March
    due = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_HOURS, 48), start, store=store())
    assert due - start == timedelta(hours=48)
    assert local(due) == datetime(2026, 3, 9, 11, 0, tzinfo=LA)  # an hour later on the wall clock


def test_calendar_hours_are_elapsed_hours_across_fall_back():
    start = datetime(2026, 10, 31, 10, 0, tzinfo=LA)  # PDT; clocks fall back on 1 November
    due = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_HOURS, 48), start, store=store())
    assert due - start == timedelta(hours=48)
    assert local(due) == datetime(2026, 11, 2, 9, 0, tzinfo=LA)


def test_calendar_days_keep_the_wall_clock_across_spring_forward():
    start = datetime(2026, 3, 7, 10, 0, tzinfo=LA)
    due = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_DAYS, 7), start, store=store())
    assert local(due) == datetime(2026, 3, 14, 10, 0, tzinfo=LA)
    assert due - start == timedelta(days=7) - timedelta(hours=1)


def test_calendar_days_keep_the_wall_clock_across_fall_back():
    start = datetime(2026, 10, 30, 10, 0, tzinfo=LA)
    due = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_DAYS, 5), start, store=store())
    assert local(due) == datetime(2026, 11, 4, 10, 0, tzinfo=LA)
    assert due - start == timedelta(days=5, hours=1)


def test_a_due_time_in_the_us_spring_forward_gap_is_the_moment_the_clocks_jump():
    start = datetime(2026, 3, 7, 2, 30, tzinfo=LA)  # 02:30 does not exist on 8 March
    r = rule(DeadlineUnit.CALENDAR_DAYS, 1)
    due = deadlines.compute_due(r, start, store=store())
    assert due == datetime(2026, 3, 8, 10, 0, tzinfo=UTC)  # 02:00 PST = 03:00 PDT, not 03:30
    assert local(due) == datetime(2026, 3, 8, 3, 0, tzinfo=LA)
    assert "skipped when the clocks go forward" in deadlines.explain(r, start, store=store())
    assert "skipped" not in deadlines.explain(r, start + timedelta(hours=2), store=store())


@pytest.mark.parametrize(
    ("zone", "wall_clock", "jump_utc"),
    [
        ("Europe/Berlin", (2, 15), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # 02:00 CET → 03:00 CEST
        ("Europe/London", (1, 30), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # 01:00 GMT → 02:00 BST
    ],
)
def test_a_due_time_in_the_eu_spring_forward_gap_is_the_moment_the_clocks_jump(zone, wall_clock, jump_utc):
    start = datetime(2026, 3, 28, *wall_clock, tzinfo=ZoneInfo(zone))
    eu = store(marketplace="DE", tz=zone)
    due = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_DAYS, 1), start, store=eu)
    assert due == jump_utc
    assert due - start < timedelta(days=1)  # never later than one day's wall-clock allows


def test_a_wall_clock_time_repeated_by_fall_back_is_its_first_occurrence():
    start = datetime(2026, 10, 31, 1, 30, tzinfo=LA)
    due = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_DAYS, 1), start, store=store())
    assert due == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)  # 01:30 PDT, not 01:30 PST


def test_a_start_in_the_repeated_hour_keeps_its_wall_clock_on_a_plain_day():
    start = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=LA)  # the second 01:30, PST
    due = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_DAYS, 1), start, store=store())
    assert local(due) == datetime(2026, 11, 2, 1, 30, tzinfo=LA)


def test_business_days_across_fall_back_end_at_local_midnight():
    start = datetime(2026, 10, 30, 16, 0, tzinfo=LA)  # Friday PDT
    due = deadlines.add_business_days(start, 1, country="US", time_zone="America/Los_Angeles")
    assert local(due) == datetime(2026, 11, 3, 0, 0, tzinfo=LA)  # Monday in full, PST
    assert due - start == timedelta(days=3, hours=9)


def test_business_days_across_spring_forward_end_at_local_midnight():
    start = datetime(2026, 3, 6, 16, 0, tzinfo=LA)  # Friday PST
    due = deadlines.add_business_days(start, 1, country="US", time_zone="America/Los_Angeles")
    assert local(due) == datetime(2026, 3, 10, 0, 0, tzinfo=LA)  # Monday in full, PDT
    assert due - start == timedelta(days=3, hours=7)


def test_moscow_has_no_dst_so_days_and_hours_agree():
    moscow = store(Platform.OZON, "RU", "Europe/Moscow")
    for start in (datetime(2026, 3, 28, 12, 0, tzinfo=MSK), datetime(2026, 10, 24, 12, 0, tzinfo=MSK)):
        by_days = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_DAYS, 2), start, store=moscow)
        by_hours = deadlines.compute_due(rule(DeadlineUnit.CALENDAR_HOURS, 48), start, store=moscow)
        assert by_days == by_hours == start + timedelta(days=2)


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError):
        deadlines.compute_due(
            rule(DeadlineUnit.CALENDAR_HOURS, 24), datetime(2026, 6, 9, 10, 0), store=store()
        )


# --- claims -------------------------------------------------------------------------------

OPENED = datetime(2026, 6, 9, 10, 0, tzinfo=UTC)  # Tuesday, 03:00 PDT, 13:00 MSK


def a_to_z(world, **extra) -> Claim:
    return Claim(
        store=world.store_a,
        order=world.order_a,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.NOT_RECEIVED,
        opened_at=OPENED,
        **extra,
    )


def test_start_for_follows_the_rules_starting_point(world):
    asked, closed = OPENED + timedelta(hours=5), OPENED + timedelta(days=9)
    claim = a_to_z(world, platform_requested_at=asked, closed_at=closed)
    assert (
        deadlines.start_for(rule(DeadlineUnit.CALENDAR_HOURS, 1, DeadlineStart.CLAIM_OPENED), claim) == OPENED
    )
    assert (
        deadlines.start_for(rule(DeadlineUnit.CALENDAR_HOURS, 1, DeadlineStart.PLATFORM_REQUEST), claim)
        == asked
    )
    assert (
        deadlines.start_for(rule(DeadlineUnit.CALENDAR_HOURS, 1, DeadlineStart.CLAIM_CLOSED), claim) == closed
    )
    still_open = a_to_z(world)
    assert (
        deadlines.start_for(rule(DeadlineUnit.CALENDAR_HOURS, 1, DeadlineStart.PLATFORM_REQUEST), still_open)
        == OPENED
    )
    assert (
        deadlines.start_for(rule(DeadlineUnit.CALENDAR_HOURS, 1, DeadlineStart.CLAIM_CLOSED), still_open)
        is None
    )


def test_a_to_z_counts_from_the_platforms_request_when_recorded(world):
    asked = datetime(2026, 6, 10, 18, 0, tzinfo=UTC)
    deadline = deadlines.for_claim(a_to_z(world, platform_requested_at=asked))
    assert deadline.start == asked and deadline.due == asked + timedelta(hours=72)
    assert deadline.explanation == "72 calendar hours from the platform's request at 2026-06-10 11:00 PDT"


def test_a_to_z_without_a_request_counts_from_opening_and_says_so(world):
    deadline = deadlines.for_claim(a_to_z(world))
    assert deadline.start == OPENED and deadline.due == OPENED + timedelta(hours=72)
    assert "no request from the platform recorded yet" in deadline.explanation


def test_explanation_names_length_unit_and_the_start_on_the_stores_clock(world):
    deadline = deadlines.for_claim(a_to_z(world))
    assert deadline.explanation.startswith("72 calendar hours from the opening of the claim")
    assert "2026-06-09 03:00 PDT" in deadline.explanation


def test_explanation_uses_moscow_time_for_an_ozon_store(world):
    claim = Claim(
        store=world.store_b,
        order=world.order_a,
        kind=ClaimKind.OZON_DISPUTE,
        reason=Reason.DAMAGED,
        opened_at=OPENED,
    )
    deadline = deadlines.for_claim(claim)
    assert deadline.due == OPENED + timedelta(hours=24)
    assert deadline.explanation == "24 calendar hours from the opening of the claim at 2026-06-09 13:00 MSK"


def test_business_day_explanation_names_the_calendar(world):
    ebay = Store.objects.create(
        name="eBay US", platform=Platform.EBAY, marketplace="US", time_zone="America/New_York", currency="USD"
    )
    claim = Claim(
        store=ebay, order=world.order_a, kind=ClaimKind.EBAY_CASE, reason=Reason.DAMAGED, opened_at=OPENED
    )
    deadline = deadlines.for_claim(claim)
    assert deadline.explanation == (
        "3 full business days (US calendar) after the opening of the claim at "
        "2026-06-09 06:00 EDT; the window ends at midnight after the last one"
    )
    assert local(deadline.due, ZoneInfo("America/New_York")) == datetime(
        2026, 6, 13, 0, 0, tzinfo=ZoneInfo("America/New_York")
    )


def test_appeal_explanation_counts_from_the_decision(world):
    closed = a_to_z(world, closed_at=datetime(2026, 6, 20, 19, 0, tzinfo=UTC))
    deadline = deadlines.for_claim(closed, DeadlineKind.APPEAL)
    assert deadline.explanation == "30 calendar days from the decision at 2026-06-20 12:00 PDT"
    assert local(deadline.due) == datetime(2026, 7, 20, 12, 0, tzinfo=LA)


def test_rule_for_finds_only_active_rules(rules):
    assert deadlines.rule_for(Platform.AMAZON, ClaimKind.A_TO_Z).length == 72
    assert deadlines.rule_for(Platform.AMAZON, ClaimKind.A_TO_Z, DeadlineKind.APPEAL).length == 30
    assert deadlines.rule_for(Platform.AMAZON, ClaimKind.NEGATIVE_FEEDBACK) is None
    DeadlineRule.objects.filter(platform="amazon", claim_kind="a_to_z", deadline="respond").update(
        is_active=False
    )
    assert deadlines.rule_for(Platform.AMAZON, ClaimKind.A_TO_Z) is None


def test_no_deadline_without_a_rule(world):
    feedback = Claim(
        store=world.store_a,
        order=world.order_a,
        kind=ClaimKind.NEGATIVE_FEEDBACK,
        reason=Reason.OTHER,
        opened_at=OPENED,
    )
    assert deadlines.for_claim(feedback) is None


def test_no_deadline_when_the_rule_is_inactive(world):
    DeadlineRule.objects.filter(platform="amazon", claim_kind="a_to_z", deadline="respond").update(
        is_active=False
    )
    assert deadlines.for_claim(a_to_z(world)) is None
    assert (
        deadlines.for_claim(a_to_z(world), rule=rule(DeadlineUnit.CALENDAR_HOURS, 10, is_active=False))
        is None
    )


def test_a_rule_passed_in_is_used_instead_of_the_lookup(world):
    deadline = deadlines.for_claim(a_to_z(world), rule=rule(DeadlineUnit.CALENDAR_DAYS, 2))
    assert deadline.due == OPENED + timedelta(days=2)


def test_no_appeal_deadline_before_the_claim_is_closed(world):
    assert deadlines.for_claim(a_to_z(world), DeadlineKind.APPEAL) is None


# --- warnings -----------------------------------------------------------------------------


def test_warning_hours_keep_each_positive_number_once_largest_first():
    assert warning_hours([6, 48, 12, 6, 1.5, 24.0, 2.345]) == [48, 24, 12, 6, 2.35, 1.5]


def test_warning_hours_skip_whatever_is_not_a_positive_number_of_hours():
    junk = [0, -3, "12", None, True, [2], {"h": 1}, float("nan"), float("inf"), 1e9, 0.001]
    assert warning_hours([6, *junk]) == [6]


@pytest.mark.parametrize("value", [[], None, True, "24", {"hours": 6}, 24])
def test_no_warning_hours_without_a_list(value):
    assert warning_hours(value) == []
