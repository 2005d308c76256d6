"""The two contract functions of the right of withdrawal (design.md §4), and `period_end`.

Deadlines are worked out by hand from the calendars: Easter Sunday 2026 is April 5 (Good Friday
April 3, Easter Monday April 6, Ascension May 14, Whit Monday May 25); Easter Sunday 2027 is
March 28. Calendars are `holidays` 0.108 without subdivision, as finance audits them.
"""
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core.localtime import is_working_day
from core.money import precision, quantize
from orders.withdrawal import period_end, prorated_refund, withdrawal_deadline


@pytest.mark.parametrize(
    ("concluded_on", "country", "expected"),
    [
        # design.md's examples
        (date(2026, 3, 4), "FR", date(2026, 3, 18)),
        (date(2026, 4, 24), "FR", date(2026, 5, 11)),  # Fri May 8 (Victoire), weekend
        # D+14 on a weekend
        (date(2026, 3, 7), "FR", date(2026, 3, 23)),
        (date(2026, 3, 8), "FR", date(2026, 3, 23)),
        # Easter Monday 2026-04-06
        (date(2026, 3, 23), "FR", date(2026, 4, 7)),
        (date(2026, 3, 23), "DE", date(2026, 4, 7)),
        (date(2026, 3, 23), "GB", date(2026, 4, 6)),  # not a UK-wide bank holiday
        (date(2026, 3, 23), "TN", date(2026, 4, 6)),
        # Good Friday 2026-04-03
        (date(2026, 3, 20), "FR", date(2026, 4, 3)),
        (date(2026, 3, 20), "DE", date(2026, 4, 7)),  # Good Friday, weekend, Easter Monday
        (date(2026, 3, 20), "GB", date(2026, 4, 6)),
        (date(2026, 3, 20), "TN", date(2026, 4, 3)),
        (date(2027, 3, 12), "DE", date(2027, 3, 30)),  # Good Friday 2027-03-26 … Easter Monday
        # May 1 2026 is a Friday
        (date(2026, 4, 17), "FR", date(2026, 5, 4)),
        (date(2026, 4, 17), "DE", date(2026, 5, 4)),
        (date(2026, 4, 17), "TN", date(2026, 5, 4)),
        (date(2026, 4, 17), "GB", date(2026, 5, 1)),  # the UK's May Day is Monday May 4
        (date(2026, 4, 20), "GB", date(2026, 5, 5)),
        (date(2026, 4, 20), "FR", date(2026, 5, 4)),
        # Ascension and Whit Monday
        (date(2026, 4, 30), "FR", date(2026, 5, 15)),
        (date(2026, 4, 30), "DE", date(2026, 5, 15)),
        (date(2026, 5, 11), "FR", date(2026, 5, 26)),
        (date(2026, 5, 11), "DE", date(2026, 5, 26)),
        (date(2026, 5, 11), "GB", date(2026, 5, 26)),  # Spring bank holiday
        # Bastille Day
        (date(2026, 6, 30), "FR", date(2026, 7, 15)),
        # Christmas 2026 is a Friday
        (date(2026, 12, 11), "FR", date(2026, 12, 28)),
        (date(2026, 12, 11), "DE", date(2026, 12, 28)),
        (date(2026, 12, 11), "GB", date(2026, 12, 29)),  # Boxing Day observed on Monday 28
        (date(2026, 12, 11), "TN", date(2026, 12, 25)),
        # New Year 2027 is a Friday
        (date(2026, 12, 18), "FR", date(2027, 1, 4)),
        (date(2026, 12, 18), "DE", date(2027, 1, 4)),
        (date(2026, 12, 18), "GB", date(2027, 1, 4)),
        (date(2026, 12, 25), "FR", date(2027, 1, 8)),  # concluded on a holiday: no effect
        # Tunisia's Independence Day (Friday March 20 2026)
        (date(2026, 3, 6), "TN", date(2026, 3, 23)),
        # February of a leap year and of a common year
        (date(2028, 2, 15), "FR", date(2028, 2, 29)),
        (date(2027, 2, 15), "FR", date(2027, 3, 1)),
    ],
)
def test_withdrawal_deadline(concluded_on, country, expected):
    assert withdrawal_deadline(concluded_on, country) == expected


def test_withdrawal_deadline_refuses_unknown_country():
    with pytest.raises(ValueError):
        withdrawal_deadline(date(2026, 3, 4), "ZZ")


COUNTRIES = st.sampled_from(["FR", "DE", "ES", "IT", "IE", "NL", "PT", "PL", "GB", "CA", "US",
                             "TN", "SN"])


@given(concluded_on=st.dates(date(2020, 1, 1), date(2035, 12, 31)), country=COUNTRIES)
def test_withdrawal_deadline_is_the_first_working_day_from_d_plus_14(concluded_on, country):
    d14 = concluded_on + timedelta(days=14)
    deadline = withdrawal_deadline(concluded_on, country)
    assert d14 <= deadline <= d14 + timedelta(days=10)
    assert is_working_day(deadline, country)
    skipped = (d14 + timedelta(days=i) for i in range((deadline - d14).days))
    assert not any(is_working_day(day, country) for day in skipped)


JAN_10, FEB_10 = date(2026, 1, 10), date(2026, 2, 10)  # 31 days


@pytest.mark.parametrize(
    ("paid", "currency", "start", "end", "requested_on", "expected"),
    [
        # design.md's example: 31 days, 10 used, 29.99 × 21 / 31 = 20.3158…
        ("29.99", "EUR", JAN_10, FEB_10, date(2026, 1, 19), "20.32"),
        # requested before the start: nothing used
        ("29.99", "EUR", JAN_10, FEB_10, date(2025, 12, 1), "29.99"),
        ("29.99", "EUR", JAN_10, FEB_10, date(2026, 1, 9), "29.99"),
        # the start day counts as used: 29.99 × 30 / 31 = 29.0225…
        ("29.99", "EUR", JAN_10, FEB_10, JAN_10, "29.02"),
        # 30 used: 29.99 / 31 = 0.9674…
        ("29.99", "EUR", JAN_10, FEB_10, date(2026, 2, 8), "0.97"),
        # the last day of the period, the end date and after: all used
        ("29.99", "EUR", JAN_10, FEB_10, date(2026, 2, 9), "0.00"),
        ("29.99", "EUR", JAN_10, FEB_10, FEB_10, "0.00"),
        ("29.99", "EUR", JAN_10, FEB_10, date(2027, 1, 1), "0.00"),
        # a one-day period
        ("9.99", "EUR", date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 1), "0.00"),
        ("9.99", "EUR", date(2026, 3, 1), date(2026, 3, 2), date(2026, 2, 28), "9.99"),
        # a year: 119.88 × 351 / 365 = 115.2818…
        ("119.88", "EUR", date(2026, 1, 1), date(2027, 1, 1), date(2026, 1, 14), "115.28"),
        # half-up ties: 0.05 × 1 / 2 = 0.025, 5 × 1 / 2 = 2.5, 0.001 × 1 / 2 = 0.0005
        ("0.05", "EUR", date(2026, 1, 1), date(2026, 1, 3), date(2026, 1, 1), "0.03"),
        ("5", "XOF", date(2026, 1, 1), date(2026, 1, 3), date(2026, 1, 1), "3"),
        ("0.001", "TND", date(2026, 1, 1), date(2026, 1, 3), date(2026, 1, 1), "0.001"),
        # TND, 3 decimals: 100 × 20 / 30 = 66.6666…
        ("100.000", "TND", date(2026, 4, 1), date(2026, 5, 1), date(2026, 4, 10), "66.667"),
        ("29.990", "TND", JAN_10, FEB_10, date(2026, 1, 19), "20.316"),
        # XOF, no decimals: 10000 × 29 / 30 = 9666.66…, 15000 × 23 / 30 = 11500
        ("10000", "XOF", date(2026, 4, 1), date(2026, 5, 1), date(2026, 4, 1), "9667"),
        ("15000", "XOF", date(2026, 4, 1), date(2026, 5, 1), date(2026, 4, 7), "11500"),
        # leap years: February 2028 has 29 days, 2028 has 366
        ("29.00", "EUR", date(2028, 2, 1), date(2028, 3, 1), date(2028, 2, 10), "19.00"),
        ("28.00", "EUR", date(2027, 2, 1), date(2027, 3, 1), date(2027, 2, 10), "18.00"),
        ("366.00", "EUR", date(2028, 1, 1), date(2029, 1, 1), date(2028, 1, 10), "356.00"),
        ("366.00", "EUR", date(2028, 1, 1), date(2029, 1, 1), date(2028, 2, 29), "306.00"),
        # nothing paid
        ("0.00", "EUR", JAN_10, FEB_10, date(2026, 1, 19), "0.00"),
        # never delivered: everything, quantised
        ("29.99", "EUR", None, None, date(2026, 1, 19), "29.99"),
        ("29.99", "EUR", JAN_10, None, date(2026, 1, 19), "29.99"),
        ("29.99", "EUR", None, FEB_10, date(2026, 1, 19), "29.99"),
        ("29.9", "EUR", None, None, date(2026, 1, 19), "29.90"),
        ("1499.5", "XOF", None, None, date(2026, 1, 19), "1500"),
        ("12.5", "TND", None, None, date(2026, 1, 19), "12.500"),
    ],
)
def test_prorated_refund(paid, currency, start, end, requested_on, expected):
    result = prorated_refund(D(paid), currency, start, end, requested_on)
    assert result == D(expected)
    assert result.as_tuple().exponent == D(expected).as_tuple().exponent


@pytest.mark.parametrize(
    ("paid", "currency", "start", "end"),
    [
        ("29.99", "EUR", JAN_10, JAN_10),  # empty period
        ("29.99", "EUR", FEB_10, JAN_10),  # backwards
        ("29.99", "ZZZ", JAN_10, FEB_10),
        ("29.99", "ZZZ", None, None),
        ("29.99", "", JAN_10, FEB_10),
        ("-1.00", "EUR", JAN_10, FEB_10),
    ],
)
def test_prorated_refund_refuses(paid, currency, start, end):
    with pytest.raises(ValueError):
        prorated_refund(D(paid), currency, start, end, date(2026, 1, 19))


def test_prorated_refund_refuses_floats():
    with pytest.raises(TypeError):
        prorated_refund(29.99, "EUR", JAN_10, FEB_10, date(2026, 1, 19))


@st.composite
def refunds(draw):
    currency = draw(st.sampled_from(["EUR", "TND", "XOF", "GBP"]))
    paid = D(draw(st.integers(0, 10**9))).scaleb(-precision(currency))
    start = draw(st.dates(date(2020, 1, 1), date(2035, 12, 31)))
    end = start + timedelta(days=draw(st.integers(1, 1100)))
    return paid, currency, start, end


REQUEST_OFFSETS = st.integers(-400, 1500)


@given(refund=refunds(), offset=REQUEST_OFFSETS)
def test_prorated_refund_is_between_zero_and_paid_and_quantised(refund, offset):
    paid, currency, start, end = refund
    result = prorated_refund(paid, currency, start, end, start + timedelta(days=offset))
    assert D(0) <= result <= paid
    assert result.as_tuple().exponent == -precision(currency)
    assert result == quantize(result, currency)


@given(refund=refunds(), offsets=st.tuples(REQUEST_OFFSETS, REQUEST_OFFSETS))
def test_prorated_refund_never_grows_with_a_later_request(refund, offsets):
    paid, currency, start, end = refund
    earlier, later = sorted(start + timedelta(days=offset) for offset in offsets)
    assert prorated_refund(paid, currency, start, end, earlier) >= prorated_refund(
        paid, currency, start, end, later
    )


@given(refund=refunds(), days_before=st.integers(1, 400))
def test_prorated_refund_is_everything_before_the_start(refund, days_before):
    paid, currency, start, end = refund
    assert prorated_refund(paid, currency, start, end, start - timedelta(days=days_before)) == paid


@given(refund=refunds(), days_after=st.integers(0, 400))
def test_prorated_refund_is_nothing_from_the_last_day(refund, days_after):
    paid, currency, start, end = refund
    last_day = end - timedelta(days=1)
    assert prorated_refund(paid, currency, start, end, last_day + timedelta(days=days_after)) == 0


@given(refund=refunds(), offset=st.integers(0, 1100))
def test_prorated_refund_is_the_exact_share_rounded_half_up(refund, offset):
    paid, currency, start, end = refund
    total = (end - start).days
    assume(offset < total)
    # Integer arithmetic in the currency's smallest unit: round(a / b) half-up = (2a + b) // 2b.
    unit = D(1).scaleb(-precision(currency))
    numerator = int(paid / unit) * (total - offset - 1)
    expected = (2 * numerator + total) // (2 * total) * unit
    assert prorated_refund(paid, currency, start, end, start + timedelta(days=offset)) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 10), 1, date(2026, 2, 10)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 1, 15), 12, date(2027, 1, 15)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 11, 30), 24, date(2028, 11, 30)),
    ],
)
def test_period_end(start, months, expected):
    assert period_end(start, months) == expected
