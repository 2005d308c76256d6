"""Staff decisions on the manual validation queue that carry more than a status change."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .. import lifecycle
from ..localtime import local_date
from ..models import Order, Payment, Refund
from ..notifications import notify_order_refused
from .refunds import refund_full_payment


def order_refuse_and_refund(*, order_id: int, staff=None, note: str = "", now: datetime | None = None) -> Order:
    """Refuse an order at validation and refund its payment in full, through the same path as withdrawals."""
    now = now or timezone.now()
    with transaction.atomic():
        order = lifecycle.order_refuse(order_id=order_id, staff=staff, note=note)
        payment = order.payments.get(status=Payment.Status.SUCCEEDED)
        refund = refund_full_payment(
            order=order,
            cause=Refund.Cause.REFUSAL,
            payment=payment,
            requested_on=local_date(now, order.subsidiary.time_zone),
        )
        notify_order_refused(order, refund_amount=refund.amount)
    return order
