"""Paying an order through the real sandbox gateway: outcomes, holds, nothing charged twice, recovery."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import LegalForm
from core.errors import Conflict, InvalidInput
from orders.models import OrderStatus, Payment
from orders.services.payments import order_pay, payment_mark_transfer_received, payments_reconcile
from payments.kinds import PaymentKind
from payments.models import SandboxTransaction
from payments.sandbox import SandboxGateway
from tests.support.factories import PaymentMethodFactory, UserFactory, place_order

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def card(account, number="4242424242424242", **kwargs):
    registration = SandboxGateway().register(
        kind="card", details={"number": number, "exp_month": 12, "exp_year": timezone.now().year + 2}
    )
    return PaymentMethodFactory(account=account, token=registration.token, label=registration.label, **kwargs)


def test_a_card_payment_confirms_the_order_once():
    account = UserFactory()
    order = place_order(account=account)
    payment = order_pay(order_id=order.pk, account=account, method=card(account))
    order.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and payment.gateway_reference
    assert order.status == OrderStatus.CHECKING and order.paid_at
    with pytest.raises(Conflict):
        order_pay(order_id=order.pk, account=account, method=card(account, is_default=False))
    assert SandboxTransaction.objects.filter(operation="charge").count() == 1


def test_a_declined_card_leaves_the_order_payable():
    account = UserFactory()
    order = place_order(account=account)
    declined = order_pay(order_id=order.pk, account=account, method=card(account, "4000000000000002"))
    assert declined.status == Payment.Status.FAILED and "declined" in declined.failure_reason
    order.refresh_from_db()
    assert order.status == OrderStatus.NOT_PAID
    assert order.events.filter(label="PAYMENT_FAILED").count() == 1
    paid = order_pay(order_id=order.pk, account=account, method=card(account, is_default=False))
    assert paid.status == Payment.Status.SUCCEEDED


def test_refusals_change_nothing():
    account = UserFactory()
    order = place_order(account=account)
    other = UserFactory()
    with pytest.raises(InvalidInput):  # another customer's order
        order_pay(order_id=order.pk, account=other, method=card(other))
    with pytest.raises(InvalidInput):  # another customer's method
        order_pay(order_id=order.pk, account=account, method=card(other, is_default=False))
    expired = card(account)
    expired.expires_on = timezone.localdate() - timedelta(days=1)
    expired.save()
    with pytest.raises(InvalidInput):
        order_pay(order_id=order.pk, account=account, method=expired)
    transfer = PaymentMethodFactory(account=account, kind=PaymentKind.BANK_TRANSFER, is_default=False)
    with pytest.raises(InvalidInput):  # individuals are not offered bank transfers
        order_pay(order_id=order.pk, account=account, method=transfer)
    late = place_order(account=account, now=timezone.now() - timedelta(days=8))
    with pytest.raises(Conflict):
        order_pay(order_id=late.pk, account=account, method=card(account, is_default=False))
    assert not Payment.objects.exists() and not SandboxTransaction.objects.exists()


def test_sepa_holds_the_order_until_it_settles():
    account = UserFactory()
    order = place_order(account=account)
    sepa = PaymentMethodFactory(account=account, kind=PaymentKind.SEPA)
    payment = order_pay(order_id=order.pk, account=account, method=sepa)
    assert payment.status == Payment.Status.PENDING
    assert order.events.filter(label="PAYMENT_INITIATED").count() == 1
    assert payments_reconcile() == 0
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        assert payments_reconcile() == 1
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and order.status == OrderStatus.CHECKING


def test_bank_transfer_waits_for_finance():
    account = UserFactory(legal_form=LegalForm.CORPORATION, organisation="Acme")
    order = place_order(account=account)
    transfer = PaymentMethodFactory(account=account, kind=PaymentKind.BANK_TRANSFER)
    payment = order_pay(order_id=order.pk, account=account, method=transfer)
    assert payment.status == Payment.Status.PENDING
    payment = payment_mark_transfer_received(payment_id=payment.pk)
    assert payment.status == Payment.Status.SUCCEEDED
    with pytest.raises(Conflict):
        payment_mark_transfer_received(payment_id=payment.pk)


def test_a_crash_before_the_gateway_call_is_reconciled_as_never_sent():
    account = UserFactory()
    order = place_order(account=account)
    Payment.objects.create(
        order=order, kind="card", amount=order.total_gross, currency="EUR", idempotency_key="lost-before-call"
    )
    with pytest.raises(Conflict):  # the pending row blocks a second charge meanwhile
        order_pay(order_id=order.pk, account=account, method=card(account))
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert payments_reconcile() == 1
    assert Payment.objects.get(idempotency_key="lost-before-call").status == Payment.Status.FAILED
    assert order_pay(order_id=order.pk, account=account, method=card(account, is_default=False)).status == "succeeded"


def test_a_crash_after_the_gateway_call_is_reconciled_from_its_ledger():
    account = UserFactory()
    order = place_order(account=account)
    method = card(account)
    payment = Payment.objects.create(
        order=order,
        method=method,
        kind="card",
        amount=order.total_gross,
        currency="EUR",
        idempotency_key="charged-then-crashed",
    )
    SandboxGateway().charge(
        token=method.token, amount=payment.amount, currency="EUR", idempotency_key=payment.idempotency_key
    )
    assert payments_reconcile() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CHECKING
    assert SandboxTransaction.objects.filter(idempotency_key="charged-then-crashed").count() == 1
