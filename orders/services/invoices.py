"""Invoices: one per paid order, issued by a worker after the payment commits, numbered without gaps.

The number is taken (orders.services.documents.next_number) in the transaction that stores the
invoice, under the order's row lock: a rolled-back issue gives its number back, two workers issuing
the same order's invoice get the same invoice, and concurrent payments never share or skip a number.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.publish import publish

from .. import history
from ..documents import seller_details
from ..lifecycle import record_event
from ..models import CreditNote, Invoice, Order, OrderLine
from ..notifications import notify_invoice_available
from ..page_versions import order_pages_changed
from ..task_names import ISSUE_INVOICE
from ..withdrawal import period_end
from .documents import next_number

# A paid order still without an invoice after this long lost its message: the beat sweep re-enqueues it.
STALE_AFTER = timedelta(minutes=2)


def _period(line: OrderLine) -> tuple[date | None, date | None]:
    """The line's service period if known when invoicing: delivered, or a renewal extending its service's
    period (the invoice then says "from delivery" for the others)."""
    if line.period_start is not None:
        return line.period_start, line.period_end
    if line.renewed_service is not None:
        start = line.renewed_service.period_end
        return start, period_end(start, line.months)
    return None, None


def _line_snapshot(order: Order) -> list[dict]:
    return [_line(line) for line in order.lines.select_related("renewed_service").order_by("group", "kind")]


def _line(line: OrderLine) -> dict:
    start, end = _period(line)
    return {
        "description": line.description,
        "kind": line.kind,
        "quantity": line.quantity,
        "unit_price": str(line.unit_price),
        "reduction": str(line.reduction),
        "net": str(line.net_total),
        "vat_rate": str(line.vat_rate),
        "vat": str(line.vat_amount),
        "gross": str(line.gross_amount),
        "months": line.months,
        "period_start": start.isoformat() if start else None,
        "period_end": end.isoformat() if end else None,
    }


# Orders whose money went back before they were invoiced (a refusal right after the payment): their refund
# statement credited no VAT, so they are never invoiced. Refunds lock the order too: one or the other comes first.
REFUNDED_UNINVOICED = Q(refunds__credit_note__kind=CreditNote.Kind.REFUND_STATEMENT)


def invoice_issue(*, order_id: int, now: datetime | None = None) -> Invoice | None:
    """The order's invoice, issued on the first call; later calls (retries, sweeps) return the same one. None
    for an order refunded before it was invoiced."""
    now = now or timezone.now()
    with transaction.atomic():
        order = Order.objects.locked().select_related("subsidiary", "account").get(pk=order_id)
        existing = Invoice.objects.filter(order_id=order.pk).first()
        if existing is not None:
            return existing
        if order.paid_at is None:
            raise Conflict(_("An invoice is issued only once the order is paid."))
        if Order.objects.filter(REFUNDED_UNINVOICED, pk=order.pk).exists():
            return None
        invoice = Invoice.objects.create(
            order=order,
            subsidiary_id=order.subsidiary_id,
            number=next_number(subsidiary_id=order.subsidiary_id, kind="invoice"),
            issued_at=now,
            currency=order.currency,
            total_net=order.total_net,
            total_reduction=order.total_reduction,
            total_vat=order.total_vat,
            total_gross=order.total_gross,
            lines=_line_snapshot(order),
            billing=order.billing,
            seller=seller_details(order.subsidiary),
            reverse_charge=order.reverse_charge,
        )
        record_event(order, history.INVOICE_SENT, data={"invoice": invoice.number})
        notify_invoice_available(order, invoice)
        order_pages_changed(order_ids=[order.pk])
    return invoice


def orders_awaiting_invoice(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Paid orders whose invoice task was lost (broker down at commit, worker killed), for the beat sweep."""
    now = now or timezone.now()
    return list(
        Order.objects.filter(paid_at__isnull=False, paid_at__lt=now - STALE_AFTER, invoice__isnull=True)
        .exclude(REFUNDED_UNINVOICED)
        .order_by("paid_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def invoices_recover(*, now: datetime | None = None) -> int:
    """The beat sweep: publish again the invoices of paid orders whose message was lost."""
    ids = orders_awaiting_invoice(now=now)
    for order_id in ids:
        publish(ISSUE_INVOICE, order_id)
    return len(ids)
