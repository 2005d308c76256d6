"""Each subsidiary is its own legal seller, seeded for all thirteen and editable by staff."""
import pytest
from django.core.exceptions import ValidationError

from accounts.models import Subsidiary
from payments.iban import normalise_iban

pytestmark = pytest.mark.django_db


def test_every_subsidiary_has_its_own_seller_and_somewhere_for_transfers():
    subsidiaries = list(Subsidiary.objects.all())
    assert len(subsidiaries) == 13
    assert len({s.legal_name for s in subsidiaries}) == 13
    for s in subsidiaries:
        s.full_clean()
        assert s.address and s.contact_email and s.contact_phone and s.bank_bic
        assert normalise_iban(s.bank_iban) == s.bank_iban if s.bank_iban else s.bank_account
    assert Subsidiary.objects.get(code="US").vat_number == ""  # no VAT in the US


def test_an_iban_with_a_wrong_checksum_is_refused_and_a_spaced_one_normalised():
    france = Subsidiary.objects.get(code="FR")
    france.bank_iban = "FR76 3000 4000 0312 3456 7890 144"
    with pytest.raises(ValidationError) as raised:
        france.full_clean()
    assert "bank_iban" in raised.value.message_dict
    france.bank_iban = "fr76 3000 4000 0312 3456 7890 143"
    france.full_clean()
    assert france.bank_iban == "FR7630004000031234567890143"


def test_without_an_iban_an_account_number_is_needed():
    canada = Subsidiary.objects.get(code="CA")
    canada.bank_account = " "
    with pytest.raises(ValidationError):
        canada.full_clean()
