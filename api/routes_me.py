"""/me: the customer, their payment methods, bills and refunds."""

from ninja import Query, Router

from accounts.models import PaymentMethod
from core.localtime import local_today
from orders.models import Invoice, Refund

from . import errors
from .params import ApiId, DateTime
from .schemas.billing import Bill, Nichandle, PaymentStatus, PaymentType
from .schemas.billing import PaymentMethod as PaymentMethodSchema
from .schemas.billing import Refund as RefundSchema
from .serializers import PAYMENT_TYPES, bill_json, me_json, payment_method_json, payment_status, refund_json
from .signing import SIGNED_CALL

router = Router(tags=["me"], auth=SIGNED_CALL)


@router.get("/me", response=Nichandle, operation_id="getMe", summary="The customer's account")
def me(request):
    return me_json(request.auth.account)


@router.get(
    "/me/payment/method",
    response=list[int],
    operation_id="getMePaymentMethods",
    summary="Ids of the customer's payment methods",
)
def payment_method_list(
    request,
    default: bool | None = None,
    paymentType: PaymentType | None = None,
    status: PaymentStatus | None = None,
):
    account = request.auth.account
    today = local_today(account.subsidiary.time_zone)
    methods = PaymentMethod.objects.filter(account=account).order_by("pk")
    if default is not None:
        methods = methods.filter(is_default=default)
    return [
        method.pk
        for method in methods
        if (not paymentType or PAYMENT_TYPES.get(method.kind) == paymentType)
        and (not status or payment_status(method, today) == status)
    ]


@router.get(
    "/me/payment/method/{apiid:paymentMethodId}",
    response=PaymentMethodSchema,
    operation_id="getMePaymentMethod",
    summary="One payment method",
)
def payment_method_get(request, paymentMethodId: ApiId):
    account = request.auth.account
    method = PaymentMethod.objects.filter(account=account, pk=paymentMethodId).first()
    if method is None:
        raise errors.not_found()
    return payment_method_json(method, local_today(account.subsidiary.time_zone))


def _refunds(account):
    return Refund.objects.filter(order__account=account).select_related(
        "order__subsidiary", "order__invoice", "credit_note"
    )


@router.get("/me/refund", response=list[int], operation_id="getMeRefunds", summary="Ids of the customer's refunds")
def refund_list(request):
    return list(_refunds(request.auth.account).order_by("pk").values_list("pk", flat=True))


@router.get("/me/refund/{apiid:refundId}", response=RefundSchema, operation_id="getMeRefund", summary="One refund")
def refund_get(request, refundId: ApiId):
    refund = _refunds(request.auth.account).filter(pk=refundId).first()
    if refund is None:
        raise errors.not_found()
    return refund_json(refund)


def _bills(account):
    return Invoice.objects.filter(order__account=account).select_related("order__subsidiary")


@router.get("/me/bill", response=list[str], operation_id="getMeBills", summary="Ids of the customer's bills")
def bill_list(
    request,
    orderId: ApiId | None = None,
    date_from: DateTime | None = Query(None, alias="date.from"),
    date_to: DateTime | None = Query(None, alias="date.to"),
):
    """Filtered as OVHcloud's me.json names them: `orderId`, `date.from` and `date.to` (issue dates)."""
    bills = _bills(request.auth.account)
    if orderId is not None:
        bills = bills.filter(order_id=orderId)
    if date_from:
        bills = bills.filter(issued_at__gte=date_from)
    if date_to:
        bills = bills.filter(issued_at__lte=date_to)
    return list(bills.order_by("pk").values_list("number", flat=True))


@router.get("/me/bill/{segment:billId}", response=Bill, operation_id="getMeBill", summary="One bill")
def bill_get(request, billId: str):
    invoice = _bills(request.auth.account).filter(number=billId).first()
    if invoice is None:
        raise errors.not_found()
    return bill_json(invoice)
