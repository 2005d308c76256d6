"""Money rules (design.md §2): Decimal only, quantised per currency with Babel's precision,
rounding half-up, formatted for the reader's locale. Floats are refused so that no binary
rounding error can reach a price, a VAT amount or a refund.
"""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from math import floor

from babel.numbers import format_currency, format_percent, get_currency_precision, list_currencies
from django.utils.translation import to_locale

# The DecimalField arguments of every stored amount: 3 decimals, the most any currency of ours has (TND).
MONEY = {"max_digits": 14, "decimal_places": 3}
UCENTS_FACTOR = 100_000_000  # OVHcloud's micro-cents (ovh/manager currency-constants.ts).

_KNOWN_CURRENCIES = frozenset(list_currencies())


def precision(currency: str) -> int:
    """Number of decimals of `currency` (EUR 2, TND 3, XOF 0).

    Babel answers 2 for any code it does not know, which would silently accept a typo, so the
    code must be one of Babel's ISO 4217 currencies.
    """
    if currency not in _KNOWN_CURRENCIES:
        raise ValueError(f"Unknown currency code: {currency!r}")
    return get_currency_precision(currency)


def _unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-precision(currency))


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round `amount` half-up (ties away from zero) to the currency's precision."""
    if isinstance(amount, float):
        raise TypeError("Money must be a Decimal, never a float")
    return Decimal(amount).quantize(_unit(currency), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    """`amount` as the reader expects it: "€29.99" in en, "29,99 €" in fr.

    `locale` may be a Django language code ("fr", "en-gb") or a Babel locale ("fr_FR").
    """
    return _format_amount(str(quantize(amount, currency)), currency, to_locale(locale))


@lru_cache(maxsize=4096)
def _format_amount(amount: str, currency: str, locale: str) -> str:
    """Memoised: Babel takes tens of microseconds a call and a page shows the same prices again and again.
    Keyed on the text, which tells -0.00 from 0.00 where Decimal equality would not."""
    return format_currency(Decimal(amount), currency, locale=locale)


def format_rate(rate: Decimal, locale: str) -> str:
    """A VAT rate as a percentage for the reader ("20%", "20 %", "5.5%"), memoised like amounts."""
    return _format_rate(str(rate), locale)


@lru_cache(maxsize=1024)
def _format_rate(rate: str, locale: str) -> str:
    # Keyed on the text: 0.2 and 0.20 are equal Decimals but may print differently.
    return format_percent(Decimal(rate), locale=locale, decimal_quantization=False)


def to_ucents(amount: Decimal) -> int:
    """`amount` in OVHcloud's micro-cents (× 100 000 000); refuses anything that is not exact."""
    if isinstance(amount, float):
        raise TypeError("Money must be a Decimal, never a float")
    ucents = Decimal(amount) * UCENTS_FACTOR
    if ucents != ucents.to_integral_value():
        raise ValueError(f"{amount} has more decimals than micro-cents can hold")
    return int(ucents)


def price_json(amount: Decimal, currency: str, locale: str) -> dict:
    """OVHcloud's `order.Price`; `value` is a float only because JSON numbers are."""
    amount = quantize(amount, currency)
    return {
        "currencyCode": currency,
        "text": format_money(amount, currency, locale),
        "value": float(amount),
        "priceInUcents": to_ucents(amount),
    }


def allocate(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """Split `total` across `weights` so that the shares add up exactly to `total`.

    Largest-remainder method in the currency's smallest unit: every share starts at the floor of
    its exact proportional share, then the units left over go to the largest fractional parts,
    earlier positions first on ties. Each share is thus within one unit of its exact share.
    Used to spread order-level reductions over lines so that the lines add up to the totals.
    """
    unit = _unit(currency)
    if quantize(total, currency) != total:
        raise ValueError(f"{total} is not quantised to {currency}'s precision")
    if any(weight < 0 for weight in weights):
        raise ValueError("Weights must not be negative")
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        if total != 0:
            raise ValueError("Cannot allocate a non-zero total over weights that are all zero")
        return [Decimal(0) * unit for _ in weights]

    sign = -1 if total < 0 else 1
    units = int(abs(total) / unit)
    exact = [Fraction(units) * Fraction(weight) / Fraction(weight_sum) for weight in weights]
    shares = [floor(share) for share in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[: units - sum(shares)]:
        shares[i] += 1
    return [sign * share * unit for share in shares]
