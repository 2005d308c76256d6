"""THE helper for "days" (design.md §2, Time): instants are stored in UTC, and every day (deadlines,
due dates, filters, "today") is the local date in the subsidiary's time zone. Working days skip
Saturdays, Sundays and the country's public holidays from the `holidays` package (pinned, since
finance audits deadlines with that calendar), without subdivision.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone


@cache
def zone(tz_name: str) -> ZoneInfo:
    """The time zone, loaded once per process. ZoneInfo keeps only the 8 zones used last beyond those still
    referenced, fewer than the subsidiaries': a page reading the date in each of them loaded most from disk.
    """
    return ZoneInfo(tz_name)


def local_date(instant: datetime, tz_name: str) -> date:
    """The calendar date that `instant` falls on in `tz_name`."""
    if timezone.is_naive(instant):
        raise ValueError("A naive datetime is not an instant; make it timezone-aware")
    return instant.astimezone(zone(tz_name)).date()


def local_today(tz_name: str, now: datetime | None = None) -> date:
    """Today in `tz_name`; `now` defaults to the current instant."""
    return local_date(timezone.now() if now is None else now, tz_name)


def end_of_local_day(day: date, tz_name: str) -> datetime:
    """The instant of 24:00 local time on `day`, i.e. the start of the next local day, in UTC.

    Adding a day to the date (not 24 hours to an instant) keeps this right across DST changes;
    where midnight does not exist, zoneinfo's fold=0 yields the instant the next day starts.
    UTC, like every stored instant, also spares callers Python's wall-clock arithmetic between
    datetimes that share a tzinfo.
    """
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone(tz_name))
    return midnight.astimezone(UTC)


@cache
def _holiday_dates(country: str, year: int) -> frozenset[date]:
    try:
        calendar = holidays.country_holidays(country, years=year)
    except NotImplementedError as error:
        raise ValueError(f"No holiday calendar for country {country!r}") from error
    # A frozen copy: a cached HolidayBase would grow whenever asked about another year.
    return frozenset(calendar)


def is_working_day(day: date, country: str) -> bool:
    """Not a Saturday, a Sunday or a public holiday of `country` (no subdivision)."""
    return day.weekday() < 5 and day not in _holiday_dates(country, day.year)


def next_working_day_on_or_after(day: date, country: str) -> date:
    while not is_working_day(day, country):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, n: int, country: str) -> date:
    """The n-th working day after `start` (`start` itself when n is 0)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    for _ in range(n):
        day = next_working_day_on_or_after(day + timedelta(days=1), country)
    return day
