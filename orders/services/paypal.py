"""Paying a purchase order with PayPal: a redirect to the payer's approval at PayPal, then a capture when they
come back to our return URL.

Nothing is written on our side until the payer comes back: an abandoned approval leaves no payment in progress
to hold the order. The capture's idempotency key is derived from the approval, so reloading the return URL or
approving twice charges once; the PayPal account is saved once the payment went through, as cards are.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import Conflict, InvalidInput
from payments.gateway import Approval, ApprovalState, GatewayError, GatewayResult, get_gateway
from payments.kinds import PaymentKind

from ..models import Order, OrderStatus, Payment
from .payments import Means, payment_keep_means, payment_record_result, payment_start


def paypal_reference(order: Order) -> str:
    """Our reference on the approval: the return URL captures only an approval made for its own order."""
    return f"order-{order.pk}"


def order_paypal_start(*, order: Order, account: User, return_url: str, cancel_url: str) -> Approval:
    """Asks PayPal for an approval of the order's total; the customer is then sent to `approve_url`."""
    if order.account_id != account.pk:
        raise InvalidInput(_("This order does not exist."), field="orderId")
    if order.status != OrderStatus.NOT_PAID or order.payments.filter(status__in=Payment.ACTIVE).exists():
        raise Conflict(_("A payment for this order is already in progress or received."))
    if PaymentKind.PAYPAL not in order.subsidiary.payment_kinds_offered(account.legal_form):
        raise InvalidInput(_("This order can't be paid with this payment method."), field="paymentMethod")
    try:
        return get_gateway().approval_create(
            kind=PaymentKind.PAYPAL,
            amount=order.total_gross,
            currency=order.currency,
            reference=paypal_reference(order),
            return_url=return_url,
            cancel_url=cancel_url,
        )
    except GatewayError as error:
        raise InvalidInput(str(error), field="paymentMethod") from None


def order_paypal_capture(*, order: Order, account: User, token: str, now: datetime | None = None) -> Payment:
    """Captures the payment the customer approved; a forged, foreign, expired or unapproved token changes nothing."""
    now = now or timezone.now()
    approval = _approval_of(order=order, account=account, token=token)
    if approval.status == "captured":
        raise Conflict(_("A payment for this order is already in progress or received."))
    if approval.status == "expired":
        raise InvalidInput(_("This PayPal approval has expired: pay again."), field="token")
    if approval.status != "approved" or approval.payer is None:
        raise InvalidInput(_("This PayPal payment was not approved."), field="token")
    means = Means(kind=PaymentKind.PAYPAL, token=approval.payer.token)
    payment = payment_start(
        order_id=order.pk, account=account, means=means, now=now, idempotency_key=f"paypal-{token}"[:64]
    )
    try:
        result = get_gateway().approval_capture(token=token, idempotency_key=payment.idempotency_key)
    except GatewayError as error:
        result = GatewayResult(status="declined", reference="", message=str(error))
    payment = payment_record_result(payment_id=payment.pk, result=result, now=now)
    payment_keep_means(payment=payment, account=account, registration=approval.payer, make_default=False)
    return payment


def order_paypal_cancelled(*, order: Order, account: User, token: str) -> None:
    """Checks that the customer did cancel this order's approval at PayPal (nothing was charged)."""
    if _approval_of(order=order, account=account, token=token).status != "cancelled":
        raise InvalidInput(_("This PayPal payment was not cancelled."), field="token")


def _approval_of(*, order: Order, account: User, token: str) -> ApprovalState:
    """The approval made for this customer's order, or InvalidInput: a token of another order is unknown here."""
    approval = get_gateway().approval_get(token=token) if token else None
    if (
        approval is None
        or order.account_id != account.pk
        or approval.reference != paypal_reference(order)
        or (approval.amount, approval.currency) != (order.total_gross, order.currency)
    ):
        raise InvalidInput(_("This PayPal payment is unknown."), field="token")
    return approval
