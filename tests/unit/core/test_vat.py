"""core.vat: the rates table, the rule that picks a rate, VAT number format and per-line VAT."""
from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.money import precision
from core.vat import (
    COUNTRIES,
    EU_COUNTRIES,
    TABLE_CHECKED,
    TABLE_STARTS,
    NoVatReason,
    VatTreatment,
    line_vat,
    no_vat_reason,
    rate_on,
    tax_name,
    vat_number_is_well_formed,
    vat_treatment,
)

EU_MEMBER_STATES = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}


def test_eu_table_covers_exactly_the_27_member_states():
    assert EU_COUNTRIES == EU_MEMBER_STATES
    assert EU_MEMBER_STATES | {"GB", "TN", "SN", "CA", "US"} == COUNTRIES


@pytest.mark.parametrize(
    ("country", "rate"),
    [
        ("AT", "0.20"), ("BE", "0.21"), ("BG", "0.20"), ("CY", "0.19"), ("CZ", "0.21"),
        ("DE", "0.19"), ("DK", "0.25"), ("EE", "0.24"), ("ES", "0.21"), ("FI", "0.255"),
        ("FR", "0.20"), ("GR", "0.24"), ("HR", "0.25"), ("HU", "0.27"), ("IE", "0.23"),
        ("IT", "0.22"), ("LT", "0.21"), ("LU", "0.17"), ("LV", "0.21"), ("MT", "0.18"),
        ("NL", "0.21"), ("PL", "0.23"), ("PT", "0.23"), ("RO", "0.21"), ("SE", "0.25"),
        ("SI", "0.22"), ("SK", "0.23"),
        ("GB", "0.20"), ("TN", "0.19"), ("SN", "0.18"), ("CA", "0.13"), ("US", "0"),
    ],
)
def test_rates(country, rate):
    assert rate_on(country, TABLE_CHECKED) == D(rate)
    assert type(rate_on(country, TABLE_CHECKED)) is D


@pytest.mark.parametrize(
    ("country", "day", "rate"),
    [
        # Each rate from its day on, the one before until the eve (a past order keeps the rate of its day).
        ("EE", date(2025, 6, 30), "0.22"), ("EE", date(2025, 7, 1), "0.24"),
        ("FI", date(2024, 8, 31), "0.24"), ("FI", date(2024, 9, 1), "0.255"),
        ("SK", date(2024, 12, 31), "0.20"), ("SK", date(2025, 1, 1), "0.23"),
        ("RO", date(2025, 7, 31), "0.19"), ("RO", date(2025, 8, 1), "0.21"),
        ("FR", TABLE_STARTS, "0.20"), ("FR", date(2030, 1, 1), "0.20"),
    ],
)
def test_rates_carry_their_effective_dates(country, day, rate):
    assert rate_on(country, day) == D(rate)


def test_no_rate_before_the_table_or_for_an_unknown_country():
    with pytest.raises(ValueError):
        rate_on("FR", date(2023, 12, 31))
    with pytest.raises(ValueError):
        rate_on("BR", TABLE_CHECKED)


def treatment(subsidiary, billing, legal_form="individual", vat_number="", on=TABLE_CHECKED):
    return vat_treatment(subsidiary_country=subsidiary, billing_country=billing,
                         legal_form=legal_form, vat_number=vat_number, on=on)


@pytest.mark.parametrize(
    ("subsidiary", "billing", "legal_form", "vat_number", "expected"),
    [
        # Consumers in the EU pay their own country's VAT (OSS).
        ("FR", "FR", "individual", "", ("0.20", False, "FR")),
        ("FR", "DE", "individual", "", ("0.19", False, "DE")),
        ("FR", "BE", "individual", "", ("0.21", False, "BE")),
        ("FR", "HU", "individual", "", ("0.27", False, "HU")),
        ("IE", "FI", "individual", "", ("0.255", False, "FI")),
        ("PL", "PL", "individual", "", ("0.23", False, "PL")),
        ("PL", "LU", "individual", "", ("0.17", False, "LU")),
        ("DE", "FR", "individual", "", ("0.20", False, "FR")),
        ("ES", "GR", "individual", "", ("0.24", False, "GR")),
        # An individual with a VAT number is still a consumer.
        ("FR", "DE", "individual", "DE123456789", ("0.19", False, "DE")),
        # Customers billed outside the EU pay no EU VAT (outside its scope, said on the documents).
        ("FR", "US", "individual", "", ("0", False, "US", "outside_eu")),
        ("FR", "GB", "individual", "", ("0", False, "GB", "outside_eu")),
        ("DE", "CH", "individual", "", ("0", False, "CH", "outside_eu")),
        ("NL", "TN", "individual", "", ("0", False, "TN", "outside_eu")),
        # A business without a VAT number is treated as a consumer.
        ("FR", "DE", "corporation", "", ("0.19", False, "DE")),
        ("IT", "US", "corporation", "", ("0", False, "US", "outside_eu")),
        # ... and so is one whose VAT number is not well formed.
        ("FR", "DE", "corporation", "DE1", ("0.19", False, "DE")),
        # A business with a VAT number of another EU country: reverse charge.
        ("FR", "DE", "corporation", "DE123456789", ("0", True, "DE")),
        ("FR", "GR", "association", "EL123456789", ("0", True, "GR")),
        ("DE", "FR", "personalcorporation", "FR12345678901", ("0", True, "FR")),
        ("PT", "NL", "administration", "NL123456789B01", ("0", True, "NL")),
        ("PL", "AT", "other", "ATU12345678", ("0", True, "AT")),
        ("FR", "BE", "corporation", "be 0123.456.789", ("0", True, "BE")),
        # The VAT number's country decides, not the billing address.
        ("FR", "FR", "corporation", "DE123456789", ("0", True, "DE")),
        # A business of the subsidiary's own country pays the domestic rate.
        ("FR", "FR", "corporation", "FR12345678901", ("0.20", False, "FR")),
        ("DE", "DE", "corporation", "DE123456789", ("0.19", False, "DE")),
        # A VAT number from outside the EU is no valid EU VAT number: billed in the EU, a consumer (OSS) ...
        ("FR", "DE", "corporation", "GB123456789", ("0.19", False, "DE")),
        # ... billed outside it, outside the scope of EU VAT.
        ("FR", "GB", "corporation", "GB123456789", ("0", False, "GB", "outside_eu")),
        ("ES", "CH", "corporation", "CHE123456789", ("0", False, "CH", "outside_eu")),
        # Other subsidiaries: one rate each, whoever the customer is.
        ("GB", "GB", "individual", "", ("0.20", False, "GB")),
        ("GB", "FR", "individual", "", ("0.20", False, "GB")),
        ("GB", "FR", "corporation", "FR12345678901", ("0.20", False, "GB")),
        ("TN", "TN", "individual", "", ("0.19", False, "TN")),
        ("SN", "SN", "corporation", "", ("0.18", False, "SN")),
        ("CA", "CA", "individual", "", ("0.13", False, "CA")),
        ("CA", "FR", "corporation", "FR12345678901", ("0.13", False, "CA")),
        ("US", "US", "individual", "", ("0", False, "US", "sales_tax_not_collected")),
    ],
)
def test_vat_treatment(subsidiary, billing, legal_form, vat_number, expected):
    rate, reverse_charge, country, *reason = expected
    if reverse_charge:
        reason = ["reverse_charge"]
    assert treatment(subsidiary, billing, legal_form, vat_number) == VatTreatment(
        rate=D(rate), reverse_charge=reverse_charge, country=country, no_vat_reason="".join(reason)
    )


@pytest.mark.parametrize("subsidiary", ["BR", "", "fr", "EL"])
def test_vat_treatment_refuses_unknown_subsidiary(subsidiary):
    with pytest.raises(ValueError):
        treatment(subsidiary, "FR")


def test_vat_treatment_is_frozen():
    result = treatment("FR", "FR")
    with pytest.raises(AttributeError):
        result.rate = D("0")


@pytest.mark.parametrize(
    ("vat_number", "well_formed"),
    [
        ("FR12345678901", True),
        ("DE123456789", True),
        ("EL123456789", True),
        ("ATU12345678", True),
        ("NL123456789B01", True),
        ("FR12", True),  # shortest: prefix + 2
        ("IE" + "1" * 13, True),  # longest: prefix + 13
        ("fr12345678901", True),
        ("FR 123 456 789 01", True),
        ("BE 0123.456.789", True),
        ("FR1", False),
        ("IE" + "1" * 14, False),
        ("F123", False),
        ("12345678901", False),
        ("1R123456789", False),
        ("FR123/456", False),
        ("FR12345_678", False),
        ("", False),
        ("FR", False),
    ],
)
def test_vat_number_is_well_formed(vat_number, well_formed):
    assert vat_number_is_well_formed(vat_number) is well_formed


@pytest.mark.parametrize(
    ("net", "rate", "currency", "expected"),
    [
        ("29.99", "0.20", "EUR", "6.00"),  # 5.998
        ("12.50", "0.21", "EUR", "2.63"),  # 2.625: a tie, half-up (half-even gives 2.62)
        ("10.05", "0.19", "EUR", "1.91"),  # 1.9095
        ("0.10", "0.255", "EUR", "0.03"),  # 0.0255
        ("10.00", "0.255", "EUR", "2.55"),
        ("0.02", "0.20", "EUR", "0.00"),  # 0.004
        ("100.00", "0", "USD", "0.00"),
        ("12.345", "0.19", "TND", "2.346"),  # 2.34555
        ("25", "0.18", "XOF", "5"),  # 4.5: a tie
        ("1250", "0.18", "XOF", "225"),
        ("-12.50", "0.21", "EUR", "-2.63"),  # a credit line mirrors its debit
    ],
)
def test_line_vat(net, rate, currency, expected):
    result = line_vat(D(net), D(rate), currency)
    assert result == D(expected)
    assert result.as_tuple().exponent == -precision(currency)


def test_line_vat_refuses_unknown_currency():
    with pytest.raises(ValueError):
        line_vat(D("10"), D("0.20"), "ZZZ")


LEGAL_FORMS = ["individual", "personalcorporation", "corporation", "association",
               "administration", "other"]
VAT_PREFIXES = st.sampled_from([*sorted(EU_MEMBER_STATES - {"GR"}), "EL", "GB", "CH", "XX"])


@given(
    subsidiary=st.sampled_from(sorted(COUNTRIES)),
    billing=st.sampled_from([*sorted(COUNTRIES), "CH", "BR", "JP"]),
    legal_form=st.sampled_from(LEGAL_FORMS),
    vat_number=st.one_of(st.just(""), st.builds(lambda prefix: prefix + "123456789", VAT_PREFIXES)),
    on=st.dates(min_value=TABLE_STARTS, max_value=date(2030, 12, 31)),
)
def test_vat_treatment_properties(subsidiary, billing, legal_form, vat_number, on):
    result = treatment(subsidiary, billing, legal_form, vat_number, on)
    # A rate of the table on that day, or none with its reason stated.
    assert (result.rate == 0 and result.no_vat_reason) or result.rate == rate_on(result.country, on)
    assert result.no_vat_reason == no_vat_reason(
        subsidiary_country=subsidiary, billing_country=billing, reverse_charge=result.reverse_charge
    )
    if result.reverse_charge:
        assert subsidiary in EU_COUNTRIES and billing in EU_COUNTRIES and legal_form != "individual"
        assert result.country in EU_COUNTRIES and result.country != subsidiary
    if subsidiary in EU_COUNTRIES and billing not in EU_COUNTRIES:
        assert result.rate == 0 and result.no_vat_reason == NoVatReason.OUTSIDE_EU
    # Without a valid EU VAT number (a consumer, or a business without one), the EU billing country's VAT.
    if subsidiary in EU_COUNTRIES and billing in EU_COUNTRIES and legal_form == "individual":
        assert result == VatTreatment(rate_on(billing, on), False, billing)
    if subsidiary not in EU_COUNTRIES:
        assert (result.rate, result.reverse_charge, result.country) == (rate_on(subsidiary, on), False, subsidiary)


@pytest.mark.parametrize(
    ("country", "en", "fr"),
    [("FR", "VAT", "TVA"), ("GB", "VAT", "TVA"), ("CA", "HST", "TVH"), ("US", "Sales tax", "Taxe de vente")],
)
def test_the_tax_is_named_as_the_sellers_country_names_it(country, en, fr):
    with translation.override("en"):
        assert tax_name(country) == en
    with translation.override("fr"):
        assert tax_name(country) == fr
