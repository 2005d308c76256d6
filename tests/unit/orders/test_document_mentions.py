"""orders.documents.mentions: which legal mentions a document carries, from its seller, its customer and its VAT."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.vat import COUNTRIES, EU_COUNTRIES
from orders.documents import mentions
from orders.legal import CATALOGUE

LEGAL_FORMS = ["individual", "personalcorporation", "corporation", "association", "administration", "other"]


def mention_keys(seller, country, legal_form="individual", reverse_charge=False, vat="0", invoice=True, lang="en"):
    found = mentions(
        seller={"country": seller},
        billing={"country": country, "legal_form": legal_form},
        reverse_charge=reverse_charge,
        vat=Decimal(vat),
        language=lang,
        invoice=invoice,
    )
    return [key for text in found for key, entry in CATALOGUE.items() if text in entry.texts.values()]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("FR", "FR", "individual", False, "20"), []),
        # The French subsidiary's business customers, wherever they are: the late-payment terms.
        (("FR", "DE", "corporation", True, "0"), ["mention_reverse_charge", "mention_late_payment_fr"]),
        (("FR", "FR", "corporation", False, "20"), ["mention_late_payment_fr"]),
        (("DE", "FR", "corporation", True, "0"), ["mention_reverse_charge"]),
        (("DE", "US", "individual", False, "0"), ["mention_outside_eu_vat"]),
        (("FR", "US", "corporation", False, "0"), ["mention_outside_eu_vat", "mention_late_payment_fr"]),
        # Placed before the outside-EU rule, VAT was charged: the document does not claim otherwise.
        (("FR", "US", "individual", False, "2.00"), []),
        (("US", "US", "individual", False, "0"), ["mention_sales_tax_not_collected"]),
        (("CA", "CA", "corporation", False, "13"), []),
        (("GB", "FR", "individual", False, "20"), []),
    ],
)
def test_mentions(args, expected):
    assert mention_keys(*args) == expected


def test_the_late_payment_terms_are_for_invoices_only():
    assert mention_keys("FR", "FR", "corporation", False, "20", invoice=False) == []


@given(
    seller=st.sampled_from(sorted(COUNTRIES)),
    country=st.sampled_from([*sorted(COUNTRIES), "CH", "JP"]),
    legal_form=st.sampled_from(LEGAL_FORMS),
    reverse_charge=st.booleans(),
    language=st.sampled_from(["en", "fr"]),
)
def test_a_document_without_vat_always_says_why_outside_a_domestic_rate(seller, country, legal_form, reverse_charge,
                                                                         language):
    keys = mention_keys(seller, country, legal_form, reverse_charge, "0", True, language)
    no_vat = [key for key in keys if key != "mention_late_payment_fr"]
    assert len(no_vat) <= 1
    if reverse_charge or (seller in EU_COUNTRIES and country not in EU_COUNTRIES) or seller == "US":
        assert len(no_vat) == 1
    assert ("mention_late_payment_fr" in keys) == (seller == "FR" and legal_form != "individual")
