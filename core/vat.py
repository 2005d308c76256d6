"""VAT (design.md §2): one table of standard rates, the rule that picks a rate for a customer, and
the per-line amount. VAT numbers are checked for format only; checks against VIES are out of scope.
"""
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.money import quantize

# Standard rates, as fractions, checked on this date. Update both together.
RATES_AS_OF = date(2026, 11, 1)
EU_RATES: dict[str, Decimal] = {
    "AT": Decimal("0.20"),
    "BE": Decimal("0.21"),
    "BG": Decimal("0.20"),
    "CY": Decimal("0.19"),
    "CZ": Decimal("0.21"),
    "DE": Decimal("0.19"),
    "DK": Decimal("0.25"),
    "EE": Decimal("0.24"),  # from 1 July 2025
    "ES": Decimal("0.21"),
    "FI": Decimal("0.255"),  # from 1 September 2024
    "FR": Decimal("0.20"),
    "GR": Decimal("0.24"),
    "HR": Decimal("0.25"),
    "HU": Decimal("0.27"),
    "IE": Decimal("0.23"),
    "IT": Decimal("0.22"),
    "LT": Decimal("0.21"),
    "LU": Decimal("0.17"),
    "LV": Decimal("0.21"),
    "MT": Decimal("0.18"),
    "NL": Decimal("0.21"),
    "PL": Decimal("0.23"),
    "PT": Decimal("0.23"),
    "RO": Decimal("0.21"),  # from 1 August 2025
    "SE": Decimal("0.25"),
    "SI": Decimal("0.22"),
    "SK": Decimal("0.23"),  # from 1 January 2025
}
RATES: dict[str, Decimal] = {
    **EU_RATES,
    "GB": Decimal("0.20"),
    "TN": Decimal("0.19"),
    "SN": Decimal("0.18"),
    "CA": Decimal("0.13"),  # Ontario HST, the CA subsidiary's province
    "US": Decimal("0"),  # sales tax is out of scope (README)
}

# VAT number prefixes that differ from the ISO 3166 country code.
_PREFIX_COUNTRIES = {"EL": "GR"}
_VAT_NUMBER = re.compile(r"[A-Z]{2}[A-Z0-9]{2,13}")
_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True)
class VatTreatment:
    rate: Decimal
    reverse_charge: bool
    country: str  # whose rate applies (the customer's country under reverse charge)


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
    *, subsidiary_country: str, billing_country: str, legal_form: str, vat_number: str
) -> VatTreatment:
    """The rate to charge. EU subsidiaries: a consumer pays the VAT of their EU billing country
    (OSS); a business with a VAT number of another EU country pays none (reverse charge);
    otherwise the subsidiary country's rate. Other subsidiaries: their country's one rate.

    A business whose VAT number is not well formed is treated as having none, so VAT is charged.
    """
    if subsidiary_country not in RATES:
        raise ValueError(f"No VAT rate for subsidiary country {subsidiary_country!r}")
    domestic = VatTreatment(RATES[subsidiary_country], False, subsidiary_country)
    if subsidiary_country not in EU_RATES:
        return domestic

    vat_country = _vat_number_country(vat_number) if legal_form != "individual" else None
    if vat_country is None:
        if billing_country in EU_RATES:
            return VatTreatment(EU_RATES[billing_country], False, billing_country)
        return domestic
    if vat_country in EU_RATES and vat_country != subsidiary_country:
        return VatTreatment(Decimal(0), True, vat_country)
    return domestic


def line_vat(net: Decimal, rate: Decimal, currency: str) -> Decimal:
    """VAT of one line, rounded half-up to the currency's precision (VAT is computed per line)."""
    return quantize(net * rate, currency)
