"""Invoices and credit notes: once per paid order, gapless numbers, immutable, owner-only pages and PDFs."""

import html
import io
import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import LegalForm
from core.errors import Conflict
from core.models import OutboxEmail
from core.money import format_money
from orders import history
from orders.models import DocumentSequence, ImmutableError, Invoice, OrderEvent, Payment, Refund
from orders.services import invoices as invoices_service
from orders.services.documents import credit_note_issue, next_number
from orders.services.invoices import invoice_issue, orders_awaiting_invoice
from orders.services.refunds import refund_full_payment
from orders.tasks import issue_invoice, recover_invoices
from tests.support.factories import PlanFactory, PricingFactory, UserFactory, pay_order, place_order, subsidiary
from tests.support.threads import run_together

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.content.decode()))


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def paid(django_capture_on_commit_callbacks):
    """A paid order whose invoice task ran on commit, as the worker runs it."""
    account = UserFactory(first_name="Alice", last_name="Martin")
    pricings = [
        PricingFactory(plan=PlanFactory(name_en="Web Hosting Pro"), price=Decimal("9.99")),
        PricingFactory(plan=PlanFactory(name_en="Domain example.com"), price=Decimal("12.00"), months=12),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        order = pay_order(place_order(account=account, pricings=pricings))
    return order


def test_paying_issues_one_invoice_with_a_snapshot_of_the_order(paid, mailoutbox):
    invoice = Invoice.objects.get(order=paid)
    assert invoice.number == "IN-FR-0000001"
    assert (invoice.subsidiary_id, invoice.currency) == ("FR", "EUR")
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        paid.total_net,
        paid.total_vat,
        paid.total_gross,
    )
    assert invoice.billing == paid.billing and invoice.reverse_charge is False
    lines = {line["description"]: line for line in invoice.lines}
    for line in paid.lines.all():
        snap = lines[line.description]
        assert Decimal(snap["unit_price"]) == line.unit_price and snap["quantity"] == line.quantity
        assert Decimal(snap["net"]) == line.net_total and Decimal(snap["vat_rate"]) == line.vat_rate
        assert Decimal(snap["vat"]) == line.vat_amount and Decimal(snap["gross"]) == line.gross_amount
    assert sum(Decimal(line["gross"]) for line in invoice.lines) == invoice.total_gross
    event = OrderEvent.objects.get(order=paid, label=history.INVOICE_SENT)
    assert event.data == {"invoice": "IN-FR-0000001"}
    assert OutboxEmail.objects.filter(key=f"invoice-available:{paid.pk}").count() == 1
    assert [m for m in mailoutbox if "IN-FR-0000001" in m.subject]


def test_issuing_again_returns_the_same_invoice_and_sends_nothing_more(paid, django_capture_on_commit_callbacks):
    first = Invoice.objects.get(order=paid)
    with django_capture_on_commit_callbacks(execute=True):
        again = invoice_issue(order_id=paid.pk)
        issue_invoice.delay(paid.pk)  # a duplicate message
        recover_invoices.delay()
    assert again.pk == first.pk and Invoice.objects.count() == 1
    assert OrderEvent.objects.filter(order=paid, label=history.INVOICE_SENT).count() == 1
    assert OutboxEmail.objects.filter(template="invoice_available").count() == 1
    assert DocumentSequence.objects.get(subsidiary_id="FR", kind="invoice").last_number == 1


def test_numbers_are_gapless_per_subsidiary_and_a_rollback_gives_its_number_back():
    orders = [pay_order(place_order()) for _ in range(3)]
    de = UserFactory(subsidiary=subsidiary("DE"), country="DE")
    de_order = pay_order(place_order(account=de, pricings=[PricingFactory(subsidiary=subsidiary("DE"))]))
    assert invoice_issue(order_id=orders[0].pk).number == "IN-FR-0000001"
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number(subsidiary_id="FR", kind="invoice")  # taken, then the document fails to be stored
        raise RuntimeError
    assert invoice_issue(order_id=orders[1].pk).number == "IN-FR-0000002"
    assert invoice_issue(order_id=de_order.pk).number == "IN-DE-0000001"
    assert invoice_issue(order_id=orders[2].pk).number == "IN-FR-0000003"


def test_an_unpaid_order_gets_no_invoice():
    order = place_order()
    with pytest.raises(Conflict):
        invoice_issue(order_id=order.pk)
    assert not Invoice.objects.exists() and orders_awaiting_invoice(now=timezone.now() + timedelta(hours=1)) == []


def test_the_beat_recovers_paid_orders_whose_invoice_message_was_lost(django_capture_on_commit_callbacks):
    earlier = timezone.now() - timedelta(minutes=10)
    lost = pay_order(place_order(now=earlier), now=earlier)  # on-commit callbacks never ran: message lost
    recent = pay_order(place_order())
    assert not Invoice.objects.exists()
    assert orders_awaiting_invoice() == [lost.pk]  # the recent one may still be on its way
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_invoices.delay().result == 1
    assert Invoice.objects.get().order_id == lost.pk
    assert orders_awaiting_invoice(now=timezone.now() + timedelta(minutes=5)) == [recent.pk]


def test_an_invoice_can_be_neither_changed_nor_deleted(paid, admin_client):
    invoice = Invoice.objects.get(order=paid)
    invoice.total_gross = Decimal("0.01")
    with pytest.raises(ImmutableError):
        invoice.save()
    with pytest.raises(ImmutableError):
        invoice.delete()
    assert Invoice.objects.get().total_gross == paid.total_gross
    url = reverse("admin:orders_invoice_change", args=[invoice.pk])
    response = admin_client.get(url)
    assert response.status_code == 200 and 'name="_save"' not in response.content.decode()
    assert admin_client.post(url, {"number": "X"}).status_code == 403
    assert admin_client.get(reverse("admin:orders_invoice_delete", args=[invoice.pk])).status_code == 403
    assert admin_client.get(reverse("admin:orders_invoice_add")).status_code == 403


# --- pages --------------------------------------------------------------------------------------


def test_the_owner_reads_the_bill_in_html(client, paid):
    invoice = Invoice.objects.get(order=paid)
    client.force_login(paid.account)
    response = client.get(reverse("orders:bill", args=[paid.pk]))
    assert response.status_code == 200
    text = page_text(response)
    assert "Invoice no. IN-FR-0000001" in text and f"{paid.number}" in text
    assert "Alice Martin" in text and "Web Hosting Pro" in text and "Domain example.com" in text
    for amount in (invoice.total_net, invoice.total_vat, invoice.total_gross):
        assert format_money(amount, "EUR", "en") in text
    assert "20%" in text and "reverse charge" not in text
    assert reverse("orders:bill_pdf", args=[paid.pk]) in response.content.decode()


def test_the_bill_shows_its_snapshot_not_the_account_as_it_is_now(client, paid):
    account = paid.account
    account.first_name, account.address = "Changed", "9 avenue Nouvelle"
    account.save()
    client.force_login(account)
    text = page_text(client.get(reverse("orders:bill", args=[paid.pk])))
    assert "Alice Martin" in text and "1 rue de la Paix" in text and "avenue Nouvelle" not in text


def test_the_bill_pdf_says_the_same(client, paid):
    client.force_login(paid.account)
    response = client.get(reverse("orders:bill_pdf", args=[paid.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="invoice-IN-FR-0000001.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "IN-FR-0000001" in text and "Web Hosting Pro" in text and "Alice Martin" in text
    assert format_money(paid.total_gross, "EUR", "en") in text
    assert "Download PDF" not in text


def test_reverse_charge_is_stated_on_the_bill(client, django_capture_on_commit_callbacks):
    account = UserFactory(
        legal_form=LegalForm.CORPORATION, organisation="Acme GmbH", country="DE", vat_number="DE123456789"
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = pay_order(place_order(account=account))
    assert order.reverse_charge
    client.force_login(account)
    assert "VAT reverse charge" in page_text(client.get(reverse("orders:bill", args=[order.pk])))


def test_another_customer_and_anonymous_visitors_cannot_read_a_bill(client, paid):
    for name in ("orders:bill", "orders:bill_pdf"):
        url = reverse(name, args=[paid.pk])
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(UserFactory())
    for name in ("orders:bill", "orders:bill_pdf"):
        assert client.get(reverse(name, args=[paid.pk])).status_code == 404


def test_no_bill_before_payment(client):
    order = place_order()
    client.force_login(order.account)
    assert client.get(reverse("orders:bill", args=[order.pk])).status_code == 404


def test_staff_with_the_view_permission_read_any_bill(client, paid):
    from django.contrib.auth.models import Permission

    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("orders:bill", args=[paid.pk])).status_code == 404
    staff.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    client.force_login(staff)
    assert client.get(reverse("orders:bill", args=[paid.pk])).status_code == 200


# --- credit notes ---------------------------------------------------------------------------------


@pytest.fixture
def credit_note(paid):
    """The credit note of a paid refund (here a refusal's: one line, the whole payment)."""
    payment = paid.payments.get(status=Payment.Status.SUCCEEDED)
    with transaction.atomic():
        refund = refund_full_payment(
            order=paid, cause=Refund.Cause.REFUSAL, payment=payment, requested_on=timezone.localdate()
        )
        return credit_note_issue(refund=refund, subsidiary_id=refund.order.subsidiary_id, now=timezone.now())


def test_the_owner_reads_a_credit_note_with_each_lines_amount_and_vat_part(client, paid, credit_note):
    client.force_login(paid.account)
    response = client.get(reverse("orders:credit_note", args=[paid.pk, credit_note.pk]))
    assert response.status_code == 200
    text = page_text(response)
    assert f"Credit note no. {credit_note.number}" in text and "IN-FR-0000001" in text
    for line in credit_note.lines:
        amount, vat = Decimal(line["amount"]), Decimal(line["vat_amount"])
        assert format_money(amount, "EUR", "en") in text and format_money(vat, "EUR", "en") in text
        assert format_money(amount - vat, "EUR", "en") in text
    pdf = client.get(reverse("orders:credit_note_pdf", args=[paid.pk, credit_note.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    pdf_body = pdf_text(pdf.content)
    assert credit_note.number in pdf_body and format_money(paid.total_vat, "EUR", "en") in pdf_body
    # The bill lists its credit notes.
    assert credit_note.number in page_text(client.get(reverse("orders:bill", args=[paid.pk])))


def test_credit_notes_are_the_owners_only(client, paid, credit_note):
    url = reverse("orders:credit_note", args=[paid.pk, credit_note.pk])
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    other = pay_order(place_order())
    client.force_login(other.account)
    # The right note id under the wrong order is not found either.
    assert client.get(reverse("orders:credit_note", args=[other.pk, credit_note.pk])).status_code == 404


# --- concurrency (PostgreSQL) ---------------------------------------------------------------------


def _slow_next_number(monkeypatch):
    original = invoices_service.next_number

    def slowed(**kwargs):
        time.sleep(0.2)  # inside the transaction: the other payments arrive meanwhile
        return original(**kwargs)

    monkeypatch.setattr(invoices_service, "next_number", slowed)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
def test_concurrent_payments_get_gapless_unique_numbers(monkeypatch):
    orders = [place_order() for _ in range(6)]
    _slow_next_number(monkeypatch)

    outcomes = run_together(*(lambda order=order: pay_order(order) for order in orders))

    assert all(outcome[0] == "ok" for outcome in outcomes), outcomes
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"IN-FR-{n:07d}" for n in range(1, 7)]
    assert set(Invoice.objects.values_list("order_id", flat=True)) == {order.pk for order in orders}
    assert DocumentSequence.objects.get(subsidiary_id="FR", kind="invoice").last_number == 6


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
def test_concurrent_issues_of_one_order_give_one_invoice(monkeypatch):
    order = pay_order(place_order())  # its own invoice was issued on commit
    Invoice.objects.all()._raw_delete(Invoice.objects.db)  # as if the message had been lost
    DocumentSequence.objects.update(last_number=0)
    _slow_next_number(monkeypatch)

    outcomes = run_together(*(lambda: invoice_issue(order_id=order.pk) for _ in range(4)))

    assert all(outcome[0] == "ok" for outcome in outcomes), outcomes
    assert {outcome[1].number for outcome in outcomes} == {"IN-FR-0000001"}
    assert Invoice.objects.count() == 1
    assert DocumentSequence.objects.get(subsidiary_id="FR", kind="invoice").last_number == 1


def test_the_panel_gives_staff_the_bills_and_credit_notes_the_admin_gives_them(client, paid, credit_note):
    """Validators may read orders but not invoices nor credit notes, in the admin as in the panel; finance may."""
    from accounts.groups import ensure_staff_groups

    groups = ensure_staff_groups()
    pages = [
        reverse("orders:bill", args=[paid.pk]),
        reverse("orders:credit_note", args=[paid.pk, credit_note.pk]),
    ]
    admin_pages = [
        reverse("admin:orders_invoice_change", args=[paid.invoice.pk]),
        reverse("admin:orders_creditnote_change", args=[credit_note.pk]),
    ]
    for group, status, admin_status in (("validators", 404, 403), ("finance", 200, 200)):
        staff = UserFactory(is_staff=True)
        staff.groups.add(groups[group])
        client.force_login(staff)
        assert [client.get(url).status_code for url in admin_pages] == [admin_status] * 2, group
        assert [client.get(url).status_code for url in pages] == [status] * 2, group
