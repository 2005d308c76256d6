"""Bank transfers in: finance records what the bank statement shows under an order's reference.

Each statement entry becomes one receipt (its own reference is unique, so a form sent twice counts once) towards
the order's bank-transfer payment, opened here if the customer never chose to pay by transfer. The payment
settles once the receipts cover the total (paid; anything above it is refunded), or at once when the order no
longer waits for the money (expired — the expiry sweep runs first if it has not yet — or cancelled: refunded in
full). Short of the total, the order stays unpaid
and its pages say what is still due. The gateway is called outside any transaction, with the payment's
idempotency key; `transfers_settle_due` (beat) settles what a crash or the expiry sweep left behind.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import payment_method_add
from core.errors import Conflict, InvalidInput
from core.money import quantize
from payments.kinds import PaymentKind

from .. import history
from ..lifecycle import record_event
from ..models import Order, OrderEvent, OrderStatus, Payment, TransferReceipt
from ..page_versions import order_pages_changed
from ..selectors import unpaid_expired_q
from ..transfer_details import order_id_from_reference, transfer_received
from .expiry import orders_expire
from .payments import payment_charge, payment_mark_transfer_received

MAX_BANK_ENTRY = TransferReceipt._meta.get_field("bank_entry").max_length


@dataclass(frozen=True)
class TransferOutcome:
    """What one receipt did: the payment's state, what arrived in all, and what is still missing."""

    receipt: TransferReceipt
    payment: Payment
    received: Decimal
    missing: Decimal


def transfer_receive(*, reference: str, amount, bank_entry: str, staff, now: datetime | None = None) -> TransferOutcome:
    """Record money received under `reference` and settle the order's transfer if it is covered (or unwanted)."""
    now = now or timezone.now()
    order = _referenced_order(reference)
    amount = _amount(amount, order.currency)
    bank_entry = _bank_entry(bank_entry)
    payment = _awaited_payment(order, now=now)
    with transaction.atomic():
        Order.objects.locked().filter(pk=order.pk).get()
        payment = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
        if payment.status != Payment.Status.PENDING or transfer_received(order.pk) >= order.total_gross:
            raise Conflict(_("This order's transfer is settled or being settled; send the money back from the bank."))
        try:
            with transaction.atomic():
                receipt = TransferReceipt.objects.create(
                    order=order,
                    payment=payment,
                    amount=amount,
                    currency=order.currency,
                    bank_entry=bank_entry,
                    recorded_by=staff,
                    recorded_at=now,
                )
        except IntegrityError:
            raise Conflict(_("This bank statement entry was already recorded.")) from None
        received = quantize(transfer_received(order.pk), order.currency)
        missing = quantize(max(order.total_gross - received, Decimal(0)), order.currency)
        record_event(
            order,
            history.TRANSFER_RECEIVED,
            actor=staff,
            channel=OrderEvent.Channel.STAFF,
            data={"payment_id": payment.pk, "amount": str(amount), "received": str(received), "missing": str(missing)},
        )
        order_pages_changed(order_ids=[order.pk])
    payment = transfer_settle(payment_id=payment.pk, now=now)
    return TransferOutcome(receipt=receipt, payment=payment, received=received, missing=missing)


def transfer_settle(*, payment_id: int, now: datetime | None = None) -> Payment:
    """Settle a pending transfer with what arrived, if that covers the order or the order no longer wants it.

    Idempotent: the payment's amount becomes what arrived (a conditional UPDATE while pending), the gateway is
    told that amount under the payment's key, and `payment_record_result` applies the answer once.
    """
    now = now or timezone.now()
    payment = Payment.objects.select_related("order").get(pk=payment_id)
    order = payment.order
    received = transfer_received(order.pk)
    if payment.status != Payment.Status.PENDING or received <= 0:
        return payment
    awaited = (
        order.status == OrderStatus.NOT_PAID and not Order.objects.filter(unpaid_expired_q(now), pk=order.pk).exists()
    )
    if awaited and received < order.total_gross:
        return payment  # short: the order stays unpaid, its pages say what is still due
    if order.status == OrderStatus.NOT_PAID and not awaited:
        # Past its expiry, not swept yet: the sweep's work (idempotent) is done now, then the money goes back.
        orders_expire(now=now)
        if Order.objects.filter(pk=order.pk, status=OrderStatus.NOT_PAID).exists():
            return payment  # the sweep's next run expires it; transfers_settle_due refunds it then
    with transaction.atomic():
        if Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(amount=received):
            order_pages_changed(order_ids=[order.pk])
    try:
        return payment_mark_transfer_received(payment_id=payment.pk, now=now)
    except Conflict:
        return Payment.objects.get(pk=payment.pk)  # settled meanwhile by another run (the sweep, a second receipt)


def transfers_settle_due(*, now: datetime | None = None) -> int:
    """The beat sweep: pending transfers with money received whose order is paid for or no longer waits."""
    now = now or timezone.now()
    received = TransferReceipt.objects.filter(payment=OuterRef("pk"))
    candidates = Payment.objects.filter(Exists(received), kind=PaymentKind.BANK_TRANSFER, status=Payment.Status.PENDING)
    settled = 0
    for payment_id in candidates.order_by("pk").values_list("pk", flat=True):
        settled += transfer_settle(payment_id=payment_id, now=now).status != Payment.Status.PENDING
    return settled


def _referenced_order(reference: str) -> Order:
    order_id = order_id_from_reference(reference)
    order = (
        None if order_id is None else Order.objects.select_related("account", "subsidiary").filter(pk=order_id).first()
    )
    if order is None:
        raise InvalidInput(
            _("This is not the transfer reference of any order (RF, two check digits, then the order number)."),
            field="reference",
        )
    return order


def _amount(value, currency: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount != quantize(amount, currency):
        raise InvalidInput(
            _("Enter the amount received, above zero, with the currency's decimals (%(currency)s).")
            % {"currency": currency},
            field="amount",
        )
    return amount


def _bank_entry(value: str) -> str:
    entry = (value or "").strip()
    if not entry or len(entry) > MAX_BANK_ENTRY:
        raise InvalidInput(
            _("Enter the bank statement entry's own reference (at most %(max)d characters).") % {"max": MAX_BANK_ENTRY},
            field="bank_entry",
        )
    if TransferReceipt.objects.filter(bank_entry=entry).exists():
        raise Conflict(_("This bank statement entry was already recorded."))
    return entry


def _awaited_payment(order: Order, *, now: datetime) -> Payment:
    """The order's bank-transfer payment in progress; one is opened when money comes without one."""
    payments = order.payments.filter(status__in=Payment.ACTIVE)
    pending = payments.filter(kind=PaymentKind.BANK_TRANSFER, status=Payment.Status.PENDING).first()
    if pending is not None:
        return pending
    if payments.exists():
        raise Conflict(
            _("This order was paid otherwise, or its transfer already settled; send the money back from the bank.")
        )
    method = order.account.payment_methods.filter(kind=PaymentKind.BANK_TRANSFER).first()
    if method is None:
        method = payment_method_add(account=order.account, kind=PaymentKind.BANK_TRANSFER, details={})
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                order=order,
                method=method,
                kind=PaymentKind.BANK_TRANSFER,
                token=method.token,
                amount=order.total_gross,
                currency=order.currency,
                idempotency_key=f"transfer-{order.pk}-{uuid.uuid4().hex}",
            )
            order_pages_changed(order_ids=[order.pk])
    except IntegrityError:
        raise Conflict(_("A payment for this order is already in progress or received.")) from None
    return payment_charge(payment=payment, now=now)
