"""What paying one refund costs: a few queries on each database, whatever the ORM would rather do.

bench/workers.py measures the task's throughput; these counts keep it from creeping back (it took 26
queries on the default database and 5 on the sandbox ledger). The lifecycle returns the order without
reading it again, so the values it returns are checked against the row.
"""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders import history, lifecycle
from orders.models import CreditNote, Order, OrderEvent, OrderStatus, Refund
from orders.services.refunds import refund_execute, refund_full_payment
from payments.models import SandboxTransaction
from tests.support.factories import UserFactory, place_order, withdrawn_order_refund

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

# Claim the attempt and read the refund (one UPDATE … RETURNING); BEGIN, lock the order (two refunds of one
# order take turns), mark it paid and learn whether any refund is left, cancel the order, its event, the invoice
# the credit note corrects, the credit note's lines, its seller (the subsidiary), its number, the note, the bump
# of the order's page versions (orders.page_versions), COMMIT.
DEFAULT_QUERIES = 13
# The charge being refunded (it names the instrument), the refund (one INSERT, no explicit transaction).
SANDBOX_QUERIES = 2


def run_counted(refund_id: int) -> tuple[Refund, int, int]:
    with (
        CaptureQueriesContext(connections["default"]) as default,
        CaptureQueriesContext(connections["sandbox"]) as sandbox,
    ):
        refund = refund_execute(refund_id=refund_id)
    return refund, len(default), len(sandbox)


def test_paying_the_last_refund_of_an_order_takes_few_queries(monkeypatch):
    pending = withdrawn_order_refund(monkeypatch)

    refund, default, sandbox = run_counted(pending.pk)

    assert (default, sandbox) == (DEFAULT_QUERIES, SANDBOX_QUERIES)
    assert (refund.status, refund.attempts) == (Refund.Status.PAID, 1)
    stored = Refund.objects.get(pk=pending.pk)
    assert (stored.status, stored.attempts, stored.paid_at) == (Refund.Status.PAID, 1, refund.paid_at)
    assert stored.gateway_reference == refund.gateway_reference != ""
    note = CreditNote.objects.get(refund=stored)
    assert note.number == "CN-FR-0000001" and note.amount == stored.amount and len(note.lines) >= 1
    order = Order.objects.get(pk=stored.order_id)
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "withdrawn")
    assert OrderEvent.objects.filter(order=order, label=history.ORDER_CANCELLED).count() == 1


def test_a_second_run_reads_and_pays_nothing(monkeypatch):
    pending = withdrawn_order_refund(monkeypatch)
    refund_execute(refund_id=pending.pk)

    refund, default, sandbox = run_counted(pending.pk)

    assert (default, sandbox) == (2, 0)
    assert (refund.status, refund.attempts) == (Refund.Status.PAID, 1)
    ledger = SandboxTransaction.objects.filter(operation=SandboxTransaction.Operation.REFUND)
    assert list(ledger.values_list("idempotency_key", flat=True)) == [refund.idempotency_key]
    assert CreditNote.objects.filter(refund=refund).count() == 1


def test_an_order_with_two_refunds_stays_cancelling_until_the_second_is_paid(monkeypatch):
    first = withdrawn_order_refund(monkeypatch)
    second = refund_full_payment(
        order=first.order, cause=Refund.Cause.LATE_PAYMENT, payment=first.payment, requested_on=first.due_on
    )

    refund_execute(refund_id=first.pk)
    order = Order.objects.get(pk=first.order_id)
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLING, "withdrawn")
    refund_execute(refund_id=second.pk)

    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "withdrawn")
    assert OrderEvent.objects.filter(order=order, label=history.ORDER_CANCELLED).count() == 1
    assert set(Refund.objects.filter(order=order).values_list("status", flat=True)) == {Refund.Status.PAID}
    assert CreditNote.objects.filter(refund__order=order).count() == 2


@pytest.mark.postgres_only
def test_the_statements_a_worker_repeats_are_prepared_on_postgresql(monkeypatch):
    """The settings turn on psycopg's prepared statements: PostgreSQL plans a refund's statements once per
    connection, not once per refund (DB_PREPARE_THRESHOLD, 5 runs by default)."""
    refunds = [withdrawn_order_refund(monkeypatch) for _ in range(6)]
    for refund in refunds:
        refund_execute(refund_id=refund.pk)

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any(statement.startswith("UPDATE orders_refund SET attempts") for statement in prepared), prepared


def as_stored(order: Order) -> dict:
    return {field.attname: getattr(order, field.attname) for field in Order._meta.concrete_fields}


def test_each_move_returns_the_order_as_the_database_holds_it():
    order = place_order()
    today = timezone.localdate()
    moves = [
        lambda: lifecycle.order_confirm_payment(
            order_id=order.pk, payment_id=0, needs_review=["test"], now=timezone.now()
        ),
        lambda: lifecycle.order_request_documents(order_id=order.pk, staff=UserFactory(is_staff=True), today=today),
        lambda: lifecycle.order_documents_received(order_id=order.pk, actor=order.account),
        lambda: lifecycle.order_refuse(order_id=order.pk, note="test"),
    ]
    for move in moves:
        returned = move()
        assert as_stored(returned) == as_stored(Order.objects.get(pk=order.pk))
    assert (returned.status, returned.cancel_reason, returned.version) == (OrderStatus.CANCELLING, "refused", 5)
