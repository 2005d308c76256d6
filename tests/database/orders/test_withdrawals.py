"""The withdrawal service and the refunds it causes, end to end through the sandbox gateway."""
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from accounts.models import LegalForm
from core.errors import Conflict, InvalidInput
from core.models import OutboxEmail
from orders import tasks
from orders.models import CreditNote, OrderStatus, Payment, Refund, Service, Withdrawal
from orders.services.consents import Evidence
from orders.services.delivery import order_deliver
from orders.services.expiry import orders_expire
from orders.services.payments import order_pay
from orders.services.refunds import refund_retry, vat_part
from orders.services.validation import order_refuse_and_refund, order_validate
from orders.services.withdrawals import WithdrawalRequest, order_withdraw
from payments.models import SandboxTransaction
from tests.support.factories import (
    PaymentMethodFactory,
    PlanFactory,
    PricingFactory,
    UserFactory,
    place_order,
    subsidiary,
)

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
PARIS = ZoneInfo("Europe/Paris")
PANEL = Evidence(channel="panel", ip="127.0.0.1")
CONFIRMED = WithdrawalRequest(confirmed=True, reason="unused", comment="Changed my mind")


def paid_order(*, account=None, pricings=None, express_request=False, deliver=False):
    """Checkout and pay with a sandbox card; validate and deliver on request."""
    account = account or UserFactory()
    order = place_order(account=account, pricings=pricings, express_request=express_request)
    method = PaymentMethodFactory(account=account)
    assert order_pay(order_id=order.pk, account=account, method=method).status == Payment.Status.SUCCEEDED
    if deliver:
        order_validate(order_id=order.pk, staff=None)
        order_deliver(order_id=order.pk)
    order.refresh_from_db()
    return order


def withdraw(order, request=CONFIRMED, **kwargs):
    return order_withdraw(order_id=order.pk, request=request, evidence=Evidence(channel="panel", actor=order.account),
                          channel="panel", **kwargs)


def refunds_in_ledger() -> int:
    return SandboxTransaction.objects.filter(operation="refund").count()


def test_withdrawal_in_validation_refunds_everything_and_cancels():
    order = paid_order()
    withdrawal = withdraw(order)
    order.refresh_from_db()
    refund = Refund.objects.get(withdrawal=withdrawal)
    assert refund.amount == order.total_gross and refund.status == Refund.Status.PAID
    assert refund.due_on == withdrawal.requested_on + timedelta(days=14)
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "withdrawn")
    assert order.lines.filter(cancelled_at__isnull=True).count() == 0
    note = CreditNote.objects.get(refund=refund)
    assert note.number == "CN-FR-0000001" and Decimal(note.lines[0]["amount"]) > 0
    assert refunds_in_ledger() == 1
    labels = list(order.events.values_list("label", flat=True))
    assert labels[-2:] == ["WITHDRAWAL_REQUESTED", "ORDER_CANCELLED"]


def test_acknowledgement_email_says_what_when_and_how_much():
    order = paid_order()
    withdraw(order)
    assert OutboxEmail.objects.filter(key__startswith="withdrawal-ack:").count() == 1
    [email] = [m for m in mail.outbox if "withdrawal" in m.subject.lower()]
    assert order.number in email.subject and email.to == [order.account.email]
    assert "Changed my mind" in email.body and "14 days" in email.body
    assert "(Europe/Paris)" in email.body  # date and time with the zone


def test_prorated_refund_for_a_delivered_service_requested_early():
    pricing = PricingFactory(price=Decimal("29.99"))
    order = paid_order(pricings=[pricing], express_request=True, deliver=True)
    line = order.lines.get()
    requested = line.delivered_at + timedelta(days=9)
    with time_machine.travel(requested):
        withdrawal = withdraw(order)
    total = (line.period_end - line.period_start).days
    expected = (Decimal("35.99") * (total - 10) / total).quantize(Decimal("0.01"))
    assert withdrawal.refund_total == expected
    assert withdrawal.lines.get().vat_amount == vat_part(expected, Decimal("0.20"), "EUR")


def test_unticked_box_changes_nothing():
    order = paid_order()
    with pytest.raises(InvalidInput) as error:
        withdraw(order, WithdrawalRequest(confirmed=False))
    assert error.value.field == "confirm"
    with pytest.raises(InvalidInput):
        withdraw(order, WithdrawalRequest(confirmed=True, reason="bored"))
    order.refresh_from_db()
    assert order.status == OrderStatus.CHECKING and not Withdrawal.objects.exists() and not Refund.objects.exists()


def test_ineligible_orders_say_which_rule_blocks_them():
    business = UserFactory(legal_form=LegalForm.CORPORATION, organisation="Acme")
    with pytest.raises(Conflict, match="individuals"):
        withdraw(paid_order(account=business))
    with pytest.raises(Conflict, match="Unpaid"):
        withdraw(place_order())
    assert not Withdrawal.objects.exists()


def test_a_second_withdrawal_is_refused_and_refunds_once():
    order = paid_order()
    withdraw(order)
    with pytest.raises(Conflict):
        withdraw(order)
    assert Refund.objects.count() == 1 and refunds_in_ledger() == 1


def test_mixed_order_keeps_the_excluded_domain():
    domain = PricingFactory(plan=PlanFactory(family="domain", excludable=True), duration="P12M", months=12,
                            price=Decimal("9.99"))
    hosting = PricingFactory(price=Decimal("5.00"))
    order = paid_order(pricings=[domain, hosting], express_request=True, deliver=True)
    withdrawal = withdraw(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED  # the domain line remains
    kept = order.lines.get(cancelled_at__isnull=True)
    assert kept.plan.family == "domain"
    assert [w.line.plan.family for w in withdrawal.lines.all()] == ["webHosting"]
    assert order.events.filter(label="WITHDRAWAL_REQUESTED", data__partial=True).exists()
    # The withdrawn hosting stops at once; the domain the customer keeps goes on.
    statuses = {s.plan.family: s.status for s in Service.objects.filter(origin_line__order=order)}
    assert statuses == {"webHosting": Service.Status.SUSPENDED, "domain": Service.Status.ACTIVE}


@pytest.mark.parametrize(("code", "price"), [("TN", Decimal("12.345")), ("SN", Decimal("6555"))])
def test_refunds_in_other_currencies(code, price):
    sub = subsidiary(code)
    account = UserFactory(subsidiary=sub, country=code)
    order = paid_order(account=account, pricings=[PricingFactory(subsidiary=sub, price=price)])
    withdrawal = withdraw(order)
    refund = Refund.objects.get(withdrawal=withdrawal)
    assert refund.currency == sub.currency and refund.amount == order.total_gross
    assert refund.status == Refund.Status.PAID
    assert CreditNote.objects.get(refund=refund).number == f"CN-{code}-0000001"


def test_staff_record_a_letter_with_the_date_it_was_sent():
    order = paid_order()
    staff = UserFactory(is_staff=True)
    sent = timezone.now() - timedelta(days=1)
    with time_machine.travel(timezone.now() + timedelta(days=20)):  # received after the period, sent within it
        withdrawal = order_withdraw(order_id=order.pk, request=WithdrawalRequest(confirmed=True),
                                    evidence=Evidence(channel="staff", actor=staff), channel="staff",
                                    requested_at=sent)
    assert withdrawal.channel == "staff" and withdrawal.requested_at == sent
    late = paid_order(account=UserFactory())
    with time_machine.travel(timezone.now() + timedelta(days=40)), pytest.raises(Conflict, match="ended"):
        order_withdraw(order_id=late.pk, request=WithdrawalRequest(confirmed=True),
                       evidence=Evidence(channel="staff", actor=staff), channel="staff",
                       requested_at=timezone.now() - timedelta(days=1))


def test_refusal_refunds_in_full_then_cancels():
    order = paid_order()
    order_refuse_and_refund(order_id=order.pk, note="no documents")
    order.refresh_from_db()
    refund = order.refunds.get()
    assert refund.cause == Refund.Cause.REFUSAL and refund.amount == order.total_gross
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "refused")


def test_a_failed_refund_is_retried_exactly_once():
    order = paid_order()
    payment = order.payments.get(status=Payment.Status.SUCCEEDED)
    real_token = payment.token
    Payment.objects.filter(pk=payment.pk).update(token="sandbox_unknown")
    withdraw(order)
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.FAILED and refund.last_error
    Payment.objects.filter(pk=payment.pk).update(token=real_token)
    refund = refund_retry(refund_id=refund.pk)
    assert refund.status == Refund.Status.PAID and refunds_in_ledger() == 1
    with pytest.raises(Conflict):
        refund_retry(refund_id=refund.pk)
    tasks.pay_refund(refund.pk)  # a duplicate message changes nothing
    assert refunds_in_ledger() == 1


def test_the_sweep_pays_a_refund_whose_message_was_lost():
    order = paid_order()
    payment = order.payments.get(status=Payment.Status.SUCCEEDED)
    refund = Refund.objects.create(order=order, cause=Refund.Cause.REFUSAL, payment=payment, kind=payment.kind,
                                   amount=payment.amount, vat_amount=Decimal(0), currency="EUR",
                                   due_on=date.today() + timedelta(days=14), idempotency_key="lost-message")
    assert tasks.recover_refunds() == 0  # too fresh: its own message may still come
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert tasks.recover_refunds() == 1
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID and refunds_in_ledger() == 1


def test_late_refunds_are_flagged_to_finance_once():
    from accounts.groups import ensure_staff_groups

    ensure_staff_groups()
    finance = UserFactory(is_staff=True, email="finn@example.com")
    finance.groups.add(Group.objects.get(name="finance"))
    order = paid_order()
    payment = order.payments.get(status=Payment.Status.SUCCEEDED)
    Payment.objects.filter(pk=payment.pk).update(token="sandbox_unknown")
    withdraw(order)  # the refund fails and stays unpaid
    with time_machine.travel(timezone.now() + timedelta(days=16)):
        tasks.recover_refunds()
        tasks.recover_refunds()
    late = [m for m in mail.outbox if m.subject.startswith("Late refund")]
    assert len(late) == 1 and late[0].to == ["finn@example.com"]
    assert Refund.objects.get().late_flagged_at is not None


def test_money_arriving_for_an_expired_order_is_refunded():
    account = UserFactory()
    order = place_order(account=account)
    sepa = PaymentMethodFactory(account=account, kind="sepaDirectDebit")
    payment = order_pay(order_id=order.pk, account=account, method=sepa)
    assert payment.status == Payment.Status.PENDING
    later = timezone.now() + timedelta(days=13)  # past expiry + the hold: the order expires
    with time_machine.travel(later):
        orders_expire(now=timezone.now())
        tasks.settle_pending_payments()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    refund = Refund.objects.get(payment=payment)
    assert refund.cause == Refund.Cause.LATE_PAYMENT and refund.status == Refund.Status.PAID


def test_withdrawal_deadline_example_from_the_design():
    # Concluded Fri 2026-04-24 in France: the period ends with Mon 2026-05-11.
    with time_machine.travel(datetime(2026, 4, 24, 10, tzinfo=PARIS)):
        order = paid_order()
    with time_machine.travel(datetime(2026, 5, 11, 23, 59, tzinfo=PARIS)):
        assert withdraw(order).requested_on == date(2026, 5, 11)
