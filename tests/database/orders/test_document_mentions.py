"""What the documents say besides their figures (issue 16, design.md §2), read in the PDFs themselves: each
subsidiary as the seller with its identifiers, each line's service period, the tax as its country names it, the
reason no VAT is charged, the French B2B late-payment terms, the invoice a credit note corrects, the refund
statement of money never invoiced; in English and French."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import LegalForm, Subsidiary
from core.money import format_money
from orders.models import CreditNote, Invoice, Payment, Refund
from orders.services.documents import credit_note_issue
from orders.services.invoices import invoice_issue, orders_awaiting_invoice
from orders.services.refunds import refund_full_payment
from orders.services.renewals import service_renew
from tests.support.factories import PricingFactory, UserFactory, pay_order, place_order, subsidiary
from tests.support.orders import delivered_service
from tests.support.pages import pdf_text

pytestmark = pytest.mark.django_db

LATE_PAYMENT_EN = "penalties at three times the French legal interest rate"
LATE_PAYMENT_FR = "trois fois le taux d'intérêt légal"


def text_of(content: bytes) -> str:
    """The PDF's text on one line, whatever the layout's line breaks."""
    return re.sub(r"\s+", " ", pdf_text(content))


def squeezed(text: str) -> str:
    """Without any space: long values wrap at their hyphens and spaces on the page."""
    return re.sub(r"\s+", "", text)


def customer(code: str = "FR", **fields):
    fields.setdefault("country", code)
    return UserFactory(subsidiary=subsidiary(code), **fields)


def business(code: str = "FR", **fields):
    return customer(code, legal_form=LegalForm.CORPORATION, organisation="Acme", **fields)


def invoiced(account, *, months: int = 12, price: str = "100.00"):
    """An order of `account` paid, and its invoice issued as the worker issues it after the payment."""
    pricing = PricingFactory(
        subsidiary=account.subsidiary, duration=f"P{months}M", months=months, price=Decimal(price)
    )
    order = pay_order(place_order(account=account, pricings=[pricing]))
    invoice_issue(order_id=order.pk)
    return order


def invoice_pdf(client, order) -> str:
    client.force_login(order.account)
    response = client.get(reverse("orders:bill_pdf", args=[order.pk]))
    assert response.status_code == 200
    return text_of(response.content)


def refunded(order) -> CreditNote:
    """The whole payment refunded at validation (a refusal), and its credit document issued once paid."""
    payment = order.payments.get(status=Payment.Status.SUCCEEDED)
    with transaction.atomic():
        refund = refund_full_payment(
            order=order, cause=Refund.Cause.REFUSAL, payment=payment, requested_on=timezone.localdate()
        )
        return credit_note_issue(refund=refund, subsidiary_id=order.subsidiary_id, now=timezone.now())


def note_pdf(client, order, note) -> str:
    client.force_login(order.account)
    response = client.get(reverse("orders:credit_note_pdf", args=[order.pk, note.pk]))
    assert response.status_code == 200
    return text_of(response.content)


# --- the seller ---------------------------------------------------------------------------------------


def test_every_subsidiarys_invoice_names_it_as_the_seller_with_its_identifiers(client):
    for seller in Subsidiary.objects.order_by("code"):
        order = invoiced(customer(seller.code))
        text = invoice_pdf(client, order)
        for value in (seller.legal_name, seller.vat_number, seller.registration, seller.contact_email,
                      seller.contact_phone, seller.address.splitlines()[0]):
            assert squeezed(value) in squeezed(text), (seller.code, value)
        others = Subsidiary.objects.exclude(code=seller.code).values_list("legal_name", flat=True)
        assert not [name for name in others if name in text], seller.code


def test_the_french_seller_states_its_registration_and_share_capital_in_french(client):
    order = invoiced(customer(language="fr"))
    text = invoice_pdf(client, order)
    seller = order.subsidiary
    assert "Control Panel Hosting France SAS (demo)" in text and "RCS Lille Métropole 900 000 001" in text
    assert "Capital social" in text and seller.share_capital in text
    assert "Numéro de TVA FR40900000001" in text


def test_the_invoice_keeps_its_seller_as_issued(client):
    order = invoiced(customer())
    Subsidiary.objects.filter(code="FR").update(legal_name="Renamed SAS (demo)")
    text = invoice_pdf(client, order)
    assert "Control Panel Hosting France SAS (demo)" in text and "Renamed" not in text
    # The purchase order names the seller as it is now.
    client.force_login(order.account)
    po = text_of(client.get(reverse("orders:purchase_order_pdf", args=[order.pk])).content)
    assert "Renamed SAS (demo)" in po


# --- service period ----------------------------------------------------------------------------------


def test_each_line_states_its_service_period(client):
    order = invoiced(customer(), months=12)
    assert "Service period: 12 months from delivery" in invoice_pdf(client, order)

    # A renewal extends a service whose end is known: its invoice gives the dates.
    service = delivered_service(account=customer(language="fr"), months=12)
    renewal = pay_order(service_renew(service=service, now=timezone.now()))
    invoice_issue(order_id=renewal.pk)
    [line] = Invoice.objects.get(order=renewal).lines
    assert line["period_start"] == service.period_end.isoformat()
    text = invoice_pdf(client, renewal)
    assert re.search(r"Période de service : du \S+ \S+ \d{4} au \S+ \S+ \d{4}", text), text


# --- tax name and VAT mentions ------------------------------------------------------------------------


def test_the_canadian_invoice_names_the_tax_hst(client):
    order = invoiced(customer("CA"))
    text = invoice_pdf(client, order)
    assert "HST rate" in text and "Total incl. HST" in text and "13%" in text
    assert f"HST number {order.subsidiary.vat_number}" in text
    assert "Total incl. VAT" not in text


def test_reverse_charge_with_the_customers_vat_number_in_english_and_french(client):
    for language, mention in (
        ("en", "VAT reverse charge: VAT to be accounted for by the customer (Article 196 of Directive 2006/112/EC)."),
        ("fr", "Autoliquidation : TVA due par le preneur (article 196 de la directive 2006/112/CE)."),
    ):
        order = invoiced(business(country="DE", vat_number="DE123456789", language=language))
        assert order.reverse_charge and order.total_vat == 0
        text = invoice_pdf(client, order)
        assert squeezed(mention) in squeezed(text) and "DE123456789" in text


def test_a_customer_billed_outside_the_eu_pays_no_eu_vat_and_is_told_why(client):
    order = invoiced(customer("FR", country="US"))
    assert order.total_vat == 0 and not order.reverse_charge
    assert "outside the scope of EU VAT (Articles 44 and 59 of Directive 2006/112/EC)" in invoice_pdf(client, order)
    french = invoiced(customer("DE", country="CH", language="fr"))
    assert french.total_vat == 0
    assert "hors du champ d'application de la TVA de l'Union" in invoice_pdf(client, french)


def test_the_us_invoice_says_sales_tax_is_not_collected(client):
    order = invoiced(customer("US"))
    text = invoice_pdf(client, order)
    assert "Sales tax not collected" in text and "Total incl. Sales tax" in text


def test_domestic_vat_needs_no_mention(client):
    text = invoice_pdf(client, invoiced(customer()))
    for mention in ("reverse charge", "outside the scope", "Sales tax", LATE_PAYMENT_EN):
        assert mention not in text


# --- French business customers ------------------------------------------------------------------------


def test_a_french_business_invoice_states_the_late_payment_penalties_and_the_40_euro_indemnity(client):
    text = invoice_pdf(client, invoiced(business(vat_number="FR40303265045")))
    assert LATE_PAYMENT_EN in text and "a fixed indemnity of €40 for recovery costs" in text
    assert "Articles L441-10 and D441-5 of the French Commercial Code" in text
    french = invoice_pdf(client, invoiced(business(vat_number="FR40303265045", language="fr")))
    assert LATE_PAYMENT_FR in french and "indemnité forfaitaire de 40 € pour frais de recouvrement" in french


def test_consumers_and_other_subsidiaries_businesses_get_no_late_payment_terms(client):
    assert LATE_PAYMENT_EN not in invoice_pdf(client, invoiced(customer()))
    assert LATE_PAYMENT_EN not in invoice_pdf(client, invoiced(business("DE", vat_number="DE123456789")))


# --- credit notes and refund statements ---------------------------------------------------------------


def test_the_credit_note_names_the_invoice_it_corrects_in_english_and_french(client):
    for language, corrects, reason in (
        ("en", "Corrects invoice", "Refused at validation"),
        ("fr", "Rectifie la facture", "Refusée à la validation"),
    ):
        order = invoiced(customer(language=language))
        invoice = Invoice.objects.get(order=order)
        note = refunded(order)
        assert note.kind == CreditNote.Kind.CREDIT_NOTE and note.invoice == invoice
        assert note.vat_amount == order.total_vat > 0
        text = note_pdf(client, order, note)
        assert invoice.number in text and corrects in text
        assert text.count(reason) == 2, text  # the reason, and the line: in the reader's language
        assert order.subsidiary.legal_name in text and order.subsidiary.vat_number in text


def test_a_refund_of_money_never_invoiced_is_a_refund_statement_that_credits_no_vat(client):
    order = pay_order(place_order(account=customer()))  # the invoice task has not run
    assert not Invoice.objects.filter(order=order).exists()
    statement = refunded(order)
    assert statement.kind == CreditNote.Kind.REFUND_STATEMENT and statement.number == "RS-FR-0000001"
    assert statement.vat_amount == 0 and statement.invoice is None
    assert [line["vat_amount"] for line in statement.lines] == ["0"]
    text = note_pdf(client, order, statement)
    assert "Refund statement no. RS-FR-0000001" in text
    assert "this refund credits no VAT and corrects no invoice" in text and "Corrects invoice" not in text
    assert format_money(order.total_gross, "EUR", "en") in text
    tracking = client.get(reverse("orders:tracking", args=[order.pk])).content.decode()
    assert "refund statement RS-FR-0000001" in tracking and "credit note RS-" not in tracking
    # Credit notes keep their own sequence.
    assert refunded(invoiced(customer())).number == "CN-FR-0000001"


def test_an_order_refunded_before_its_invoice_is_never_invoiced():
    """The invoice task may run after a refusal that came first: the money went back without VAT, so no
    invoice charges it afterwards, and the sweep does not look for one."""
    order = pay_order(place_order(account=customer()))
    refunded(order)
    assert invoice_issue(order_id=order.pk) is None and not Invoice.objects.filter(order=order).exists()
    assert order.pk not in orders_awaiting_invoice(now=timezone.now() + timedelta(hours=1))


def test_a_reverse_charged_orders_credit_note_carries_the_mention(client):
    order = invoiced(business(country="DE", vat_number="DE123456789"))
    text = note_pdf(client, order, refunded(order))
    assert "VAT reverse charge" in text and "DE123456789" in text


def test_the_credit_note_title_keeps_its_number_whole(client):
    """The title's column is narrow: it wrapped at the number's first hyphen ("CN-" / "FR-0000001")."""
    order = invoiced(customer())
    note = refunded(order)
    client.force_login(order.account)
    raw = pdf_text(client.get(reverse("orders:credit_note_pdf", args=[order.pk, note.pk])).content)
    assert re.search(r"Credit note no\.\s+" + re.escape(note.number), raw), raw


# --- the purchase order ----------------------------------------------------------------------------------


def test_only_an_unpaid_purchase_order_asks_to_reorder_once_expired(client):
    order = place_order(account=customer())
    client.force_login(order.account)
    url = reverse("orders:purchase_order_pdf", args=[order.pk])
    assert "If it has expired, you will have to reorder." in text_of(client.get(url).content)
    pay_order(order)
    assert "you will have to reorder" not in text_of(client.get(url).content)
    html = client.get(reverse("orders:purchase_order", args=[order.pk])).content.decode()
    assert "you will have to reorder" not in html


def test_an_order_keeps_the_vat_rate_of_its_day():
    """A rate carries its effective date: an order is priced at the rate of the day it is placed (EE: 24 %
    from 1 July 2025)."""
    estonian = customer("FR", country="EE")
    eve = datetime(2025, 6, 30, 12, tzinfo=UTC)
    before = place_order(account=estonian, now=eve)
    after = place_order(account=estonian, now=eve + timedelta(days=1))
    assert {line.vat_rate for line in before.lines.all()} == {Decimal("0.22")}
    assert {line.vat_rate for line in after.lines.all()} == {Decimal("0.24")}
    assert after.created_at - before.created_at == timedelta(days=1)
