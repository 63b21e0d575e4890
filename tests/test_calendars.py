"""Each marketplace's business-day calendar against the official one, for 2026 and 2027.

The expected dates are written out from the official calendars, not read from the holidays
package: gov.uk's bank holidays for England and Wales, the U.S. Office of Personnel Management's
federal holidays (as observed on a weekday), and Russia's Labour Code (art. 112) with the
Government's decree moving the 2026 days off."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client

from disputes import deadlines
from disputes.models import Platform, Store


def d(year: int, *month_days: tuple[int, int]) -> set[date]:
    return {date(year, month, day) for month, day in month_days}


OFFICIAL_DAYS_OFF = {
    # gov.uk/bank-holidays, England and Wales (weekday days off; substitutes for weekend ones).
    ("GB", "ENG", 2026): d(2026, (1, 1), (4, 3), (4, 6), (5, 4), (5, 25), (8, 31), (12, 25), (12, 28)),
    ("GB", "ENG", 2027): d(2027, (1, 1), (3, 26), (3, 29), (5, 3), (5, 31), (8, 30), (12, 27), (12, 28)),
    # OPM federal holidays; a Saturday holiday is observed the Friday before, a Sunday one the
    # Monday after (New Year's Day 2028 falls on a Saturday: observed Friday 31 December 2027).
    ("US", "", 2026): d(
        2026,
        (1, 1),
        (1, 19),
        (2, 16),
        (5, 25),
        (6, 19),
        (7, 3),
        (9, 7),
        (10, 12),
        (11, 11),
        (11, 26),
        (12, 25),
    ),
    ("US", "", 2027): d(
        2027,
        (1, 1),
        (1, 18),
        (2, 15),
        (5, 31),
        (6, 18),
        (7, 5),
        (9, 6),
        (10, 11),
        (11, 11),
        (11, 25),
        (12, 24),
        (12, 31),
    ),
    # Russia 2026: New Year holidays 1–8 January, the 3 January day off moved to Friday 9 January
    # and the 4 January one to Thursday 31 December; 8 March and 9 May fall on weekends and move
    # to the Monday after.
    ("RU", "", 2026): d(
        2026,
        (1, 1),
        (1, 2),
        (1, 5),
        (1, 6),
        (1, 7),
        (1, 8),
        (1, 9),
        (2, 23),
        (3, 9),
        (5, 1),
        (5, 11),
        (6, 12),
        (11, 4),
        (12, 31),
    ),
}


def weekday_days_off(country: str, subdivision: str, year: int) -> set[date]:
    day, days_off = date(year, 1, 1), set()
    while day.year == year:
        if day.weekday() < 5 and not deadlines.is_business_day(day, country=country, subdivision=subdivision):
            days_off.add(day)
        day += timedelta(days=1)
    return days_off


def worked_weekend_days(country: str, subdivision: str, year: int) -> set[date]:
    day, worked = date(year, 1, 1), set()
    while day.year == year:
        if day.weekday() >= 5 and deadlines.is_business_day(day, country=country, subdivision=subdivision):
            worked.add(day)
        day += timedelta(days=1)
    return worked


@pytest.mark.parametrize(
    ("country", "subdivision", "year"),
    list(OFFICIAL_DAYS_OFF),
    ids=["-".join(map(str, key)) for key in OFFICIAL_DAYS_OFF],
)
def test_each_marketplace_calendar_matches_the_official_days_off(country, subdivision, year):
    assert weekday_days_off(country, subdivision, year) == OFFICIAL_DAYS_OFF[(country, subdivision, year)]
    assert worked_weekend_days(country, subdivision, year) == set()


def test_the_russian_2027_calendar_keeps_every_labour_code_day_off():
    # Art. 112: 1–8 January, 23 February, 8 March, 1 and 9 May, 12 June, 4 November; a holiday
    # on a weekend moves to the next working day (May 1 and 9, June 12 in 2027). Where the
    # 2 and 3 January days off go is the Government's yearly decree, not checked here.
    labour_code = d(
        2027,
        (1, 1),
        (1, 4),
        (1, 5),
        (1, 6),
        (1, 7),
        (1, 8),
        (2, 23),
        (3, 8),
        (5, 3),
        (5, 10),
        (6, 14),
        (11, 4),
    )
    assert labour_code <= weekday_days_off("RU", "", 2027)


def test_the_uk_calendar_without_england_lacks_easter_monday_and_the_august_bank_holiday():
    for day in (date(2026, 4, 6), date(2026, 8, 31)):
        assert deadlines.is_business_day(day, country="GB")
        assert not deadlines.is_business_day(day, country="GB", subdivision="ENG")


def test_a_new_uk_store_follows_englands_bank_holidays(db):
    uk = Store.objects.create(
        name="Amazon UK",
        platform=Platform.AMAZON,
        marketplace="gb",
        time_zone="Europe/London",
        currency="GBP",
    )
    us = Store.objects.create(
        name="Amazon US",
        platform=Platform.AMAZON,
        marketplace="US",
        time_zone="America/New_York",
        currency="USD",
    )
    assert (uk.holiday_subdivision, uk.calendar_name) == ("ENG", "GB-ENG")
    assert (us.holiday_subdivision, us.calendar_name) == ("", "US")


def test_a_scottish_store_keeps_its_chosen_region(db):
    scotland = Store.objects.create(
        name="Scottish shop",
        platform=Platform.SHOPIFY,
        marketplace="GB",
        holiday_subdivision="sct",
        time_zone="Europe/London",
        currency="GBP",
    )
    assert scotland.holiday_subdivision == "SCT"
    assert not deadlines.is_business_day(
        date(2026, 8, 3), country="GB", subdivision="SCT"
    )  # first Monday of August


def test_an_unknown_holiday_region_gets_a_clear_error(db):
    store = Store(
        name="Amazon UK",
        platform=Platform.AMAZON,
        marketplace="GB",
        holiday_subdivision="XYZ",
        time_zone="Europe/London",
        currency="GBP",
    )
    with pytest.raises(ValidationError) as error:
        store.full_clean()
    message = error.value.message_dict["holiday_subdivision"][0]
    assert "XYZ is not a holiday region of GB" in message and "ENG" in message


def test_admin_shows_and_saves_the_stores_holiday_region(db):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-for-root-2026")
    client = Client()
    client.force_login(admin)
    store = Store.objects.create(
        name="Amazon UK",
        platform=Platform.AMAZON,
        marketplace="GB",
        time_zone="Europe/London",
        currency="GBP",
    )
    url = f"/admin/disputes/store/{store.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="holiday_subdivision"' in page and 'value="ENG"' in page
    form = {
        "name": store.name,
        "platform": "amazon",
        "marketplace": "GB",
        "holiday_subdivision": "NOPE",
        "time_zone": "Europe/London",
        "currency": "GBP",
        "is_active": "on",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and "NOPE is not a holiday region of GB" in refused.content.decode()
    assert client.post(url, {**form, "holiday_subdivision": "WLS"}).status_code == 302
    store.refresh_from_db()
    assert store.holiday_subdivision == "WLS"
    assert "Amazon UK" in client.get("/admin/disputes/store/").content.decode()


def test_a_region_typed_in_another_case_takes_the_calendars_spelling(db):
    augsburg = Store.objects.create(
        name="Amazon DE",
        platform=Platform.AMAZON,
        marketplace="DE",
        holiday_subdivision=" augsburg ",
        time_zone="Europe/Berlin",
        currency="EUR",
    )
    assert augsburg.holiday_subdivision == "Augsburg"
    augsburg.full_clean()
    # Augsburg's Peace Festival (8 August) is a day off in that city only; in 2028 a Tuesday.
    assert not deadlines.is_business_day(date(2028, 8, 8), country="DE", subdivision="Augsburg")
    assert deadlines.is_business_day(date(2028, 8, 8), country="DE", subdivision="BY")


def test_a_stored_region_the_calendar_no_longer_knows_falls_back_to_the_countrys_holidays(caplog):
    assert not deadlines.is_business_day(date(2026, 4, 3), country="GB", subdivision="GONE")  # Good Friday
    assert deadlines.is_business_day(date(2026, 4, 7), country="GB", subdivision="GONE")
    assert "Unknown holiday region GB-GONE" in caplog.text
