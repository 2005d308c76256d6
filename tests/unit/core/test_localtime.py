"""core.localtime: local dates, the end of a local day across DST, and working days.

DST dates checked by hand: Europe/Paris switches on the last Sundays of March and October
(2026-03-29, 2026-10-25); America/Toronto on the second Sunday of March and the first Sunday of
November (2026-03-08, 2026-11-01).
"""
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from core import localtime
from core.localtime import (
    add_working_days,
    end_of_local_day,
    is_working_day,
    local_date,
    local_today,
    next_working_day_on_or_after,
)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "tz_name", "expected"),
    [
        (utc(2026, 3, 28, 22, 59), "Europe/Paris", date(2026, 3, 28)),  # 23:59 CET
        (utc(2026, 3, 28, 23, 0), "Europe/Paris", date(2026, 3, 29)),  # 00:00 CET
        (utc(2026, 7, 1, 21, 59, 59), "Europe/Paris", date(2026, 7, 1)),  # 23:59:59 CEST
        (utc(2026, 7, 1, 22, 0), "Europe/Paris", date(2026, 7, 2)),  # 00:00 CEST
        (utc(2026, 1, 1, 4, 59), "America/Toronto", date(2025, 12, 31)),  # 23:59 EST
        (utc(2026, 1, 1, 5, 0), "America/Toronto", date(2026, 1, 1)),
        (utc(2026, 7, 1, 3, 59), "America/Toronto", date(2026, 6, 30)),  # 23:59 EDT
        (utc(2026, 7, 1, 4, 0), "America/Toronto", date(2026, 7, 1)),
        (utc(2026, 1, 1, 0, 30), "Africa/Dakar", date(2026, 1, 1)),  # UTC+0
        (utc(2026, 1, 1, 23, 30), "Africa/Tunis", date(2026, 1, 2)),  # UTC+1
        (utc(2028, 2, 28, 23, 0), "Europe/Paris", date(2028, 2, 29)),
        (datetime.fromisoformat("2026-05-01T00:30+02:00"), "UTC", date(2026, 4, 30)),
    ],
)
def test_local_date(instant, tz_name, expected):
    assert local_date(instant, tz_name) == expected


def test_local_date_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        local_date(datetime(2026, 1, 1, 12, 0), "Europe/Paris")


def test_local_today_uses_the_given_instant():
    assert local_today("America/Toronto", now=utc(2026, 1, 1, 4, 30)) == date(2025, 12, 31)
    assert local_today("Europe/Paris", now=utc(2026, 1, 1, 4, 30)) == date(2026, 1, 1)


def test_local_today_defaults_to_now():
    with time_machine.travel(utc(2026, 12, 31, 23, 30), tick=False):
        assert local_today("Europe/Paris") == date(2027, 1, 1)
        assert local_today("America/Toronto") == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("day", "tz_name", "expected_utc", "hours_in_day"),
    [
        (date(2026, 3, 4), "Europe/Paris", utc(2026, 3, 4, 23), 24),
        (date(2026, 3, 28), "Europe/Paris", utc(2026, 3, 28, 23), 24),
        (date(2026, 3, 29), "Europe/Paris", utc(2026, 3, 29, 22), 23),  # spring forward
        (date(2026, 3, 30), "Europe/Paris", utc(2026, 3, 30, 22), 24),
        (date(2026, 10, 25), "Europe/Paris", utc(2026, 10, 25, 23), 25),  # fall back
        (date(2026, 12, 31), "Europe/Paris", utc(2026, 12, 31, 23), 24),
        (date(2028, 2, 28), "Europe/Paris", utc(2028, 2, 28, 23), 24),
        (date(2028, 2, 29), "Europe/Paris", utc(2028, 2, 29, 23), 24),
        (date(2026, 3, 7), "America/Toronto", utc(2026, 3, 8, 5), 24),
        (date(2026, 3, 8), "America/Toronto", utc(2026, 3, 9, 4), 23),  # spring forward
        (date(2026, 10, 31), "America/Toronto", utc(2026, 11, 1, 4), 24),
        (date(2026, 11, 1), "America/Toronto", utc(2026, 11, 2, 5), 25),  # fall back
        (date(2026, 5, 8), "UTC", utc(2026, 5, 9), 24),
        (date(2026, 5, 8), "Africa/Tunis", utc(2026, 5, 8, 23), 24),
    ],
)
def test_end_of_local_day(day, tz_name, expected_utc, hours_in_day):
    end = end_of_local_day(day, tz_name)
    assert end.utcoffset() == timedelta(0)
    assert end == expected_utc
    previous_end = end_of_local_day(day - timedelta(days=1), tz_name)
    assert end - previous_end == timedelta(hours=hours_in_day)


ZONES = st.sampled_from(
    ["UTC", "Europe/Paris", "Europe/London", "America/Toronto", "America/New_York",
     "Africa/Tunis", "Africa/Dakar", "America/Santiago", "Australia/Lord_Howe"]
)


@given(day=st.dates(date(2000, 1, 1), date(2040, 12, 31)), tz_name=ZONES)
def test_end_of_local_day_is_the_first_instant_of_the_next_day(day, tz_name):
    end = end_of_local_day(day, tz_name)
    assert local_date(end - timedelta(microseconds=1), tz_name) == day
    assert local_date(end, tz_name) == day + timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "country", "working"),
    [
        (date(2026, 3, 4), "FR", True),  # a Wednesday
        (date(2026, 3, 7), "FR", False),  # Saturday
        (date(2026, 3, 8), "FR", False),  # Sunday
        (date(2026, 4, 3), "FR", True),  # Good Friday: only Alsace-Moselle, a subdivision
        (date(2026, 4, 3), "DE", False),  # Karfreitag
        (date(2026, 4, 3), "GB", False),
        (date(2026, 4, 6), "FR", False),  # Easter Monday
        (date(2026, 4, 6), "DE", False),
        (date(2026, 4, 6), "GB", True),  # not UK-wide (not in Scotland); no subdivision is used
        (date(2026, 4, 6), "TN", True),
        (date(2026, 5, 1), "FR", False),
        (date(2026, 5, 1), "DE", False),
        (date(2026, 5, 1), "TN", False),
        (date(2026, 5, 1), "GB", True),  # the UK's May Day is the first Monday of May
        (date(2026, 5, 4), "GB", False),
        (date(2026, 5, 4), "FR", True),
        (date(2026, 5, 8), "FR", False),  # Victoire 1945
        (date(2026, 5, 8), "DE", True),
        (date(2026, 5, 14), "FR", False),  # Ascension
        (date(2026, 5, 25), "FR", False),  # Whit Monday
        (date(2026, 5, 25), "GB", False),  # Spring bank holiday
        (date(2026, 7, 14), "FR", False),
        (date(2026, 12, 25), "FR", False),
        (date(2026, 12, 25), "TN", True),
        (date(2026, 12, 28), "GB", False),  # Boxing Day (observed)
        (date(2026, 12, 28), "FR", True),
        (date(2026, 3, 20), "TN", False),  # Independence Day
        (date(2026, 4, 9), "TN", False),  # Martyrs' Day
        (date(2027, 1, 1), "FR", False),
    ],
)
def test_is_working_day(day, country, working):
    assert is_working_day(day, country) is working


def test_unknown_country_is_an_error():
    with pytest.raises(ValueError):
        is_working_day(date(2026, 3, 4), "ZZ")


def test_holiday_calendars_are_cached_per_country_and_year():
    localtime._holiday_dates.cache_clear()
    is_working_day(date(2026, 5, 1), "FR")
    is_working_day(date(2026, 12, 25), "FR")
    is_working_day(date(2027, 1, 1), "FR")
    info = localtime._holiday_dates.cache_info()
    assert (info.misses, info.hits) == (2, 1)


@pytest.mark.parametrize(
    ("day", "country", "expected"),
    [
        (date(2026, 3, 4), "FR", date(2026, 3, 4)),
        (date(2026, 3, 7), "FR", date(2026, 3, 9)),
        (date(2026, 3, 8), "FR", date(2026, 3, 9)),
        (date(2026, 5, 8), "FR", date(2026, 5, 11)),
        (date(2026, 4, 3), "DE", date(2026, 4, 7)),  # Good Friday, weekend, Easter Monday
        (date(2026, 12, 25), "GB", date(2026, 12, 29)),
        (date(2026, 12, 31), "FR", date(2026, 12, 31)),
        (date(2027, 1, 1), "FR", date(2027, 1, 4)),
    ],
)
def test_next_working_day_on_or_after(day, country, expected):
    assert next_working_day_on_or_after(day, country) == expected


@pytest.mark.parametrize(
    ("start", "n", "country", "expected"),
    [
        (date(2026, 3, 4), 0, "FR", date(2026, 3, 4)),
        (date(2026, 3, 7), 0, "FR", date(2026, 3, 7)),
        (date(2026, 3, 4), 1, "FR", date(2026, 3, 5)),
        (date(2026, 3, 6), 1, "FR", date(2026, 3, 9)),  # Friday → Monday
        (date(2026, 3, 7), 1, "FR", date(2026, 3, 9)),  # from a Saturday
        (date(2026, 3, 6), 2, "FR", date(2026, 3, 10)),
        (date(2026, 4, 30), 2, "FR", date(2026, 5, 5)),  # May 1 skipped
        (date(2026, 4, 30), 2, "GB", date(2026, 5, 5)),  # May 4 skipped
        (date(2026, 4, 30), 2, "TN", date(2026, 5, 5)),
        (date(2026, 5, 6), 2, "FR", date(2026, 5, 11)),  # May 8 skipped
        (date(2026, 4, 2), 2, "DE", date(2026, 4, 8)),  # Good Friday and Easter Monday
        (date(2026, 4, 2), 2, "FR", date(2026, 4, 7)),  # only Easter Monday
        (date(2026, 12, 14), 10, "FR", date(2026, 12, 29)),
        (date(2026, 12, 14), 10, "DE", date(2026, 12, 29)),
        (date(2026, 12, 14), 10, "GB", date(2026, 12, 30)),  # Boxing Day observed
        (date(2026, 12, 30), 2, "FR", date(2027, 1, 4)),  # over New Year
    ],
)
def test_add_working_days(start, n, country, expected):
    assert add_working_days(start, n, country) == expected


def test_add_working_days_refuses_negative_counts():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 4), -1, "FR")


@given(
    start=st.dates(date(2020, 1, 1), date(2035, 12, 31)),
    n=st.integers(1, 30),
    country=st.sampled_from(["FR", "DE", "ES", "IT", "IE", "NL", "PT", "PL", "GB", "CA", "US",
                             "TN", "SN"]),
)
def test_add_working_days_counts_exactly_n_working_days(start, n, country):
    result = add_working_days(start, n, country)
    assert is_working_day(result, country)
    days_between = [start + timedelta(days=i) for i in range(1, (result - start).days + 1)]
    assert sum(is_working_day(day, country) for day in days_between) == n
