"""VAT (design.md §2): one table of standard rates, the rule that picks a rate for a customer, and
the per-line amount. VAT numbers are checked for format only; checks against VIES are out of scope.
"""
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import quantize

# Standard rates, as fractions, with the day each took effect: a rate applies from its day until the next
# one of its country, so an order keeps the rate of its day. The table starts on TABLE_STARTS (the earliest
# day the panel prices); changes since then are listed. Checked on TABLE_CHECKED: a new rate is one more row.
TABLE_STARTS = date(2024, 1, 1)
TABLE_CHECKED = date(2026, 11, 1)
_D = Decimal
RATE_TABLE: tuple[tuple[str, date, Decimal], ...] = (
    ("AT", TABLE_STARTS, _D("0.20")),
    ("BE", TABLE_STARTS, _D("0.21")),
    ("BG", TABLE_STARTS, _D("0.20")),
    ("CY", TABLE_STARTS, _D("0.19")),
    ("CZ", TABLE_STARTS, _D("0.21")),
    ("DE", TABLE_STARTS, _D("0.19")),
    ("DK", TABLE_STARTS, _D("0.25")),
    ("EE", TABLE_STARTS, _D("0.22")),
    ("EE", date(2025, 7, 1), _D("0.24")),
    ("ES", TABLE_STARTS, _D("0.21")),
    ("FI", TABLE_STARTS, _D("0.24")),
    ("FI", date(2024, 9, 1), _D("0.255")),
    ("FR", TABLE_STARTS, _D("0.20")),
    ("GR", TABLE_STARTS, _D("0.24")),
    ("HR", TABLE_STARTS, _D("0.25")),
    ("HU", TABLE_STARTS, _D("0.27")),
    ("IE", TABLE_STARTS, _D("0.23")),
    ("IT", TABLE_STARTS, _D("0.22")),
    ("LT", TABLE_STARTS, _D("0.21")),
    ("LU", TABLE_STARTS, _D("0.17")),
    ("LV", TABLE_STARTS, _D("0.21")),
    ("MT", TABLE_STARTS, _D("0.18")),
    ("NL", TABLE_STARTS, _D("0.21")),
    ("PL", TABLE_STARTS, _D("0.23")),
    ("PT", TABLE_STARTS, _D("0.23")),
    ("RO", TABLE_STARTS, _D("0.19")),
    ("RO", date(2025, 8, 1), _D("0.21")),
    ("SE", TABLE_STARTS, _D("0.25")),
    ("SI", TABLE_STARTS, _D("0.22")),
    ("SK", TABLE_STARTS, _D("0.20")),
    ("SK", date(2025, 1, 1), _D("0.23")),
    ("GB", TABLE_STARTS, _D("0.20")),
    ("TN", TABLE_STARTS, _D("0.19")),
    ("SN", TABLE_STARTS, _D("0.18")),
    ("CA", TABLE_STARTS, _D("0.13")),  # Ontario HST, the CA subsidiary's province
    ("US", TABLE_STARTS, _D("0")),  # sales tax is not collected (README)
)
EU_COUNTRIES = frozenset(
    {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"}
    | {"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}
)
COUNTRIES = frozenset(country for country, _day, _rate in RATE_TABLE)

# What a country calls the tax on the documents (the seller's country: CA's is the HST).
TAX_NAMES = {"CA": _("HST"), "US": _("Sales tax")}


class NoVatReason(models.TextChoices):
    """Why a document charges no VAT; each is stated on it (orders.legal has the wording)."""

    REVERSE_CHARGE = "reverse_charge", _("Reverse charge")
    OUTSIDE_EU = "outside_eu", _("Outside the scope of EU VAT")
    SALES_TAX_NOT_COLLECTED = "sales_tax_not_collected", _("Sales tax not collected")


# VAT number prefixes that differ from the ISO 3166 country code.
_PREFIX_COUNTRIES = {"EL": "GR"}
_VAT_NUMBER = re.compile(r"[A-Z]{2}[A-Z0-9]{2,13}")
_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True)
class VatTreatment:
    rate: Decimal
    reverse_charge: bool
    country: str  # whose rate applies (the customer's country when none is charged in the EU)
    no_vat_reason: str = ""  # a NoVatReason when the document must say why no VAT is charged


def rate_on(country: str, day: date) -> Decimal:
    """The standard rate of `country` on `day`: the last one that took effect on or before it."""
    if country not in COUNTRIES:
        raise ValueError(f"No VAT rate for country {country!r}")
    if day < TABLE_STARTS:
        raise ValueError(f"The VAT table starts on {TABLE_STARTS}, not {day}")
    return max(
        ((since, rate) for code, since, rate in RATE_TABLE if code == country and since <= day),
        key=lambda row: row[0],
    )[1]


def tax_name(seller_country: str) -> str:
    """The tax as the seller's country names it, translated: "VAT"/"TVA", "HST"/"TVH", "Sales tax"."""
    return str(TAX_NAMES.get(seller_country, _("VAT")))


def no_vat_reason(*, subsidiary_country: str, billing_country: str, reverse_charge: bool) -> str:
    """Why a sale charges no VAT, from what its documents keep (the seller, the billing country, reverse
    charge); "" when VAT is charged."""
    if reverse_charge:
        return NoVatReason.REVERSE_CHARGE
    if subsidiary_country in EU_COUNTRIES and billing_country not in EU_COUNTRIES:
        return NoVatReason.OUTSIDE_EU
    if subsidiary_country == "US":
        return NoVatReason.SALES_TAX_NOT_COLLECTED
    return ""


def _normalise(vat_number: str) -> str:
    return _SEPARATORS.sub("", vat_number).upper()


def vat_number_is_well_formed(vat_number: str) -> bool:
    """A country prefix and 2 to 13 letters or digits; spaces, dots and hyphens are ignored."""
    return _VAT_NUMBER.fullmatch(_normalise(vat_number)) is not None


def _vat_number_country(vat_number: str) -> str | None:
    if not vat_number_is_well_formed(vat_number):
        return None
    prefix = _normalise(vat_number)[:2]
    return _PREFIX_COUNTRIES.get(prefix, prefix)


def vat_treatment(
    *, subsidiary_country: str, billing_country: str, legal_form: str, vat_number: str, on: date
) -> VatTreatment:
    """The rate to charge on day `on`. EU subsidiaries: a customer billed outside the EU pays no EU VAT;
    a business with a VAT number of another EU country pays none (reverse charge); a business with
    one of the subsidiary's country pays its rate; anyone else in the EU, consumer or business without a
    valid VAT number, pays the VAT of their billing country (OSS). Other subsidiaries: their one rate.

    A business whose VAT number is not well formed is treated as having none, so VAT is charged.
    """
    if subsidiary_country not in COUNTRIES:
        raise ValueError(f"No VAT rate for subsidiary country {subsidiary_country!r}")
    if subsidiary_country not in EU_COUNTRIES:
        reason = no_vat_reason(subsidiary_country=subsidiary_country, billing_country="", reverse_charge=False)
        return VatTreatment(rate_on(subsidiary_country, on), False, subsidiary_country, reason)
    if billing_country not in EU_COUNTRIES:
        return VatTreatment(Decimal(0), False, billing_country, NoVatReason.OUTSIDE_EU)
    vat_country = _vat_number_country(vat_number) if legal_form != "individual" else None
    if vat_country == subsidiary_country:
        return VatTreatment(rate_on(subsidiary_country, on), False, subsidiary_country)
    if vat_country in EU_COUNTRIES:
        return VatTreatment(Decimal(0), True, vat_country, NoVatReason.REVERSE_CHARGE)
    return VatTreatment(rate_on(billing_country, on), False, billing_country)


def line_vat(net: Decimal, rate: Decimal, currency: str) -> Decimal:
    """VAT of one line, rounded half-up to the currency's precision (VAT is computed per line)."""
    return quantize(net * rate, currency)
