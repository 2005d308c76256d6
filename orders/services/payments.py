"""Paying a purchase order through the gateway: nothing charged twice, nothing lost on a crash.

A pending Payment row is committed before the gateway is called (never inside a transaction), with
an idempotency key; the result is recorded afterwards. A crash in between leaves a pending row that
`payments_reconcile` settles from the gateway's own ledger.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PaymentMethod, User
from accounts.services import payment_method_save
from core.errors import Conflict, InvalidInput
from core.localtime import local_date
from core.publish import publish_on_commit
from payments.gateway import GatewayError, GatewayResult, Registration, get_gateway
from payments.kinds import PaymentKind

from .. import history
from ..lifecycle import order_confirm_payment, record_event
from ..models import Order, OrderStatus, Payment, Refund
from ..notifications import notify_payment_received, notify_transfer_instructions
from ..page_versions import order_pages_changed
from ..risk import risk_reasons
from ..task_names import ISSUE_INVOICE
from .delivery import delivery_publish_on_commit
from .refunds import refund_create, refund_full_payment

# A pending payment the gateway has never heard of after this long was never sent.
UNSENT_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Means:
    """What pays: a saved method, or a means the gateway registered for this payment only (saved once it pays)."""

    kind: str
    token: str
    method: PaymentMethod | None = None

    @classmethod
    def saved(cls, method: PaymentMethod) -> "Means":
        return cls(kind=method.kind, token=method.token, method=method)

    @classmethod
    def free(cls) -> "Means":
        """A zero-total order's settlement: no gateway, nothing charged."""
        return cls(kind=PaymentKind.FREE, token="")


def payment_start(
    *, order_id: int, account: User, means: Means, now: datetime, idempotency_key: str | None = None
) -> Payment:
    """Commits a pending payment for the order's total, after every check; the gateway is called afterwards."""
    method = means.method
    with transaction.atomic():
        order = Order.objects.locked().select_related("subsidiary").filter(account=account, pk=order_id).first()
        if order is None:
            raise InvalidInput(_("This order does not exist."), field="orderId")
        if order.status != OrderStatus.NOT_PAID:
            raise Conflict(_("This order is not awaiting payment."))
        if order.expires_at <= now:
            raise Conflict(_("This purchase order has expired. If you still want it, you will have to reorder."))
        if means.kind == PaymentKind.FREE:
            _check_free(order)
        else:
            _check_means(order, account=account, means=means, now=now)
        if order.payments.filter(status__in=Payment.ACTIVE).exists():
            raise Conflict(_("A payment for this order is already in progress or received."))
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    order=order,
                    method=method,
                    kind=means.kind,
                    token=means.token,
                    amount=order.total_gross,
                    currency=order.currency,
                    idempotency_key=idempotency_key or f"pay-{order.pk}-{uuid.uuid4().hex}",
                )
        except IntegrityError:
            raise Conflict(_("A payment for this order is already in progress or received.")) from None
        order_pages_changed(order_ids=[order.pk])
    return payment


def _check_means(order: Order, *, account: User, means: Means, now: datetime) -> None:
    method = means.method
    if method is not None and method.account_id != account.pk:
        raise InvalidInput(_("Unknown payment method."), field="paymentMethod")
    if method is not None and not method.is_usable(local_date(now, order.subsidiary.time_zone)):
        raise InvalidInput(
            _("This payment method has expired or is blocked; choose another one."), field="paymentMethod"
        )
    if means.kind not in order.subsidiary.payment_kinds_offered(account.legal_form):
        raise InvalidInput(_("This order can't be paid with this payment method."), field="paymentMethod")


def _check_free(order: Order) -> None:
    if order.total_gross != 0:
        raise InvalidInput(_("Only an order whose total is zero can be settled without paying."), field="paymentMean")


def order_pay(*, order_id: int, account: User, method: PaymentMethod, now: datetime | None = None) -> Payment:
    """Charge `method` for the order's total; returns the payment, whose status says what happened."""
    now = now or timezone.now()
    payment = payment_charge(
        payment=payment_start(order_id=order_id, account=account, means=Means.saved(method), now=now), now=now
    )
    if payment.status == Payment.Status.PENDING and payment.kind == PaymentKind.BANK_TRANSFER:
        notify_transfer_instructions(payment.order, payment_id=payment.pk, now=now)
    return payment


def order_pay_new_card(
    *, order_id: int, account: User, details: dict, make_default: bool = False, now: datetime | None = None
) -> Payment:
    """Registers the card and charges it; the card is saved only if the charge went through (a declined card
    leaves no saved method behind, so that it is never offered again as valid)."""
    now = now or timezone.now()
    try:
        registration = get_gateway().register(kind=PaymentKind.CARD, details=details)
    except GatewayError as error:
        raise InvalidInput(str(error), field="details") from None
    means = Means(kind=PaymentKind.CARD, token=registration.token)
    payment = payment_charge(payment=payment_start(order_id=order_id, account=account, means=means, now=now), now=now)
    payment_keep_means(payment=payment, account=account, registration=registration, make_default=make_default)
    return payment


def payment_keep_means(*, payment: Payment, account: User, registration: Registration, make_default: bool) -> None:
    """Saves the means of a payment that went through (or is going through) and links the payment to it."""
    if payment.status not in Payment.ACTIVE:
        return
    method = payment_method_save(
        account=account, kind=payment.kind, registration=registration, make_default=make_default
    )
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(method=method)
        order_pages_changed(order_ids=[payment.order_id])
    payment.method = method


def payment_charge(*, payment: Payment, now: datetime) -> Payment:
    """Call the gateway for a committed pending payment (outside any transaction) and record its answer."""
    try:
        result = get_gateway().charge(
            token=payment.token,
            amount=payment.amount,
            currency=payment.currency,
            idempotency_key=payment.idempotency_key,
        )
    except GatewayError as error:
        result = GatewayResult(status="declined", reference="", message=str(error), settles_at=None)
    return payment_record_result(payment_id=payment.pk, result=result, now=now)


def order_settle_free(*, order_id: int, account: User, now: datetime | None = None) -> Payment:
    """Settle an order whose total is zero, as OVHcloud's fidelity account does: no gateway, the order goes on."""
    now = now or timezone.now()
    payment = payment_start(order_id=order_id, account=account, means=Means.free(), now=now)
    result = GatewayResult(status="succeeded", reference=f"free-{payment.pk}", settles_at=now)
    return payment_record_result(payment_id=payment.pk, result=result, now=now)


def payment_record_result(*, payment_id: int, result: GatewayResult, now: datetime | None = None) -> Payment:
    """Apply the gateway's answer once: a repeated or late answer for a settled payment changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        # The order first, then the payment, as payment_start and the lifecycle do: otherwise they deadlock.
        list(Order.objects.locked().filter(payments=payment_id).values_list("pk"))
        payment = Payment.objects.select_for_update(of=("self",)).select_related("order").get(pk=payment_id)
        if payment.status != Payment.Status.PENDING:
            return payment
        first_answer = not payment.gateway_reference
        payment.gateway_reference = result.reference or payment.gateway_reference
        if result.status == "succeeded":
            payment.status, payment.settled_at = Payment.Status.SUCCEEDED, result.settles_at or now
        elif result.status in {"declined", "cancelled"}:
            payment.status, payment.failure_reason = Payment.Status.FAILED, str(result.message)[:200]
        else:
            payment.expected_at = result.settles_at  # when the funds should be confirmed, if the gateway knows
        payment.save(update_fields=["status", "settled_at", "failure_reason", "gateway_reference", "expected_at"])
        order = payment.order
        if payment.status == Payment.Status.FAILED:
            record_event(
                order, history.PAYMENT_FAILED, data={"payment_id": payment.pk, "reason": payment.failure_reason}
            )
        elif payment.status == Payment.Status.PENDING and first_answer:
            record_event(order, history.PAYMENT_INITIATED, data={"payment_id": payment.pk, "kind": payment.kind})
        elif (
            payment.status == Payment.Status.SUCCEEDED
            and order.status == OrderStatus.NOT_PAID
            and payment.amount >= order.total_gross
        ):
            order = order_confirm_payment(
                order_id=order.pk, payment_id=payment.pk, needs_review=risk_reasons(order), now=now
            )
            notify_payment_received(order)
            if order.status == OrderStatus.DELIVERING:
                delivery_publish_on_commit(order.pk)
            publish_on_commit(ISSUE_INVOICE, order.pk)
            if payment.amount > order.total_gross:
                # A transfer above the total: the order is paid, and what is over goes back to the payer.
                refund_create(
                    order=order,
                    cause=Refund.Cause.EXCESS,
                    payment=payment,
                    amount=payment.amount - order.total_gross,
                    vat_amount=Decimal(0),
                    requested_on=local_date(now, order.subsidiary.time_zone),
                )
        elif payment.status == Payment.Status.SUCCEEDED:
            # Money for an order that no longer waits for it (it expired meanwhile), or a transfer short of its
            # total that is settled anyway, goes back in full.
            refund_full_payment(
                order=order,
                cause=Refund.Cause.LATE_PAYMENT,
                payment=payment,
                requested_on=local_date(now, order.subsidiary.time_zone),
            )
        order_pages_changed(order_ids=[order.pk])
    return payment


def payments_reconcile(*, now: datetime | None = None) -> int:
    """Ask the gateway about every pending payment (SEPA settling, crashes after a call); returns how many moved."""
    now = now or timezone.now()
    gateway = get_gateway()
    moved = 0
    for payment in Payment.objects.filter(status=Payment.Status.PENDING).order_by("pk"):
        result = gateway.lookup(idempotency_key=payment.idempotency_key)
        if result is None:
            if payment.created_at > now - UNSENT_AFTER:
                continue
            # Never sent: cancel the key at the gateway so that the charge cannot land later.
            try:
                result = gateway.cancel(idempotency_key=payment.idempotency_key)
            except GatewayError:
                continue  # the charge arrived meanwhile: the next sweep reads it
            if result.status == "cancelled":
                result = GatewayResult(
                    status="cancelled",
                    reference=result.reference,
                    message=_("The payment was interrupted before reaching the bank."),
                )
        if result.status == "pending":
            continue
        payment_record_result(payment_id=payment.pk, result=result, now=now)
        moved += 1
    return moved


def payment_mark_transfer_received(*, payment_id: int, now: datetime | None = None) -> Payment:
    """The payment's amount arrived by bank transfer (sandbox: the gateway records it, then we apply its answer);
    orders.services.transfers decides when, from what finance saw on the bank statement."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.kind != PaymentKind.BANK_TRANSFER or payment.status != Payment.Status.PENDING:
        raise Conflict(_("Only a pending bank transfer can be marked as received."))
    result = get_gateway().mark_transfer_received(idempotency_key=payment.idempotency_key, amount=payment.amount)
    return payment_record_result(payment_id=payment.pk, result=result, now=now)
