"""Paying by bank transfer: the instructions wherever the customer looks, and finance reconciling by reference."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict, InvalidInput
from core.localtime import local_date
from core.models import OutboxEmail
from core.money import format_money
from core.outbox import _render
from orders import history
from orders.models import OrderStatus, Payment, Refund, TransferReceipt
from orders.services import transfers as transfers_service
from orders.services.expiry import orders_expire
from orders.services.payments import order_pay
from orders.services.transfers import transfer_receive, transfers_settle_due
from orders.templatetags.panel import ldate
from orders.transfer_details import order_id_from_reference, transfer_reference
from payments.iban import grouped
from payments.kinds import PaymentKind
from payments.models import SandboxTransaction
from tests.support.factories import PaymentMethodFactory, PricingFactory, UserFactory, place_order, subsidiary
from tests.support.pages import pdf_text
from tests.support.threads import assert_overlapped, run_together, slow_down

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def page_text(response) -> str:
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.content.decode()))


def business(code: str = "FR", **fields):
    return UserFactory(
        legal_form="corporation", organisation="Acme", subsidiary=subsidiary(code), country=code, **fields
    )


def transfer_order(account=None, *, price="1198.00"):
    """A business's unpaid order whose customer chose to pay by bank transfer."""
    account = account or business()
    order = place_order(account=account, pricings=[PricingFactory(subsidiary=account.subsidiary, price=Decimal(price))])
    method = PaymentMethodFactory(account=account, kind=PaymentKind.BANK_TRANSFER)
    payment = order_pay(order_id=order.pk, account=account, method=method)
    assert payment.status == Payment.Status.PENDING
    return order, payment


@pytest.fixture
def finance():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def finance_client(client, finance):
    client.force_login(finance)
    return client


def test_the_reference_is_the_orders_number_under_iso_11649():
    assert transfer_reference(46) == "RF2300000046" and order_id_from_reference("rf23 0000 0046") == 46
    assert order_id_from_reference("RF24 0000 0046") is None  # wrong check digits
    assert order_id_from_reference("RF2346") is None and order_id_from_reference("RF23000000046") is None
    assert order_id_from_reference("RF18539007547034") == 539007547034  # a valid reference of ours or not: any number
    assert order_id_from_reference("RF18 ABC") is None


def test_the_purchase_order_gives_the_bank_details_reference_amount_and_date_in_html_and_pdf(client):
    account = business()
    order = place_order(account=account, pricings=[PricingFactory(price=Decimal("1198.00"))])
    client.force_login(account)
    fr = subsidiary("FR")
    assert fr.bank_iban and fr.bank_bic and fr.bank_name  # the seeded seller, not blanks
    reference = grouped(transfer_reference(order.pk))
    arrive_by = local_date(order.expires_at, fr.time_zone)

    text = page_text(client.get(reverse("orders:purchase_order", args=[order.pk])))
    for shown in (fr.bank_holder, fr.bank_name, grouped(fr.bank_iban), fr.bank_bic, reference, ldate(arrive_by)):
        assert shown in text
    assert "€1,437.60" in text.split("Pay by bank transfer")[1]

    pdf = pdf_text(client.get(reverse("orders:purchase_order_pdf", args=[order.pk])).content)
    squeezed = re.sub(r"\s+", "", pdf)
    for shown in (fr.bank_iban, fr.bank_bic, transfer_reference(order.pk), "€1,437.60"):
        assert shown in squeezed
    assert ldate(arrive_by) in pdf and "Pay by bank transfer" in pdf


def test_no_transfer_details_for_an_individual_or_once_paid(client):
    consumer = UserFactory()
    order = place_order(account=consumer)
    client.force_login(consumer)
    assert "Pay by bank transfer" not in page_text(client.get(reverse("orders:purchase_order", args=[order.pk])))

    order, _payment = transfer_order()
    transfer_receive(
        reference=transfer_reference(order.pk), amount=order.total_gross, bank_entry="B1", staff=UserFactory()
    )
    client.force_login(order.account)
    for page in ("orders:purchase_order", "orders:tracking", "orders:pay"):
        assert "Pay by bank transfer" not in page_text(client.get(reverse(page, args=[order.pk])))


def test_choosing_transfer_on_the_pay_page_shows_the_details_there_and_on_tracking(client):
    account = business()
    order = place_order(account=account)
    method = PaymentMethodFactory(account=account, kind=PaymentKind.BANK_TRANSFER)
    client.force_login(account)
    pay = reverse("orders:pay", args=[order.pk])
    assert "Pay by bank transfer" not in page_text(client.get(pay))  # not chosen yet
    attempt = re.search(r'name="payment_attempt" value="([0-9a-f-]{36})"', client.get(pay).content.decode())[1]

    response = client.post(pay, {"payment_attempt": attempt, "action": "saved", "method": method.pk}, follow=True)

    text = page_text(response)
    assert response.redirect_chain[-1][0] == pay
    assert "Transfer the amount below with its reference" in text
    assert grouped(transfer_reference(order.pk)) in text and grouped(subsidiary("FR").bank_iban) in text
    tracking = page_text(client.get(reverse("orders:tracking", args=[order.pk])))
    assert grouped(transfer_reference(order.pk)) in tracking and "BIC / SWIFT" in tracking


@pytest.mark.parametrize(
    ("language", "subject", "phrase"),
    [
        ("en", "Bank details to pay order", "quoting the reference"),
        ("fr", "Coordonnées bancaires pour payer la commande", "en indiquant la référence"),
    ],
)
def test_the_payment_email_gives_the_transfer_details_in_the_customers_language(language, subject, phrase):
    order, _payment = transfer_order(business(language=language))
    email = OutboxEmail.objects.get(template="transfer_instructions", order_id=order.pk)
    message = _render(email)
    fr = subsidiary("FR")
    assert subject in message.subject and phrase in message.body
    for shown in (fr.bank_holder, grouped(fr.bank_iban), fr.bank_bic, grouped(transfer_reference(order.pk))):
        assert shown in message.body and shown in message.alternatives[0][0]
    assert format_money(order.total_gross, "EUR", language) in message.body


def test_finance_finds_an_order_and_its_payment_by_reference_however_typed(finance_client):
    order, payment = transfer_order()
    _other, _ = transfer_order()
    typed = grouped(transfer_reference(order.pk)).lower()
    for changelist in ("admin:orders_order_changelist", "admin:orders_payment_changelist"):
        response = finance_client.get(reverse(changelist), {"q": typed})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list.values_list("pk", flat=True)) == [
            order.pk if "order_changelist" in changelist else payment.pk
        ]
    assert grouped(transfer_reference(order.pk)) in page_text(
        finance_client.get(reverse("admin:orders_payment_changelist"))
    )


def record(finance_client, order, amount, entry):
    return finance_client.post(
        reverse("admin:orders_payment_transfer_received"),
        {"reference": grouped(transfer_reference(order.pk)), "amount": amount, "bank_entry": entry},
        follow=True,
    )


def test_the_exact_amount_pays_the_order(finance_client):
    order, payment = transfer_order()
    assert finance_client.get(reverse("admin:orders_payment_transfer_received")).status_code == 200

    response = record(finance_client, order, "1437.60", "STMT-2026-001")

    payment.refresh_from_db()
    order.refresh_from_db()
    assert f"Order {order.pk} is paid." in page_text(response)
    assert payment.status == Payment.Status.SUCCEEDED and payment.amount == Decimal("1437.60")
    assert order.status in (OrderStatus.CHECKING, OrderStatus.DELIVERING, OrderStatus.DELIVERED)
    assert SandboxTransaction.objects.get(idempotency_key=payment.idempotency_key).status == "succeeded"
    assert not order.refunds.exists()


def test_a_short_amount_leaves_the_order_unpaid_and_says_what_is_missing(finance_client):
    order, payment = transfer_order()

    response = record(finance_client, order, "1000.00", "STMT-1")

    order.refresh_from_db()
    payment.refresh_from_db()
    received, missing = (format_money(Decimal(amount), "EUR", "en") for amount in ("1000.00", "437.60"))
    assert f"{received} received, {missing} still missing" in page_text(response)
    assert order.status == OrderStatus.NOT_PAID and payment.status == Payment.Status.PENDING
    assert order.events.get(label=history.TRANSFER_RECEIVED).data["missing"] == "437.60"
    customer = Client()
    customer.force_login(order.account)
    for page in ("orders:purchase_order", "orders:pay", "orders:tracking"):
        text = page_text(customer.get(reverse(page, args=[order.pk])))
        assert "We have received €1,000.00 of €1,437.60: €437.60 is still due." in text

    record(finance_client, order, "437.60", "STMT-2")

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status != OrderStatus.NOT_PAID and payment.amount == Decimal("1437.60") and not order.refunds.exists()


def test_the_same_statement_entry_sent_twice_counts_once(finance_client):
    order, _payment = transfer_order()
    record(finance_client, order, "1000.00", "STMT-9")

    response = record(finance_client, order, "1000.00", "STMT-9")

    assert "This bank statement entry was already recorded." in page_text(response)
    assert TransferReceipt.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.NOT_PAID


def test_an_excess_pays_the_order_and_goes_back_to_the_payer(finance_client):
    order, _payment = transfer_order()

    response = record(finance_client, order, "1500.00", "STMT-X")

    order.refresh_from_db()
    excess = order.refunds.get()
    shown = format_money(Decimal("62.40"), "EUR", "en")
    assert f"Order {order.pk} is paid; the excess of {shown} is refunded to the payer." in page_text(response)
    assert order.status != OrderStatus.NOT_PAID and excess.cause == Refund.Cause.EXCESS
    assert excess.amount == Decimal("62.40") and excess.vat_amount == 0
    # Its destination is the payer's IBAN, which the customer is asked for.
    assert excess.status == Refund.Status.NEEDS_IBAN
    assert OutboxEmail.objects.filter(template="refund_iban_needed", order_id=order.pk).exists()


def test_money_for_an_expired_order_is_refunded_in_full(finance):
    order, _payment = transfer_order()
    later = order.expires_at + timedelta(hours=1)
    with time_machine.travel(later, tick=False):  # past its expiry (no hold for transfers), not swept yet
        outcome = transfer_receive(
            reference=transfer_reference(order.pk), amount="500.00", bank_entry="LATE-1", staff=finance
        )
        assert outcome.payment.status == Payment.Status.SUCCEEDED
        assert transfers_settle_due() == 0  # nothing left for the sweep

    order.refresh_from_db()
    refund = order.refunds.get()
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "expired"
    assert (refund.cause, refund.amount, refund.vat_amount) == (Refund.Cause.LATE_PAYMENT, Decimal("500.00"), 0)
    assert refund.status == Refund.Status.NEEDS_IBAN


def test_a_transfer_without_a_chosen_payment_is_matched_by_its_reference(finance):
    account = business()
    order = place_order(account=account, pricings=[PricingFactory(price=Decimal("1198.00"))])

    outcome = transfer_receive(
        reference=transfer_reference(order.pk), amount="1437.60", bank_entry="E-1", staff=finance
    )

    order.refresh_from_db()
    assert outcome.payment.status == Payment.Status.SUCCEEDED and outcome.payment.kind == PaymentKind.BANK_TRANSFER
    assert order.status != OrderStatus.NOT_PAID


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"reference": "RF00 1234"}, InvalidInput, "reference"),
        ({"reference": "RF18539007547034"}, InvalidInput, "reference"),  # a valid reference, but no such order
        ({"amount": "0"}, InvalidInput, "amount"),
        ({"amount": "12.345"}, InvalidInput, "amount"),
        ({"amount": "abc"}, InvalidInput, "amount"),
        ({"bank_entry": "  "}, InvalidInput, "bank_entry"),
        ({"bank_entry": "x" * 101}, InvalidInput, "bank_entry"),
    ],
)
def test_wrong_input_changes_nothing(finance, fields, error, field):
    order, _payment = transfer_order()
    values = {"reference": transfer_reference(order.pk), "amount": "10.00", "bank_entry": "E", **fields}
    with pytest.raises(error) as raised:
        transfer_receive(staff=finance, **values)
    assert raised.value.field == field and not TransferReceipt.objects.exists()


def test_a_card_paid_order_takes_no_transfer(finance):
    account = business()
    order = place_order(account=account)
    order_pay(order_id=order.pk, account=account, method=PaymentMethodFactory(account=account))
    with pytest.raises(Conflict, match="paid otherwise"):
        transfer_receive(reference=transfer_reference(order.pk), amount="1.00", bank_entry="E", staff=finance)
    assert not TransferReceipt.objects.exists()


@pytest.mark.parametrize("code", ["FR", "GB", "PL"])
def test_a_corporate_customer_pays_by_transfer_with_the_reference_shown_and_finance_reconciles_it(code, finance):
    """issue 16's "done when": the reference on the purchase order, the money matched by it in the admin."""
    account = business(code)
    order, payment = transfer_order(account)
    seller = subsidiary(code)
    assert seller.bank_iban and seller.bank_bic
    client, finance_client = Client(), Client()
    client.force_login(account)
    finance_client.force_login(finance)
    text = page_text(client.get(reverse("orders:purchase_order", args=[order.pk])))
    reference = grouped(transfer_reference(order.pk))
    assert reference in text and grouped(seller.bank_iban) in text and seller.bank_bic in text

    typed = reference.replace(" ", "").lower()
    found = finance_client.get(reverse("admin:orders_payment_changelist"), {"q": typed}).context["cl"].result_list
    assert list(found) == [payment]
    response = record(finance_client, order, str(order.total_gross), f"{code}-STMT-1")

    order.refresh_from_db()
    assert f"Order {order.pk} is paid." in page_text(response) and order.currency == seller.currency
    assert order.status != OrderStatus.NOT_PAID and order.paid_at is not None


def test_a_short_transfer_for_an_order_that_then_expires_is_refunded_by_the_sweep(finance):
    order, payment = transfer_order()
    transfer_receive(reference=transfer_reference(order.pk), amount="400.00", bank_entry="SHORT-1", staff=finance)
    assert transfers_settle_due() == 0  # still awaited: it stays short

    with time_machine.travel(order.expires_at + timedelta(minutes=1), tick=False):
        orders_expire(now=timezone.now())
        assert transfers_settle_due() == 1

    payment.refresh_from_db()
    refund = order.refunds.get()
    assert payment.status == Payment.Status.SUCCEEDED and payment.amount == Decimal("400.00")
    assert (refund.cause, refund.amount) == (Refund.Cause.LATE_PAYMENT, Decimal("400.00"))


@pytest.mark.postgres_only
def test_the_same_entry_recorded_twice_at_once_counts_once(monkeypatch, finance):
    order, payment = transfer_order()
    slow_down(monkeypatch, transfers_service, "transfer_received")  # inside the receipt's transaction
    record_it = lambda: transfer_receive(  # noqa: E731
        reference=transfer_reference(order.pk), amount="1437.60", bank_entry="SAME", staff=finance
    )

    outcomes = run_together(record_it, record_it)

    assert_overlapped(outcomes)
    assert sorted(type(o[1]).__name__ for o in outcomes) == ["Conflict", "TransferOutcome"]
    payment.refresh_from_db()
    assert TransferReceipt.objects.filter(order=order).count() == 1
    assert payment.status == Payment.Status.SUCCEEDED and payment.amount == Decimal("1437.60")
    assert not order.refunds.exists()
