"""Refunds: created with the change that causes them, paid by a worker, exactly once.

The gateway is called outside any transaction with the refund's own idempotency key, so a retry,
a duplicate message or a worker killed mid-call leads to one refund at the gateway. A refund that
is paid gets its credit note; when an order's last refund is paid, its cancellation completes.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import Conflict
from core.localtime import local_today
from core.models import OutboxEmail
from core.money import quantize
from core.outbox import email_enqueue
from core.publish import publish, publish_on_commit
from core.raw_sql import columns, first
from payments.gateway import GatewayError, get_gateway
from payments.kinds import PaymentKind

from .. import history, lifecycle
from ..models import Order, OrderStatus, Payment, Refund, Withdrawal
from ..notifications import IBAN_NEEDED_TEMPLATE, iban_needed_key, notify_refund_iban_needed
from ..page_versions import order_pages_changed
from ..task_names import PAY_REFUND
from .documents import credit_note_issue
from .validation_alerts import staff_recipients

REFUND_DUE_DAYS = 14
# A pending refund untouched for this long lost its message (Redis down at commit, worker killed).
STALE_PENDING = timedelta(minutes=2)


def vat_part(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """The VAT inside a gross amount: amount − round_half_up(amount / (1 + rate)) (design.md section 4)."""
    return amount - quantize(amount / (1 + rate), currency)


def refund_create(
    *,
    order: Order,
    cause: str,
    payment: Payment,
    amount: Decimal,
    vat_amount: Decimal,
    requested_on: date,
    withdrawal: Withdrawal | None = None,
    ask_for_iban: bool = True,
) -> Refund:
    """Record a refund due 14 calendar days after the request; the worker pays it after commit.

    It goes back through the means that paid; a bank transfer's IBAN is set by `refund_destinations` alone, so a
    transfer refund waits for it and the customer is asked (unless the caller gives it at once)."""
    needs_iban = payment.kind == PaymentKind.BANK_TRANSFER
    refund = Refund.objects.create(
        order=order,
        cause=cause,
        withdrawal=withdrawal,
        payment=payment,
        kind=payment.kind,
        amount=amount,
        vat_amount=vat_amount,
        currency=order.currency,
        due_on=requested_on + timedelta(days=REFUND_DUE_DAYS),
        idempotency_key=f"refund-{order.pk}-{cause}-{payment.pk}",
        status=Refund.Status.NEEDS_IBAN if needs_iban else Refund.Status.PENDING,
    )
    if not needs_iban:
        publish_on_commit(PAY_REFUND, refund.pk)
    elif ask_for_iban:
        refund_ask_for_iban(refund=refund)
    return refund


def refund_ask_for_iban(*, refund: Refund) -> bool:
    """Tell the customer, once per refund, that their refund waits for the IBAN of the account to refund; whether
    this call did (its event is on the order's pages: the caller bumps their version)."""
    if notify_refund_iban_needed(refund) is None:
        return False
    lifecycle.record_event(refund.order, history.REFUND_IBAN_NEEDED, data={"refund_id": refund.pk})
    return True


def refunds_ask_for_ibans() -> int:
    """The sweep's part: ask about every refund waiting for an IBAN that nobody asked for yet (e.g. older ones)."""
    waiting = Refund.objects.filter(status=Refund.Status.NEEDS_IBAN).select_related(
        "order__account", "order__subsidiary"
    )
    asked = set(
        OutboxEmail.objects.filter(template=IBAN_NEEDED_TEMPLATE, order_id__in=waiting.values("order_id")).values_list(
            "key", flat=True
        )
    )
    unasked = [refund for refund in waiting.order_by("pk") if iban_needed_key(refund) not in asked]
    for refund in unasked:
        with transaction.atomic():
            if refund_ask_for_iban(refund=refund):
                order_pages_changed(order_ids=[refund.order_id])
    return len(unasked)


def refund_full_payment(*, order: Order, cause: str, payment: Payment, requested_on: date) -> Refund:
    """Refund a whole payment (refusal at validation, money arriving for a cancelled order)."""
    return refund_create(
        order=order,
        cause=cause,
        payment=payment,
        amount=payment.amount,
        vat_amount=order.total_vat if payment.amount == order.total_gross else Decimal(0),
        requested_on=requested_on,
    )


def _refund_sql(sql: str) -> str:
    """`sql` with {refund}, {payment}, {order} and {columns} (every column of a refund) filled in."""
    tables = {"refund": Refund._meta.db_table, "payment": Payment._meta.db_table, "order": Order._meta.db_table}
    return sql.format(**tables, columns=columns(Refund))


# Counts the attempt of a pending refund and reads what paying it needs, in one statement (autocommit): a
# refund that is no longer pending returns no row. Subqueries rather than UPDATE … FROM: SQLite's RETURNING
# may not name another table.
CLAIM_SQL = _refund_sql(
    "UPDATE {refund} SET attempts = attempts + 1 WHERE id = %s AND status = %s RETURNING {columns},"
    " (SELECT token FROM {payment} WHERE {payment}.id = {refund}.payment_id) AS payment_token,"
    " (SELECT gateway_reference FROM {payment} WHERE {payment}.id = {refund}.payment_id) AS charge_reference,"
    " (SELECT kind FROM {payment} WHERE {payment}.id = {refund}.payment_id) AS payment_kind,"
    " (SELECT subsidiary_id FROM {order} WHERE {order}.id = {refund}.order_id) AS subsidiary_id"
)
# Marks a pending refund paid and says whether it was its order's last unpaid one (the order is locked by then,
# so no other refund of it changes meanwhile); no row when another run recorded it first.
MARK_PAID_SQL = _refund_sql(
    "UPDATE {refund} SET status = %s, paid_at = %s, gateway_reference = %s WHERE id = %s AND status = %s"
    " RETURNING NOT EXISTS (SELECT 1 FROM {refund} other WHERE other.order_id = {refund}.order_id"
    " AND other.id <> {refund}.id AND other.status <> %s)"
)


def refund_execute(*, refund_id: int, now: datetime | None = None) -> Refund:
    """Pay one pending refund through the gateway; running it twice pays once.

    The attempt is counted by one conditional UPDATE in autocommit: a refund that is no longer
    pending is left alone, and a pending one is re-checked when the result is recorded.
    """
    refund = first(Refund, CLAIM_SQL, [refund_id, Refund.Status.PENDING])
    if refund is None:
        return Refund.objects.get(pk=refund_id)
    # Back through the means that paid: only a bank transfer is refunded to an IBAN, whatever the row says.
    iban = (refund.iban or None) if refund.payment_kind == PaymentKind.BANK_TRANSFER else None
    if refund.payment_kind == PaymentKind.BANK_TRANSFER and iban is None:
        return _wait_for_iban(refund)
    try:
        result = get_gateway().refund(
            token=refund.payment_token,
            amount=refund.amount,
            currency=refund.currency,
            idempotency_key=refund.idempotency_key,
            charge_reference=refund.charge_reference or None,
            iban=iban,
        )
        status, reference, error = result.status, result.reference, result.message
    except GatewayError as failure:
        status, reference, error = "declined", "", str(failure)
    return _record_refund_result(refund=refund, status=status, reference=reference, error=error, now=now)


def _wait_for_iban(refund: Refund) -> Refund:
    """A transfer refund with nowhere to go waits for the customer's IBAN rather than failing."""
    with transaction.atomic():
        if Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(status=Refund.Status.NEEDS_IBAN):
            refund.status = Refund.Status.NEEDS_IBAN
            refund_ask_for_iban(refund=refund)
            order_pages_changed(order_ids=[refund.order_id])
    refund.refresh_from_db()
    return refund


def _record_refund_result(*, refund: Refund, status: str, reference: str, error: str, now: datetime | None) -> Refund:
    """Conditional UPDATEs (still pending?) record the result once, whoever else runs the same refund."""
    if status == "pending":
        return refund
    now = now or timezone.now()
    if status == "succeeded":
        with transaction.atomic():
            # The order first, as every change to an order and its money does: two refunds of one order paid
            # at once take turns here, so the second sees the first paid and completes the cancellation.
            order_status = Order.objects.locked().filter(pk=refund.order_id).values_list("status", flat=True).get()
            settled = _mark_paid(refund=refund, reference=reference, now=now)
            recorded = settled is not None
            if recorded:
                refund.status, refund.paid_at, refund.gateway_reference = Refund.Status.PAID, now, reference
                if settled and order_status == OrderStatus.CANCELLING:
                    # Every refund of the order is paid, this one included: it is cancelled for good.
                    lifecycle.order_finish_cancellation(order_id=refund.order_id)
                credit_note_issue(refund=refund, subsidiary_id=refund.subsidiary_id, now=now)
                order_pages_changed(order_ids=[refund.order_id])
    else:
        with transaction.atomic():
            pending = Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING)
            recorded = pending.update(status=Refund.Status.FAILED, last_error=error[:200])
            if recorded:
                refund.status, refund.last_error = Refund.Status.FAILED, error[:200]
                order_pages_changed(order_ids=[refund.order_id])
    if not recorded:
        refund.refresh_from_db()  # another run recorded it first
    return refund


def _mark_paid(*, refund: Refund, reference: str, now: datetime) -> bool | None:
    """Whether the order has no other unpaid refund, once this one is marked paid; None if it was not pending."""
    paid, pending = Refund.Status.PAID, Refund.Status.PENDING
    paid_at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(MARK_PAID_SQL, [paid, paid_at, reference, refund.pk, pending, paid])
        row = cursor.fetchone()
    return None if row is None else bool(row[0])


def refund_retry(*, refund_id: int) -> Refund:
    """Finance retries a failed refund: same idempotency key, so the gateway still pays it at most once."""
    with transaction.atomic():
        if not Refund.objects.filter(pk=refund_id, status=Refund.Status.FAILED).update(
            status=Refund.Status.PENDING, last_error=""
        ):
            raise Conflict(_("Only a failed refund can be retried."))
        publish_on_commit(PAY_REFUND, refund_id)
        order_pages_changed(order_ids=[Refund.objects.values_list("order_id", flat=True).get(pk=refund_id)])
    return Refund.objects.get(pk=refund_id)  # after the commit, whose task may already have paid it


def refunds_to_recover(*, now: datetime | None = None) -> list[int]:
    """Pending refunds whose message was lost; the beat sweep re-enqueues them."""
    now = now or timezone.now()
    return list(
        Refund.objects.filter(status=Refund.Status.PENDING, created_at__lt=now - STALE_PENDING).values_list(
            "pk", flat=True
        )
    )


def refunds_recover(*, now: datetime | None = None) -> int:
    """The beat sweep: publish again the refunds whose message was lost, and tell finance about late ones."""
    ids = refunds_to_recover(now=now)
    for refund_id in ids:
        publish(PAY_REFUND, refund_id)
    refunds_ask_for_ibans()
    late_refunds_flag(now=now)
    return len(ids)


def late_refunds(*, now: datetime | None = None):
    """Refunds not paid by their due date (each order's subsidiary decides what "today" is)."""
    now = now or timezone.now()
    # No time zone is more than a day ahead of UTC: rows due later cannot be late anywhere yet.
    candidates = Refund.objects.exclude(status=Refund.Status.PAID).filter(due_on__lt=now.date() + timedelta(days=1))
    return [
        refund
        for refund in candidates.select_related("order__subsidiary")
        if refund.due_on < local_today(refund.order.subsidiary.time_zone, now)
    ]


def late_refunds_flag(*, now: datetime | None = None) -> list[Refund]:
    """Tell finance once about each late refund (an email to the finance group, a filter in admin)."""
    now = now or timezone.now()
    flagged = []
    finance = staff_recipients(User.objects.filter(groups__name="finance", is_active=True))
    for refund in late_refunds(now=now):
        with transaction.atomic():
            if not Refund.objects.filter(pk=refund.pk, late_flagged_at__isnull=True).update(late_flagged_at=now):
                continue
            for address, language in sorted(finance.items()):
                email_enqueue(
                    key=f"refund-late:{refund.pk}:{address}",
                    template="refund_late",
                    to=address,
                    language=language,
                    context={
                        "order": refund.order_id,
                        "refund": refund.pk,
                        "amount": str(refund.amount),
                        "currency": refund.currency,
                        "due_on": refund.due_on.isoformat(),
                        "needs_iban": refund.status == Refund.Status.NEEDS_IBAN,
                    },
                    order_id=refund.order_id,
                )
        flagged.append(refund)
    return flagged
