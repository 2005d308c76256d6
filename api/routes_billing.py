"""How an order is paid and billed: registered payment means, its payment, its debt, its bill's lines."""

from django.db.models import Sum
from django.utils.translation import gettext as _
from ninja import Router

from accounts.models import PaymentMethod
from core.errors import InvalidInput
from core.localtime import local_today
from orders.models import Invoice, OrderStatus, Payment
from orders.services.payments import order_settle_free

from . import errors
from .params import ApiId
from .routes_orders import ORDER, charge, order_of
from .schemas.base import Null
from .schemas.billing import BillDetail, Debt, PayWithRegisteredPaymentMean, RegisteredPaymentMean
from .schemas.billing import Payment as PaymentSchema
from .serializers import payment_status
from .serializers_billing import (
    FIDELITY_ACCOUNT,
    REUSABLE_MEANS,
    bill_detail_ids,
    bill_detail_json,
    debt_json,
    payment_json,
    registered_means_json,
)
from .signing import SIGNED_CALL

router = Router(tags=["order"], auth=SIGNED_CALL)
BILL = "/me/bill/{segment:billId}"


def _usable_methods(order, account) -> list[PaymentMethod]:
    """The account's saved methods that can pay this order now: valid, and of a kind its subsidiary offers."""
    today = local_today(order.subsidiary.time_zone)
    offered = order.subsidiary.payment_kinds_offered(account.legal_form)
    methods = PaymentMethod.objects.filter(account=account, kind__in=offered).order_by("-is_default", "pk")
    return [method for method in methods if payment_status(method, today) == "VALID"]


@router.get(
    ORDER + "/availableRegisteredPaymentMean",
    response=list[RegisteredPaymentMean],
    operation_id="getMeOrderAvailableRegisteredPaymentMean",
    summary="Registered payment means that can pay this order (fidelityAccount for a zero total)",
)
def available_registered_payment_means(request, orderId: ApiId):
    order = order_of(request, orderId)
    if order.status != OrderStatus.NOT_PAID or order.is_expired:
        return []
    return registered_means_json(order, _usable_methods(order, request.auth.account))


def _method_for(order, account, mean: str, mean_id: int | None) -> PaymentMethod:
    """The saved method a registered mean designates: `paymentMeanId`, else the default (or only) one of its kind."""
    kind = REUSABLE_MEANS.get(mean)
    if kind is None:
        raise errors.bad_request(f"This order can't be paid with {mean}")
    candidates = [method for method in _usable_methods(order, account) if method.kind == kind]
    if mean_id is not None:
        candidates = [method for method in candidates if method.pk == mean_id]
        if not candidates:
            raise InvalidInput(_("Unknown payment method."), field="paymentMeanId")
    if not candidates:
        raise errors.bad_request(f"This order can't be paid with {mean}: no valid {mean} is registered")
    return candidates[0]


@router.post(
    ORDER + "/payWithRegisteredPaymentMean",
    response=Null,
    operation_id="postMeOrderPayWithRegisteredPaymentMean",
    summary="Pay with a registered payment mean (paymentMeanId: one of /me/payment/method)",
)
def pay_with_registered_payment_mean(request, orderId: ApiId, body: PayWithRegisteredPaymentMean):
    """Pay with a saved means (creditCard, bankAccount, paypal), or settle a zero-total order (fidelityAccount)."""
    order = order_of(request, orderId)
    account, mean = request.auth.account, body.paymentMean.value
    if mean == FIDELITY_ACCOUNT:
        order_settle_free(order_id=order.pk, account=account)
        return None
    charge(order, account, _method_for(order, account, mean, body.paymentMeanId))
    return None


@router.get(
    ORDER + "/payment",
    response=PaymentSchema,
    operation_id="getMeOrderPayment",
    summary="How the order was paid (404 until it is)",
)
def order_payment(request, orderId: ApiId):
    """billing.Payment of the order's received payment; 404 while none is."""
    order = order_of(request, orderId)
    payment = order.payments.filter(status=Payment.Status.SUCCEEDED).first()
    if payment is None:
        raise errors.not_found("This order has not been paid")
    return payment_json(payment, order.subsidiary.time_zone)


@router.get(
    ORDER + "/debt",
    response=Debt,
    operation_id="getMeOrderDebt",
    summary="What the order still owes (404 when nothing)",
)
def order_debt(request, orderId: ApiId):
    """debt.Debt of an order still awaiting payment; 404 for one that owes nothing (paid, cancelled, expired)."""
    order = order_of(request, orderId)
    if order.status != OrderStatus.NOT_PAID or order.is_expired:
        raise errors.not_found("This order has no debt")
    pending = order.payments.filter(status=Payment.Status.PENDING).aggregate(total=Sum("amount"))["total"] or 0
    return debt_json(order, pending)


def _invoice(request, bill_id: str) -> Invoice:
    invoice = (
        Invoice.objects.filter(order__account=request.auth.account, number=bill_id).select_related("order").first()
    )
    if invoice is None:
        raise errors.not_found()
    return invoice


@router.get(BILL + "/details", response=list[str], operation_id="getMeBillDetails", summary="Ids of the bill's lines")
def bill_details(request, billId: str):
    return bill_detail_ids(_invoice(request, billId))


@router.get(
    BILL + "/details/{segment:billDetailId}",
    response=BillDetail,
    operation_id="getMeBillDetail",
    summary="One line of a bill",
)
def bill_detail(request, billId: str, billDetailId: str):
    detail = bill_detail_json(_invoice(request, billId), billDetailId)
    if detail is None:
        raise errors.not_found()
    return detail
