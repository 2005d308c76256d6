"""Staff decisions on the manual validation queue, each a whole action in one transaction.

Each decision moves the order (orders.lifecycle), records who decided the case, and writes what follows
from it: the customer's email, the delivery or the refund. Admin views, tasks and the demo data call
these, never the lifecycle's moves alone.
"""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from core.localtime import local_date

from .. import lifecycle
from ..models import Order, Payment, Refund
from ..notifications import notify_documents_requested, notify_order_refused, notify_order_validated
from ..page_versions import order_pages_changed
from .delivery import delivery_publish_on_commit
from .refunds import refund_full_payment
from .validation_queue import case_assign, overdue_document_requests

NO_DOCUMENTS_NOTE = "No documents received in time"


def order_validate(*, order_id: int, staff) -> Order:
    """Accept a case: the order goes to delivery, the customer is told, the case is `staff`'s."""
    with transaction.atomic():
        order = lifecycle.order_validate(order_id=order_id, staff=staff)
        case_assign(order_id=order_id, staff=staff, open_only=False)
        notify_order_validated(order)
        delivery_publish_on_commit(order_id)
        order_pages_changed(order_ids=[order_id])
    return order


def order_request_documents(*, order_id: int, staff, today: date) -> Order:
    """Ask the customer for supporting documents, due in DOCUMENTS_DUE_WORKING_DAYS; the case is `staff`'s."""
    with transaction.atomic():
        order = lifecycle.order_request_documents(order_id=order_id, staff=staff, today=today)
        case_assign(order_id=order_id, staff=staff)
        notify_documents_requested(order)
        order_pages_changed(order_ids=[order_id])
    return order


def order_refuse_and_refund(*, order_id: int, staff=None, note: str = "", now: datetime | None = None) -> Order:
    """Refuse an order at validation and refund its payment in full, through the same path as withdrawals.

    Refused by staff (the case becomes theirs) or by the sweep when no documents came in time.
    """
    now = now or timezone.now()
    with transaction.atomic():
        order = lifecycle.order_refuse(order_id=order_id, staff=staff, note=note)
        if staff is not None:
            case_assign(order_id=order_id, staff=staff, open_only=False)
        payment = order.payments.get(status=Payment.Status.SUCCEEDED)
        refund = refund_full_payment(
            order=order,
            cause=Refund.Cause.REFUSAL,
            payment=payment,
            requested_on=local_date(now, order.subsidiary.time_zone),
        )
        notify_order_refused(order, refund_amount=refund.amount)
        order_pages_changed(order_ids=[order_id])
    return order


def refuse_overdue_document_requests(*, now: datetime | None = None) -> list[int]:
    """The beat job: refuse and refund each case whose documents did not come in time; idempotent."""
    now = now or timezone.now()
    refused = []
    for order_id in overdue_document_requests(now=now).order_by("documents_due_on", "pk").values_list("pk", flat=True):
        try:
            order_refuse_and_refund(order_id=order_id, note=NO_DOCUMENTS_NOTE, now=now)
        except lifecycle.TransitionError:
            continue  # the documents arrived (or staff decided) meanwhile
        refused.append(order_id)
    return refused
