"""Orders (and carts) in a given state, and what a test checks of them, for the tests of several modules."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from catalog.models import Family
from orders import history
from orders.models import (
    Cart,
    CreditNote,
    Invoice,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    Refund,
    Service,
    Withdrawal,
)
from orders.services.carts import cart_add_item, cart_assign, cart_create
from orders.services.consents import Evidence
from orders.services.delivery import order_deliver
from orders.services.payments import order_pay
from orders.services.transfers import transfer_receive
from orders.services.validation import order_validate
from orders.services.withdrawals import WithdrawalRequest, order_withdraw
from orders.transfer_details import transfer_reference
from payments.kinds import PaymentKind
from payments.models import SandboxTransaction
from tests.support.factories import (
    PaymentMethodFactory,
    PlanFactory,
    PricingFactory,
    UserFactory,
    pay_order,
    place_order,
)

S = OrderStatus


def order_status(order_id: int) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order_id)


def labels(order_id: int) -> list[str]:
    return list(OrderEvent.objects.filter(order_id=order_id).values_list("label", flat=True))


def assert_delivered_once(order_id: int) -> None:
    """Delivered; one service per DURATION line, none twice; every line carries its group's period."""
    order = Order.objects.get(pk=order_id)
    assert order.status == S.DELIVERED and order.delivered_at is not None
    lines = list(order.lines.all())
    durations = [line for line in lines if line.kind == OrderLine.Kind.DURATION]
    services = list(Service.objects.filter(origin_line__order=order))
    assert len(services) == len(durations) > 0
    assert sorted(s.origin_line_id for s in services) == sorted(line.pk for line in durations)
    by_group = {line.group: line for line in durations}
    for line in lines:
        assert line.delivered_at is not None
        assert line.period_start is not None and line.period_end is not None and line.period_start < line.period_end
        duration = by_group[line.group]
        assert (line.period_start, line.period_end) == (duration.period_start, duration.period_end)
    for service in services:
        line = service.origin_line
        assert (service.period_start, service.period_end) == (line.period_start, line.period_end)
    assert labels(order_id).count(history.INVOICE_IN_PROGRESS) == 1
    delivered = OrderEvent.objects.get(order_id=order_id, label=history.INVOICE_IN_PROGRESS)
    assert (delivered.from_status, delivered.to_status) == (S.DELIVERING, S.DELIVERED)


def trusted_account():
    """An account with one paid order already (it went to manual validation): no risk rule fires any more."""
    account = UserFactory()
    first = pay_order(place_order(account=account))
    assert first.status == S.CHECKING
    return account


def cart_with(account, *pricings, quantity: int = 1) -> Cart:
    cart = cart_assign(cart=cart_create(subsidiary_code=account.subsidiary_id), account=account)
    for pricing in pricings:
        cart_add_item(
            cart=cart,
            plan_code=pricing.plan.plan_code,
            duration=pricing.duration,
            pricing_mode=pricing.pricing_mode,
            quantity=quantity,
        )
    return cart


def domain_pricing(**kwargs):
    plan = PlanFactory(family=Family.DOMAIN, excludable=True, name_en="Domain name .com", name_fr="Nom de domaine .com")
    return PricingFactory(plan=plan, duration="P12M", months=12, price=Decimal("9.99"), **kwargs)


def unpaid(user):
    return place_order(account=user)


def checking(user):
    return pay_order(place_order(account=user))  # a first order goes to manual validation


def paid_order(**user_fields):
    """Checkout and pay with a sandbox card (a real ledger charge the refund can refer to): `checking`.

    ``user_fields`` go to the account's factory (e.g. ``language="fr"``, ``legal_form="corporation"``).
    """
    account = UserFactory(**user_fields)
    order = place_order(account=account)
    method = PaymentMethodFactory(account=account)
    assert order_pay(order_id=order.pk, account=account, method=method).status == Payment.Status.SUCCEEDED
    order.refresh_from_db()
    assert order.status == S.CHECKING
    return order


def transfer_paid_order(language: str = "en"):
    """A business's first order, paid by bank transfer and reconciled by finance by its reference: `checking`."""
    account = UserFactory(legal_form="corporation", organisation="Acme", language=language)
    order = place_order(account=account)
    method = PaymentMethodFactory(account=account, kind=PaymentKind.BANK_TRANSFER)
    assert order_pay(order_id=order.pk, account=account, method=method).status == Payment.Status.PENDING
    transfer_receive(
        reference=transfer_reference(order.pk), amount=order.total_gross, bank_entry=f"E-{order.pk}", staff=account
    )
    order.refresh_from_db()
    assert order.status == S.CHECKING
    return order


def withdraw(order) -> Withdrawal:
    return order_withdraw(
        order_id=order.pk,
        request=WithdrawalRequest(confirmed=True, reason="unused"),
        evidence=Evidence(channel="panel", actor=order.account),
        channel="panel",
    )


def charges() -> int:
    """How many charges the sandbox ledger holds."""
    return SandboxTransaction.objects.filter(operation="charge").count()


def verifications() -> int:
    """How many zero-amount verifications the sandbox ledger holds."""
    return SandboxTransaction.objects.filter(operation=SandboxTransaction.Operation.VERIFY).count()


def ledger_refunds():
    return SandboxTransaction.objects.filter(operation=SandboxTransaction.Operation.REFUND)


def backdate_refund(refund_id: int) -> None:
    """The beat sweep runs minutes later: the pending refund is older than STALE_PENDING by then."""
    assert Refund.objects.filter(pk=refund_id).update(created_at=timezone.now() - timedelta(hours=1)) == 1


def assert_refunded_once(order: Order, refund_id: int) -> None:
    """Paid once: one ledger refund under the refund's key, its reference recorded, a credit note, cancelled."""
    refund = Refund.objects.get(pk=refund_id)
    (tx,) = ledger_refunds()
    assert refund.status == Refund.Status.PAID and refund.paid_at is not None
    assert (tx.idempotency_key, tx.amount, tx.currency) == (refund.idempotency_key, refund.amount, refund.currency)
    assert tx.status == SandboxTransaction.Status.SUCCEEDED
    assert refund.gateway_reference == tx.reference
    assert CreditNote.objects.filter(refund=refund).count() == 1
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (S.CANCELLED, "withdrawn")
    assert Refund.objects.filter(order=order).count() == 1


def withdrawn_order(account):
    """Paid with a sandbox card (invoice issued), then withdrawn: refunded, credit note issued, cancelled.

    Needs a transactional test: the refund and the invoice run on commit, as the worker runs them.
    """
    order = place_order(account=account, pricings=[PricingFactory(plan=PlanFactory(), price=Decimal("19.99"))])
    method = PaymentMethodFactory(account=account, is_default=not account.payment_methods.exists())
    assert order_pay(order_id=order.pk, account=account, method=method).status == Payment.Status.SUCCEEDED
    order_withdraw(
        order_id=order.pk,
        request=WithdrawalRequest(confirmed=True, reason="unused", comment="Changed my mind"),
        evidence=Evidence(channel="panel", ip="127.0.0.1", actor=account),
        channel="panel",
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and Invoice.objects.filter(order=order).exists()
    assert Refund.objects.get(order=order).credit_note
    return order


def deliver(order):
    """What validation and the worker do after payment (on-commit callbacks do not run in these tests)."""
    order.refresh_from_db()
    if order.status == OrderStatus.CHECKING:
        order_validate(order_id=order.pk, staff=None)
    order = order_deliver(order_id=order.pk)
    assert order.status == OrderStatus.DELIVERED
    return order


def delivered_service(*, account=None, months=12, price="47.88", installation="0", plan=None) -> Service:
    account = account or UserFactory()
    pricing = PricingFactory(plan=plan or PlanFactory(), subsidiary=account.subsidiary, duration=f"P{months}M",
                             months=months, price=Decimal(price), installation_fee=Decimal(installation))
    order = deliver(pay_order(place_order(account=account, pricings=[pricing])))
    return Service.objects.get(origin_line__order=order)


def ending(service: Service, day: date) -> Service:
    Service.objects.filter(pk=service.pk).update(period_end=day)
    service.refresh_from_db()
    return service
