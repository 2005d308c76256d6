"""core.money: precision, half-up rounding, formatting, micro-cents and exact allocation.

Expected values are worked out by hand, not with the code under test.
"""
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import allocate, format_money, precision, price_json, quantize, to_ucents

NBSP = "\xa0"
NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("currency", "expected"),
    [("EUR", 2), ("GBP", 2), ("PLN", 2), ("CAD", 2), ("USD", 2), ("TND", 3), ("XOF", 0),
     ("JPY", 0)],
)
def test_precision(currency, expected):
    assert precision(currency) == expected


@pytest.mark.parametrize("currency", ["ZZZ", "", "eur", "EURO", "€"])
def test_precision_refuses_unknown_currency(currency):
    with pytest.raises(ValueError):
        precision(currency)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.005", "EUR", "0.01"),
        ("0.004", "EUR", "0.00"),
        ("1.005", "EUR", "1.01"),
        ("1.0049999", "EUR", "1.00"),
        ("2.675", "EUR", "2.68"),  # the classic float trap: 2.675 is 2.67499… as a float
        ("0.025", "EUR", "0.03"),  # half-even would give 0.02
        ("-0.005", "EUR", "-0.01"),  # ties away from zero
        ("10", "EUR", "10.00"),
        ("29.99", "EUR", "29.99"),
        ("1.0005", "TND", "1.001"),
        ("1.0004", "TND", "1.000"),
        ("12.3455", "TND", "12.346"),
        ("7", "TND", "7.000"),
        ("2.5", "XOF", "3"),  # half-even would give 2
        ("3.5", "XOF", "4"),
        ("1499.49", "XOF", "1499"),
        ("1499.50", "XOF", "1500"),
    ],
)
def test_quantize_rounds_half_up(amount, currency, expected):
    result = quantize(D(amount), currency)
    assert result == D(expected)
    assert result.as_tuple().exponent == D(expected).as_tuple().exponent


def test_quantize_refuses_floats():
    with pytest.raises(TypeError):
        quantize(29.99, "EUR")


def test_quantize_refuses_unknown_currency():
    with pytest.raises(ValueError):
        quantize(D("1"), "ZZZ")


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("29.99", "EUR", "en", "€29.99"),
        ("29.99", "EUR", "fr", f"29,99{NBSP}€"),
        ("1234.5", "EUR", "fr", f"1{NNBSP}234,50{NBSP}€"),
        ("1234.5", "EUR", "en", "€1,234.50"),
        ("29.995", "EUR", "en", "€30.00"),  # rounded half-up before formatting
        ("1234.5", "GBP", "en-gb", "£1,234.50"),  # a Django language code
        ("1234.5", "GBP", "en_GB", "£1,234.50"),  # a Babel locale
        ("12.345", "TND", "fr", f"12,345{NBSP}TND"),
        ("12.3456", "TND", "en", "TND12.346"),
        ("1500", "XOF", "fr", f"1{NNBSP}500{NBSP}F{NNBSP}CFA"),
        ("1499.5", "XOF", "en", f"F{NNBSP}CFA1,500"),
    ],
)
def test_format_money(amount, currency, locale, expected):
    assert format_money(D(amount), currency, locale) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("89.99", 8_999_000_000),  # OVHcloud catalog example
        ("16.99", 1_699_000_000),
        ("1025.89", 102_589_000_000),
        ("12.345", 1_234_500_000),
        ("1500", 150_000_000_000),
        ("0", 0),
        ("-3.5", -350_000_000),
        ("0.00000001", 1),
    ],
)
def test_to_ucents(amount, expected):
    result = to_ucents(D(amount))
    assert result == expected
    assert type(result) is int


def test_to_ucents_refuses_what_is_not_exact():
    with pytest.raises(ValueError):
        to_ucents(D("0.000000001"))


def test_to_ucents_refuses_floats():
    with pytest.raises(TypeError):
        to_ucents(16.99)


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("45.44", "EUR", "en", {"currencyCode": "EUR", "text": "€45.44", "value": 45.44,
                                "priceInUcents": 4_544_000_000}),
        ("45.444", "EUR", "fr", {"currencyCode": "EUR", "text": f"45,44{NBSP}€", "value": 45.44,
                                 "priceInUcents": 4_544_000_000}),
        ("12.5", "TND", "fr", {"currencyCode": "TND", "text": f"12,500{NBSP}TND", "value": 12.5,
                               "priceInUcents": 1_250_000_000}),
        ("999.5", "XOF", "en", {"currencyCode": "XOF", "text": f"F{NNBSP}CFA1,000", "value": 1000.0,
                                "priceInUcents": 100_000_000_000}),
    ],
)
def test_price_json(amount, currency, locale, expected):
    result = price_json(D(amount), currency, locale)
    assert result == expected
    assert type(result["value"]) is float


@pytest.mark.parametrize(
    ("total", "weights", "currency", "expected"),
    [
        ("10.00", ["1", "1", "1"], "EUR", ["3.34", "3.33", "3.33"]),
        ("-10.00", ["1", "1", "1"], "EUR", ["-3.34", "-3.33", "-3.33"]),
        ("0.01", ["1", "1"], "EUR", ["0.01", "0.00"]),
        ("0.02", ["1", "1", "1"], "EUR", ["0.01", "0.01", "0.00"]),
        ("10.00", ["1", "2", "3", "4"], "EUR", ["1.00", "2.00", "3.00", "4.00"]),
        # 10000 cents × 29.99/39.98 = 7501.2506…, × 9.99/39.98 = 2498.7494…: the spare cent
        # goes to the larger remainder (the second line).
        ("100.00", ["29.99", "9.99", "0"], "EUR", ["75.01", "24.99", "0.00"]),
        # 5 cents over 2:1:1 = 2.5, 1.25, 1.25 → floors 2, 1, 1; the spare cent to 0.5.
        ("0.05", ["2", "1", "1"], "EUR", ["0.03", "0.01", "0.01"]),
        # 4 cents over 1:2:2 = 0.8, 1.6, 1.6 → floors 0, 1, 1; 2 spare: 0.8, then the first 0.6.
        ("0.04", ["1", "2", "2"], "EUR", ["0.01", "0.02", "0.01"]),
        ("5.00", ["0", "7"], "EUR", ["0.00", "5.00"]),
        ("1.000", ["1", "1", "1"], "TND", ["0.334", "0.333", "0.333"]),
        ("100", ["1", "1", "1"], "XOF", ["34", "33", "33"]),
        ("1000", ["0.5", "0.25", "0.25"], "XOF", ["500", "250", "250"]),
        ("0.00", ["0", "0"], "EUR", ["0.00", "0.00"]),
        ("0.00", ["3", "1"], "EUR", ["0.00", "0.00"]),
        ("0", [], "XOF", []),
    ],
)
def test_allocate(total, weights, currency, expected):
    result = allocate(D(total), [D(w) for w in weights], currency)
    assert result == [D(e) for e in expected]
    assert [r.as_tuple().exponent for r in result] == [-precision(currency)] * len(expected)


@pytest.mark.parametrize(
    ("total", "weights", "currency"),
    [
        ("1.00", ["0", "0"], "EUR"),  # nothing to allocate to
        ("1.00", [], "EUR"),
        ("10.005", ["1"], "EUR"),  # total not quantised
        ("1.00", ["1", "-1", "1"], "EUR"),
        ("1.00", ["1"], "ZZZ"),
    ],
)
def test_allocate_refuses(total, weights, currency):
    with pytest.raises(ValueError):
        allocate(D(total), [D(w) for w in weights], currency)


CURRENCIES = st.sampled_from(["EUR", "TND", "XOF"])
WEIGHTS = st.lists(
    st.decimals(min_value=0, max_value=100_000, places=3, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=12,
).filter(lambda weights: sum(weights) > 0)


@given(currency=CURRENCIES, units=st.integers(-10**9, 10**9), weights=WEIGHTS)
def test_allocate_sums_exactly_and_stays_within_one_unit(currency, units, weights):
    unit = D(1).scaleb(-precision(currency))
    total = units * unit
    shares = allocate(total, weights, currency)

    assert len(shares) == len(weights)
    assert sum(shares) == total
    weight_sum = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        assert share.as_tuple().exponent == -precision(currency)
        exact = Fraction(total) * Fraction(weight) / Fraction(weight_sum)
        assert abs(Fraction(share) - exact) < Fraction(unit)
        assert share == 0 or (share > 0) == (total > 0)


@given(currency=CURRENCIES, amount=st.decimals(-10**6, 10**6, places=6))
def test_quantize_is_within_half_a_unit(currency, amount):
    result = quantize(amount, currency)
    half_unit = D(1).scaleb(-precision(currency)) / 2
    assert result.as_tuple().exponent == -precision(currency)
    assert abs(result - amount) <= half_unit
    if abs(result - amount) == half_unit:  # a tie goes away from zero
        assert abs(result) > abs(amount)
