"""The expiry rule exists three times, on purpose: in SQL for sweeps (`expired_q`) and, written once, for the list
(`not_expired`), in Python for pages that already hold their orders (`expired_ids`, `mark_expiry`). All must say
the same of every kind of order."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from orders.models import CancelReason, Order, OrderStatus, Payment
from orders.selectors import expired_ids, expired_q, mark_expiry, not_expired
from payments.kinds import PaymentKind
from tests.support.factories import UserFactory, place_order

pytestmark = pytest.mark.django_db


def test_python_and_sql_agree_on_which_orders_expired():
    now = timezone.now()
    account = UserFactory()
    hold = timedelta(days=settings.PAYMENT_HOLD_DAYS)

    def unpaid(expires_at, payment_kind=None, payment_status=Payment.Status.PENDING):
        order = place_order(account=account)
        Order.objects.filter(pk=order.pk).update(expires_at=expires_at)
        if payment_kind:
            Payment.objects.create(
                order=order,
                kind=payment_kind,
                amount=order.total_gross,
                currency=order.currency,
                status=payment_status,
                idempotency_key=f"test-{order.pk}",
            )
        return order.pk

    cases = {
        "not yet due": (unpaid(now + timedelta(hours=1)), False),
        "due, nothing paid": (unpaid(now - timedelta(minutes=1)), True),
        "due, a card debit in progress": (unpaid(now - timedelta(days=1), PaymentKind.CARD), False),
        "due, SEPA in progress, past the hold": (unpaid(now - hold - timedelta(hours=1), PaymentKind.SEPA), True),
        "due, a bank transfer awaited": (unpaid(now - timedelta(days=1), PaymentKind.BANK_TRANSFER), True),
        "due, a declined card": (unpaid(now - timedelta(days=1), PaymentKind.CARD, Payment.Status.FAILED), True),
    }
    swept = place_order(account=account)
    Order.objects.filter(pk=swept.pk).update(status=OrderStatus.CANCELLED, cancel_reason=CancelReason.EXPIRED)
    refused = place_order(account=account)
    Order.objects.filter(pk=refused.pk).update(status=OrderStatus.CANCELLED, cancel_reason=CancelReason.REFUSED)
    cases |= {"swept": (swept.pk, True), "refused": (refused.pk, False)}

    expected = {pk for pk, is_expired in cases.values() if is_expired}
    orders = list(Order.objects.filter(account=account))
    assert set(Order.objects.filter(expired_q(now), account=account).values_list("pk", flat=True)) == expected
    kept = set(Order.objects.filter(not_expired(now), account=account).values_list("pk", flat=True))
    assert kept == {o.pk for o in orders} - expected
    assert expired_ids([(o.pk, o.status, o.cancel_reason, o.expires_at) for o in orders], now=now) == expected
    mark_expiry(orders, now=now)
    assert {o.pk for o in orders if o.is_expired} == expected
