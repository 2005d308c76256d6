"""The legal catalogue: official wording present, both languages, versions, and no wrong deadline."""
import re

import pytest

from accounts.models import Subsidiary
from accounts.subsidiaries import SELLERS
from orders import legal
from orders.legal import CATALOGUE, LegalText, legal_text, legal_version

KEYS = {
    "withdrawal_information", "withdrawal_form", "consent_information_given",
    "consent_express_request", "consent_excludable_ack", "scope", "refund_terms",
    "label_withdraw_button", "label_confirm_withdrawal", "label_cancel_order", "label_checkbox",
}
LANGUAGES = ("en", "fr")
# The trader is the subsidiary the customer contracts with (not saved: no database here).
SELLER = Subsidiary(code="FR", country="FR", **SELLERS["FR"])
NAME, ADDRESS = "Control Panel Hosting France SAS (demo)", "2 rue de l'Exemple, 59100 Roubaix, France"
PHONE, EMAIL = "+33 9 00 00 00 01", "billing.fr@controlpanel.example"


@pytest.fixture
def default_trader(settings):
    settings.PUBLIC_BASE_URL = "https://panel.example"


def test_catalogue_has_every_key():
    assert set(CATALOGUE) >= KEYS
    for key, entry in CATALOGUE.items():
        assert isinstance(entry, LegalText)
        assert entry.key == key


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_key_has_both_languages_and_a_version(key, default_trader):
    entry = CATALOGUE[key]
    assert set(entry.texts) == set(LANGUAGES)
    for language in LANGUAGES:
        assert entry.texts[language].strip()
        assert legal_text(key, language, SELLER).strip()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.version)
    assert legal_version(key) == entry.version


def test_legal_text_is_frozen():
    with pytest.raises(AttributeError):
        CATALOGUE["scope"].version = "2000-01-01"


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", "fr"), ("fr-be", "fr"), ("fr-CA", "fr"), ("fr_FR", "fr"), ("FR", "fr"),
    ("en", "en"), ("en-gb", "en"), ("de", "en"), ("", "en"), (None, "en"), ("fra", "en"),
])
def test_language_selection(language, expected, default_trader):
    expected_text = CATALOGUE["label_confirm_withdrawal"].texts[expected]
    assert legal_text("label_confirm_withdrawal", language, SELLER) == expected_text


def test_english_withdrawal_information_is_the_official_text(default_trader):
    text = legal_text("withdrawal_information", "en", SELLER)
    assert "You have the right to withdraw from this contract within 14 days without giving any reason." in text
    assert "The withdrawal period will expire after 14 days from the day of the conclusion of the contract." in text
    # [3]: the electronic form on our website, acknowledged on a durable medium.
    assert ("You can also electronically fill in and submit the model withdrawal form or any other unequivocal "
            "statement on our website https://panel.example/orders/withdraw/.") in text
    assert ("we will communicate to you an acknowledgement of receipt of such a withdrawal on a durable medium "
            "(e.g. by e-mail) without delay.") in text
    # [6]: services begun during the period, proportionate amount.
    assert ("If you requested to begin the performance of services during the withdrawal period, you shall pay us "
            "an amount which is in proportion to what has been provided") in text
    assert "not later than 14 days from the day on which we are informed about your decision" in text
    assert "same means of payment as you used for the initial transaction" in text


def test_french_withdrawal_information_is_the_official_text(default_trader):
    text = legal_text("withdrawal_information", "fr", SELLER)
    assert ("Vous avez le droit de vous rétracter du présent contrat sans donner de motif dans un délai de "
            "quatorze jours.") in text
    assert "Le délai de rétractation expire quatorze jours après le jour de la conclusion du contrat." in text
    assert ("Vous pouvez également remplir et transmettre le modèle de formulaire de rétractation ou toute autre "
            "déclaration dénuée d'ambiguïté sur notre site internet https://panel.example/orders/withdraw/.") in text
    assert "un accusé de réception de la rétractation sur un support durable" in text
    assert ("Si vous avez demandé de commencer la prestation de services pendant le délai de rétractation, vous "
            "devez nous payer un montant proportionnel") in text
    assert "au plus tard quatorze jours à compter du jour où nous sommes informés" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_goods_only_passages_are_left_out(language, default_trader):
    text = legal_text("withdrawal_information", language, SELLER).lower()
    for goods_only in ("collect the goods", "send back the goods", "diminished value", "withhold reimbursement",
                       "récupérer le bien", "renvoyer le bien", "dépréciation", "différer le remboursement",
                       "water", "gas", "electricity", "district heating", "électricité", "chauffage urbain",
                       "[", "]", "fax", "télécopie"):
        assert goods_only not in text


def test_the_form_is_the_official_form(default_trader):
    en = legal_text("withdrawal_form", "en", SELLER)
    fr = legal_text("withdrawal_form", "fr", SELLER)
    assert "(complete and return this form only if you wish to withdraw from the contract)" in en
    assert ("(veuillez compléter et renvoyer le présent formulaire uniquement si vous souhaitez vous rétracter "
            "du contrat)") in fr
    assert f"— To {NAME}, {ADDRESS}, {EMAIL}:" in en
    assert f"— À l'attention de {NAME}, {ADDRESS}, {EMAIL}:" in fr
    assert "(*) Delete as appropriate." in en
    assert "(*) Rayez la mention inutile." in fr


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_seller_is_filled_in(language, default_trader):
    text = legal_text("withdrawal_information", language, SELLER)
    for value in (NAME, ADDRESS, PHONE, EMAIL):
        assert value in text
    for key in CATALOGUE:
        assert "{" not in legal_text(key, language, SELLER) and "}" not in legal_text(key, language, SELLER)


def test_each_subsidiary_is_the_trader_of_its_customers(default_trader):
    seller = Subsidiary(code="DE", country="DE", **SELLERS["DE"])
    text = legal_text("withdrawal_form", "en", seller)
    assert "— To Control Panel Hosting Deutschland GmbH (demo), Beispielstraße 1, 10115 Berlin, Deutschland, " in text
    assert "France" not in text


def test_a_text_naming_the_trader_needs_a_seller(default_trader):
    with pytest.raises(ValueError):
        legal_text("withdrawal_form", "en")
    assert legal_text("label_checkbox", "en") == "Yes, I want to cancel that order"


WRONG_DEADLINE = re.compile(r"30\s*(days?|jours?)|thirty|trente", re.IGNORECASE)


def test_no_text_names_a_thirty_day_period(default_trader):
    for key, entry in CATALOGUE.items():
        for language, raw in entry.texts.items():
            for text in (raw, legal_text(key, language, SELLER)):
                assert not WRONG_DEADLINE.search(text), (key, language)
    # Also the module's own source, comments included.
    with open(legal.__file__, encoding="utf-8") as source:
        assert not WRONG_DEADLINE.search(source.read())


@pytest.mark.parametrize(("key", "en", "fr"), [
    ("label_withdraw_button", "Withdraw from contract here", "Se rétracter du contrat ici"),
    ("label_confirm_withdrawal", "Confirm withdrawal", "Confirmer la rétractation"),
    ("label_cancel_order", "Cancel the order", "Annuler la commande"),
    ("label_checkbox", "Yes, I want to cancel that order", "Oui, je désire annuler cette commande"),
])
def test_labels_are_exact(key, en, fr, default_trader):
    assert legal_text(key, "en", SELLER) == en
    assert legal_text(key, "fr", SELLER) == fr


def test_refund_terms(default_trader):
    en = legal_text("refund_terms", "en", SELLER)
    fr = legal_text("refund_terms", "fr", SELLER)
    assert "within 14 days of your withdrawal request" in en
    assert "same means of payment" in en and "no fees" in en
    assert "days used include the delivery day and today" in en
    assert "au plus tard quatorze jours après votre demande de rétractation" in fr
    assert "même moyen de paiement" in fr and "aucun frais" in fr
    assert "les jours utilisés comprennent le jour de la livraison et aujourd'hui" in fr


def test_scope(default_trader):
    en = legal_text("scope", "en", SELLER)
    fr = legal_text("scope", "fr", SELLER)
    assert "Consumer Contracts (Information, Cancellation and Additional Charges) Regulations 2013" in en
    assert "Consumer Contracts (Information, Cancellation and Additional Charges) Regulations 2013" in fr
    assert "elsewhere by contract; where a local rule is shorter, ours applies." in en
    assert "ailleurs par contrat" in fr


def test_consents_say_what_the_directive_requires(default_trader):
    assert legal_text("consent_information_given", "en", SELLER) == (
        "We have given you the information on the right of withdrawal and the model withdrawal form before you "
        "place this order.")
    express = legal_text("consent_express_request", "en", SELLER)
    assert "expressly request" in express and "14-day withdrawal period" in express
    assert "in proportion to the service provided until I inform you of my withdrawal" in express
    ack = legal_text("consent_excludable_ack", "en", SELLER)
    assert "domain names and SSL certificates" in ack and "lose my right of withdrawal" in ack
    assert "fully performed" in ack
    ack_fr = legal_text("consent_excludable_ack", "fr", SELLER)
    assert "noms de domaine" in ack_fr and "perds mon droit de rétractation" in ack_fr


def test_unknown_key():
    with pytest.raises(KeyError):
        legal_version("nope")
