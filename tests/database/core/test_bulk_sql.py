"""The SQL twins of what Python formats (core.bulk_sql), checked against Python on the database under test."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db.models import CharField, JSONField, Value
from django.db.models.functions import Cast, Concat

from core.bulk_sql import DecimalText, IsoInstant, insert_select
from core.models import OutboxEmail
from orders.models import Order
from tests.support.factories import UserFactory, place_order

pytestmark = pytest.mark.django_db

INSTANTS = [
    datetime(2026, 3, 18, 9, 5, tzinfo=UTC),  # no microseconds: isoformat leaves them out
    datetime(2026, 3, 18, 9, 5, 7, 120, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]
AMOUNTS = [Decimal("12"), Decimal("0.5"), Decimal("1234567.891")]


def test_decimal_and_instant_text_match_python():
    account = UserFactory()
    for expires_at, total in zip(INSTANTS, AMOUNTS, strict=True):
        order = place_order(account=account)
        Order.objects.filter(pk=order.pk).update(expires_at=expires_at, total_gross=total)
    orders = Order.objects.filter(account=account).order_by("pk")
    python = [(order.expires_at.isoformat(), str(order.total_gross)) for order in orders]
    sql = list(orders.values_list(IsoInstant("expires_at"), DecimalText("total_gross")))
    assert sql == python
    assert python[0] == ("2026-03-18T09:05:00+00:00", "12.000")


def test_insert_select_writes_one_row_per_row_and_skips_conflicts():
    orders = [place_order(account=UserFactory()) for _ in range(3)]
    rows = Order.objects.filter(pk__in=[order.pk for order in orders])
    columns = {
        "key": Concat(Value("test:"), Cast("pk", CharField())),
        "order_id": "pk",
        "template": Value("test"),
        "to": "account__email",
        "language": "language",
        "context": Value({}, output_field=JSONField()),
        "status": Value(OutboxEmail.Status.PENDING),
        "attempts": Value(0),
        "last_error": Value(""),
        "created_at": "created_at",
    }
    assert insert_select(OutboxEmail, rows=rows, columns=columns, ignore_conflicts=True) == 3
    assert insert_select(OutboxEmail, rows=rows, columns=columns, ignore_conflicts=True) == 0
    written = OutboxEmail.objects.filter(template="test")
    assert sorted(written.values_list("key", "to", "language")) == sorted(
        (f"test:{o.pk}", o.account.email, o.language) for o in orders
    )
