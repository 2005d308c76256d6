"""Concurrent requests on one order, cart or sweep: exactly one wins, the others fail cleanly, nothing twice.

Real threads, each with its own database connection, released together by a barrier (django-oscar's
`run_concurrently` pattern, reliability notes A7/A8 F6-F7/F11). Each test slows its critical section a
little (a short sleep inside the transaction, as Oscar does) so that the calls really overlap, and
asserts that they did. PostgreSQL only: SQLite serialises writers, so there is nothing to race there.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict
from orders import history, lifecycle
from orders.lifecycle import TransitionError
from orders.models import CancelReason, CreditNote, Order, OrderEvent, OrderStatus, Payment, Refund
from orders.services import checkout as checkout_service
from orders.services import payments as payments_service
from orders.services import refunds as refunds_service
from orders.services.carts import cart_add_item, cart_assign, cart_create
from orders.services.checkout import cart_checkout
from orders.services.consents import Evidence
from orders.services.expiry import orders_expire
from orders.services.payments import order_pay
from orders.services.refunds import refund_execute, refund_full_payment
from orders.services.validation import order_refuse_and_refund, order_validate
from orders.task_names import DELIVER_ORDER, PAY_REFUND
from payments.models import SandboxTransaction
from tests.support.factories import (
    PaymentMethodFactory,
    PricingFactory,
    UserFactory,
    pay_order,
    place_order,
    withdrawn_order_refund,
)
from tests.support.threads import assert_overlapped, run_together, slow_down

S = OrderStatus
pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, databases=["default", "sandbox"]),
]



# --- a. staff validate and refuse the same order at the same moment --------------------------------


def work(published: list) -> list:
    """What the decision set going, without its emails (one for the winner, checked by the queue's tests)."""
    return [(name, args) for name, args in published if name != "core.tasks.send_email"]


@pytest.mark.parametrize("actions", [("validate", "refuse"), ("refuse", "validate"), ("validate", "validate")])
def test_validate_and_refuse_race_one_wins(actions, monkeypatch, published):
    order = pay_order(place_order())
    assert order.status == S.CHECKING
    staff = [UserFactory(is_staff=True), UserFactory(is_staff=True)]
    published.clear()  # what the payment published; the deliveries and refunds themselves are not under test
    slow_down(monkeypatch, lifecycle, "can_transition")  # between reading the status and writing it
    run = {
        "validate": lambda who: order_validate(order_id=order.pk, staff=who),
        "refuse": lambda who: order_refuse_and_refund(order_id=order.pk, staff=who, note="race"),
    }

    outcomes = run_together(*(lambda a=a, who=who: run[a](who) for a, who in zip(actions, staff, strict=True)))

    assert_overlapped(outcomes)
    winners = [i for i, o in enumerate(outcomes) if o[0] == "ok"]
    assert len(winners) == 1, outcomes
    loser = outcomes[1 - winners[0]]
    assert isinstance(loser[1], TransitionError), loser
    won = actions[winners[0]]
    order.refresh_from_db()
    assert order.version == 3  # created 1, paid 2, then exactly one more transition
    events = OrderEvent.objects.filter(order=order, from_status=S.CHECKING)
    transitions = list(events.values_list("label", "to_status", "actor"))
    if won == "validate":
        assert (order.status, order.cancel_reason) == (S.DELIVERING, "")
        assert transitions == [
            (history.ORDER_ACCEPTED, S.DELIVERING, staff[winners[0]].pk),
            (history.DELIVERY, S.DELIVERING, staff[winners[0]].pk),
        ]
        assert work(published) == [(DELIVER_ORDER, (order.pk,))]
    else:
        assert (order.status, order.cancel_reason) == (S.CANCELLING, CancelReason.REFUSED)
        assert transitions == [(history.FRAUD_REFUSED, S.CANCELLING, staff[winners[0]].pk)]
        assert work(published) == [(PAY_REFUND, (order.refunds.get().pk,))]


# --- b. the same cart checked out twice at once ----------------------------------------------------


def test_double_checkout_of_one_cart_gives_one_order(monkeypatch):
    account = UserFactory()
    pricing = PricingFactory()
    cart = cart_create(subsidiary_code=account.subsidiary_id)
    cart_add_item(
        cart=cart, plan_code=pricing.plan.plan_code, duration=pricing.duration, pricing_mode=pricing.pricing_mode
    )
    cart_assign(cart=cart, account=account)
    slow_down(monkeypatch, checkout_service, "cart_quote")  # inside the checkout's transaction

    def checkout():
        return cart_checkout(cart=cart, account=account, evidence=Evidence(channel="panel", ip="127.0.0.1"))

    outcomes = run_together(checkout, checkout)

    assert_overlapped(outcomes)
    assert sorted(o[0] for o in outcomes) == ["error", "ok"], outcomes
    (order,) = [o[1] for o in outcomes if o[0] == "ok"]
    (error,) = [o[1] for o in outcomes if o[0] == "error"]
    assert isinstance(error, Conflict), error
    assert list(Order.objects.values_list("pk", flat=True)) == [order.pk]
    assert OrderEvent.objects.filter(label=history.ORDER_STARTED).count() == 1
    assert order.lines.count() == 1


# --- c. the same order paid twice at once, with two cards ------------------------------------------


def test_double_payment_charges_once(monkeypatch):
    account = UserFactory()
    order = place_order(account=account)
    cards = [PaymentMethodFactory(account=account), PaymentMethodFactory(account=account, is_default=False)]
    slow_down(monkeypatch, payments_service, "local_date")  # inside payment_start, with the order read

    outcomes = run_together(
        *(lambda card=card: order_pay(order_id=order.pk, account=account, method=card) for card in cards)
    )

    assert_overlapped(outcomes)
    assert sorted(o[0] for o in outcomes) == ["error", "ok"], outcomes
    (payment,) = [o[1] for o in outcomes if o[0] == "ok"]
    (error,) = [o[1] for o in outcomes if o[0] == "error"]
    assert isinstance(error, Conflict) and not isinstance(error, TransitionError), error
    assert payment.status == Payment.Status.SUCCEEDED
    assert list(Payment.objects.values_list("pk", "status")) == [(payment.pk, Payment.Status.SUCCEEDED)]
    charges = SandboxTransaction.objects.filter(operation=SandboxTransaction.Operation.CHARGE)
    assert list(charges.values_list("idempotency_key", flat=True)) == [payment.idempotency_key]
    order.refresh_from_db()
    assert order.status == S.CHECKING and order.paid_at is not None  # first order: manual validation
    assert OrderEvent.objects.filter(order=order, label=history.PAYMENT_RECEIVED).count() == 1


# --- d. two expiry sweeps at once (two beat processes, or a slow run overlapping the next) ---------


@pytest.mark.parametrize("batch_size", [5, 1000])
def test_concurrent_expiry_sweeps_expire_each_order_once(batch_size):
    account = UserFactory()
    pricing = PricingFactory()
    stale = timezone.now() - timedelta(days=8)
    orders = [place_order(account=account, pricings=[pricing], now=stale) for _ in range(50)]
    now = timezone.now()

    outcomes = run_together(*(lambda: orders_expire(now=now, batch_size=batch_size),) * 2)

    assert_overlapped(outcomes)
    assert [o[0] for o in outcomes] == ["ok", "ok"], outcomes
    assert sum(o[1] for o in outcomes) == 50
    per_order = Counter(OrderEvent.objects.filter(label=history.ORDER_EXPIRED).values_list("order_id", flat=True))
    assert per_order == Counter({order.pk: 1 for order in orders})
    assert set(Order.objects.values_list("status", "cancel_reason")) == {(S.CANCELLED, CancelReason.EXPIRED)}
    assert orders_expire(now=now) == 0


# --- e. the last two refunds of a cancelling order paid at the same moment (two workers) --------------


def test_two_refunds_of_one_order_paid_at_once_complete_its_cancellation(monkeypatch):
    """Each sees the other's refund paid, or waits for it: the order never stays "cancelling" for good."""
    withdrawal_refund = withdrawn_order_refund(monkeypatch)  # the test runs the refunds itself
    order = withdrawal_refund.order
    # A second refund on the same order, e.g. money that arrived again after the cancellation began.
    late_refund = refund_full_payment(
        order=Order.objects.get(pk=order.pk),
        cause=Refund.Cause.LATE_PAYMENT,
        payment=withdrawal_refund.payment,
        requested_on=withdrawal_refund.due_on,
    )
    slow_down(monkeypatch, refunds_service, "credit_note_issue")  # inside the transaction, after marking it paid

    outcomes = run_together(*(lambda pk=r.pk: refund_execute(refund_id=pk) for r in (withdrawal_refund, late_refund)))

    assert_overlapped(outcomes)
    assert [o[0] for o in outcomes] == ["ok", "ok"], outcomes
    assert set(Refund.objects.filter(order=order).values_list("status", flat=True)) == {Refund.Status.PAID}
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (S.CANCELLED, CancelReason.WITHDRAWN)
    assert OrderEvent.objects.filter(order=order, label=history.ORDER_CANCELLED).count() == 1
    assert CreditNote.objects.filter(refund__order=order).count() == 2
