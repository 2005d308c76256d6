"""Concurrent withdrawals on PostgreSQL: one order, two requests at once (or a withdrawal racing staff's
refusal) → exactly one refund, in our database and at the gateway; the other request fails cleanly.

Same pattern as tests/database/orders/test_races.py: real threads with their own connections, released by a barrier,
each pausing inside its transaction so that the calls really overlap. Tasks run eagerly on commit, so
the refund is paid through the sandbox gateway within the winning call.
"""

import pytest

from core.errors import Conflict
from orders import lifecycle
from orders.models import OrderStatus, Refund, Withdrawal
from orders.services import withdrawals as withdrawals_service
from orders.services.consents import Evidence
from orders.services.validation import order_refuse_and_refund
from orders.services.withdrawals import WithdrawalRequest, order_withdraw
from payments.models import SandboxTransaction
from tests.support.factories import UserFactory
from tests.support.orders import paid_order
from tests.support.threads import assert_overlapped, run_together, slow_down

S = OrderStatus
pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, databases=["default", "sandbox"]),
]


def withdraw(order, comment: str):
    return order_withdraw(
        order_id=order.pk,
        request=WithdrawalRequest(confirmed=True, comment=comment),
        evidence=Evidence(channel="panel", actor=order.account),
        channel="panel",
    )


def assert_one_refund_paid(order, cause: str) -> Refund:
    (refund,) = Refund.objects.filter(order=order)
    assert (refund.cause, refund.status, refund.amount) == (cause, Refund.Status.PAID, order.total_gross)
    ledger = SandboxTransaction.objects.filter(operation=SandboxTransaction.Operation.REFUND)
    assert list(ledger.values_list("idempotency_key", "amount")) == [(refund.idempotency_key, refund.amount)]
    return refund


# --- a. the same order withdrawn twice at once (double submit, two tabs, panel and API) -------------


def test_two_concurrent_withdrawals_make_one_withdrawal_and_one_refund(monkeypatch):
    order = paid_order()
    # Inside order_withdraw's transaction, between reading the order and recording the withdrawal.
    slow_down(monkeypatch, withdrawals_service, "withdrawal_eligibility")

    outcomes = run_together(lambda: withdraw(order, "first tab"), lambda: withdraw(order, "second tab"))

    assert_overlapped(outcomes)
    assert sorted(o[0] for o in outcomes) == ["error", "ok"], outcomes
    (withdrawal,) = [o[1] for o in outcomes if o[0] == "ok"]
    (error,) = [o[1] for o in outcomes if o[0] == "error"]
    assert isinstance(error, Conflict), error
    assert list(Withdrawal.objects.values_list("pk", flat=True)) == [withdrawal.pk]
    refund = assert_one_refund_paid(order, Refund.Cause.WITHDRAWAL)
    assert refund.withdrawal_id == withdrawal.pk
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (S.CANCELLED, "withdrawn")
    assert order.events.filter(label="WITHDRAWAL_REQUESTED").count() == 1


# --- b. the customer withdraws while staff refuse the order at validation --------------------------


@pytest.mark.parametrize("first", ["withdraw", "refuse"])
def test_a_withdrawal_racing_staff_refusal_refunds_once(first, monkeypatch):
    order = paid_order()
    staff = UserFactory(is_staff=True)
    slow_down(monkeypatch, withdrawals_service, "withdrawal_eligibility")  # inside order_withdraw's transaction
    slow_down(monkeypatch, lifecycle, "can_transition")  # inside order_refuse's transaction
    calls = {
        "withdraw": lambda: withdraw(order, "changed my mind"),
        "refuse": lambda: order_refuse_and_refund(order_id=order.pk, staff=staff, note="race"),
    }
    names = [first, *(name for name in calls if name != first)]

    outcomes = run_together(*(calls[name] for name in names))

    assert_overlapped(outcomes)
    assert sorted(o[0] for o in outcomes) == ["error", "ok"], outcomes
    (won,) = [name for name, o in zip(names, outcomes, strict=True) if o[0] == "ok"]
    (error,) = [o[1] for o in outcomes if o[0] == "error"]
    assert isinstance(error, Conflict), error
    order.refresh_from_db()
    if won == "withdraw":
        assert_one_refund_paid(order, Refund.Cause.WITHDRAWAL)
        assert Withdrawal.objects.filter(order=order).count() == 1
        assert (order.status, order.cancel_reason) == (S.CANCELLED, "withdrawn")
    else:
        assert_one_refund_paid(order, Refund.Cause.REFUSAL)
        assert not Withdrawal.objects.exists()
        assert (order.status, order.cancel_reason) == (S.CANCELLED, "refused")
