"""The French catalogue (locale/fr/LC_MESSAGES/django.po): complete, compiled, and used.

The wording of the statuses, step and history labels is the seeds' and reference/ovhcloud-orders.md's.
Legal copy is not in the catalogue (orders/legal.py holds the official EN and FR texts).
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from orders import history
from orders.models import CancelReason, OrderStatus
from tests.support import ROOT
from tests.support.factories import UserFactory, place_order

PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
db = pytest.mark.django_db(databases=["default", "sandbox"])


def po_entries(path: Path) -> list[dict]:
    """A tiny .po reader: each entry's flags, msgctxt, msgid and msgstr / msgstr[n] (strings unescaped)."""
    entries, entry, field = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set()}
            entries.append(entry)
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += _unquote(line)
        else:
            field, _, rest = line.partition(" ")
            entry[field] = _unquote(rest)
    return entries


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def test_the_french_catalogue_has_no_untranslated_or_fuzzy_entry():
    entries = [e for e in po_entries(PO) if e.get("msgid")]  # the header's msgid is ""
    assert len(entries) > 500
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    # Every msgstr (msgstr[0], msgstr[1]… for plurals) filled.
    untranslated = [e["msgid"] for e in entries if any(k.startswith("msgstr") and not v for k, v in e.items())]
    assert not untranslated, f"untranslated entries: {untranslated}"
    header = po_entries(PO)[0]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    assert "Language: fr\n" in header["msgstr"]


def test_msgfmt_accepts_the_catalogue_and_counts_only_translated_messages():
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt not found: bin/install installs Debian's gettext package"
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(PO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip()
    assert re.fullmatch(r"\d+ translated messages?\.", statistics), statistics


def test_the_compiled_catalogue_is_up_to_date():
    assert MO.exists(), "locale/fr/LC_MESSAGES/django.mo is missing: run bin/install (it compiles the catalogues)"
    assert MO.stat().st_mtime >= PO.stat().st_mtime, "django.po is newer than django.mo: run bin/install"


@pytest.mark.parametrize(
    ("label", "french"),
    [
        # Statuses: the seeds' four and design.md §3's others.
        (OrderStatus.NOT_PAID.label, "Paiement non reçu"),
        (OrderStatus.CHECKING.label, "Validation"),
        (OrderStatus.DOCUMENTS_REQUESTED.label, "En attente de documents"),
        (OrderStatus.DELIVERING.label, "Livraison en cours"),
        (OrderStatus.DELIVERED.label, "Finalisée"),
        (OrderStatus.UNKNOWN.label, "Erreur"),
        (OrderStatus.CANCELLING.label, "Annulation en cours"),
        (OrderStatus.CANCELLED.label, "Annulée"),
        (CancelReason.EXPIRED.label, "Commande expirée"),
        # The four follow-up steps and history labels (reference §2.2).
        (history.STEP_TEXTS[history.VALIDATING], "Votre commande est prise en compte"),
        (history.STEP_TEXTS[history.VALIDATED], "Votre commande est validée"),
        (history.STEP_TEXTS[history.DELIVERING], "Votre produit est en cours de livraison"),
        (history.STEP_TEXTS[history.AVAILABLE], "Votre produit est disponible"),
        (history.LABEL_TEXTS[history.ORDER_STARTED], "Prise en compte de votre commande"),
        (history.LABEL_TEXTS[history.FRAUD_MANUAL_REVIEW], "Vérification de votre commande"),
        (history.LABEL_TEXTS[history.INVOICE_SENT], "Votre facture est disponible"),
        (history.LABEL_TEXTS[history.ORDER_EXPIRED], "Commande expirée"),
    ],
)
def test_lazy_labels_in_french(label, french):
    with translation.override("fr"):
        assert str(label) == french
    with translation.override("en"):
        assert str(label) != french


def test_the_guides_labels_in_french():
    with translation.override("fr"):
        assert gettext("Dashboard") == "Tableau de bord"
        assert gettext("View my orders") == "Voir mes commandes"
        assert gettext("View order in HTML format") == "Voir la commande au format HTML"
        assert gettext("Order tracking") == "Suivi de commande"
        assert gettext("Order number") == "Numéro de commande"
        assert gettext("Status") == "État"
        assert gettext("You do not have any orders.") == "Vous n'avez pas de commande."
        assert gettext("Track order no. %(number)s") % {"number": 42} == "Suivi de la commande N°42"
        # Generic msgids get a context, so that Django's own "Ordre" / "Modification" stay out of our pages.
        assert pgettext("navigation: order a service", "Order") == "Commander"
        assert pgettext("language switcher: change the language", "Change") == "Changer"
        assert ngettext("%(count)d month", "%(count)d months", 12) % {"count": 12} == "12 mois"


@db
def test_a_french_customer_sees_the_panel_in_french(client):
    user = UserFactory(language="fr")
    client.force_login(user)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert 'lang="fr"' in dashboard
    assert "Voir mes commandes" in dashboard and "Tableau de bord" in dashboard

    place_order(account=user)
    orders = client.get(reverse("orders:list")).content.decode()
    assert "Paiement non reçu" in orders
    assert "Numéro de commande" in orders and "Unpaid" not in orders


@db
def test_an_english_customer_keeps_the_english_labels(client):
    user = UserFactory(language="en")
    client.force_login(user)
    place_order(account=user)
    orders = client.get(reverse("orders:list")).content.decode()
    assert "View my orders" in orders and "Unpaid" in orders
    assert "Paiement non reçu" not in orders
