"""/me/order: the customer's purchase orders, read through the selectors, acted on through the services."""

import functools

from django.utils import timezone
from ninja import Query, Router

from accounts.models import PaymentMethod
from core.client_ip import evidence_ip
from core.errors import InvalidInput
from core.localtime import local_today
from orders.models import Invoice, OrderLine, OrderStatus, Payment
from orders.selectors import WITHDRAWAL_PREFETCH, account_order, account_orders
from orders.services.consents import Evidence, order_waive_retraction
from orders.services.payments import order_pay
from orders.services.withdrawals import WithdrawalRequest, order_withdraw

from . import errors
from .paging import PAGES, page_response, wants_pages
from .params import ApiId, DateTime
from .schemas.base import Null
from .schemas.billing import (
    NO_BODY,
    AssociatedObject,
    BillingOrder,
    BillingOrderDetail,
    Empty,
    FollowUp,
    ItemDetail,
    OrderStatusEnum,
    Pay,
    PaymentMethods,
    Retraction,
)
from .serializers import (
    available_payment_json,
    follow_up_json,
    item_detail_json,
    order_detail_json,
    order_json,
    payment_method_json,
    payment_status,
)
from .signing import SIGNED_CALL

router = Router(tags=["order"], auth=SIGNED_CALL)
ORDER = "/me/order/{apiid:orderId}"
DETAIL = ORDER + "/details/{apiid:orderDetailId}"
# The fields a page of objects can be sorted by (X-Pagination-Sort), as columns.
ORDER_SORTS = {"date": ("created_at", "pk"), "orderId": ("pk",), "priceWithTax.value": ("total_gross", "pk")}
DETAIL_SORTS = {"orderDetailId": ("pk",), "description": ("description", "pk")}


def api_evidence(request) -> Evidence:
    """Consent evidence for the API channel: the application and consumer key that signed the call."""
    caller = request.auth
    return Evidence(
        channel="api",
        ip=evidence_ip(request),
        application_key=caller.application.application_key,
        consumer_key=caller.consumer.consumer_key,
        actor=caller.account,
    )


def order_of(request, order_id: int):
    """One of the caller's orders (with `is_expired`), or 404."""
    return account_order(account=request.auth.account, order_id=order_id, now=timezone.now())


@router.get(
    "/me/order",
    response=list[int] | list[BillingOrder],
    openapi_extra=PAGES,
    operation_id="getMeOrders",
    summary="Ids of the customer's orders, ascending (with X-Pagination-Mode, pages of billing.Order)",
)
def order_list(
    request,
    date_from: DateTime | None = Query(None, alias="date.from"),
    date_to: DateTime | None = Query(None, alias="date.to"),
):
    orders = account_orders(account=request.auth.account)
    if date_from:
        orders = orders.filter(created_at__gte=date_from)
    if date_to:
        orders = orders.filter(created_at__lte=date_to)
    orders = orders.order_by("pk")
    if wants_pages(request):
        now = timezone.now()
        orders = orders.prefetch_related(*WITHDRAWAL_PREFETCH)  # what order_json's retractionDate reads
        return page_response(request, orders, lambda order: order_json(order, now=now), BillingOrder, ORDER_SORTS)
    return list(orders.values_list("pk", flat=True))


@router.get(ORDER, response=BillingOrder, operation_id="getMeOrder", summary="A purchase order")
def order_get(request, orderId: ApiId):
    return order_json(order_of(request, orderId), now=timezone.now())


@router.get(
    ORDER + "/status",
    response=OrderStatusEnum,
    operation_id="getMeOrderStatus",
    summary="The order's status, a bare JSON string",
)
def order_status(request, orderId: ApiId):
    """An unpaid order past its expiry counts as cancelled before the sweep marks it."""
    order = order_of(request, orderId)
    return OrderStatus.CANCELLED.value if order.is_expired else order.status


@router.get(
    ORDER + "/followUp", response=list[FollowUp], operation_id="getMeOrderFollowUp", summary="The four tracking steps"
)
def order_follow_up(request, orderId: ApiId):
    return follow_up_json(order_of(request, orderId))


@router.get(
    ORDER + "/details",
    response=list[int] | list[BillingOrderDetail],
    openapi_extra=PAGES,
    operation_id="getMeOrderDetails",
    summary="Ids of the order's lines (with X-Pagination-Mode, pages of billing.OrderDetail)",
)
def order_details(request, orderId: ApiId):
    order = order_of(request, orderId)
    lines = order.lines.select_related("plan").order_by("pk")
    if wants_pages(request):
        serialize = functools.partial(order_detail_json, order)
        return page_response(request, lines, serialize, BillingOrderDetail, DETAIL_SORTS)
    return list(lines.values_list("pk", flat=True))


def _line(order, detail_id: int) -> OrderLine:
    line = order.lines.select_related("plan").filter(pk=detail_id).first()
    if line is None:
        raise errors.not_found()
    return line


@router.get(DETAIL, response=BillingOrderDetail, operation_id="getMeOrderDetail", summary="One line")
def order_detail(request, orderId: ApiId, orderDetailId: ApiId):
    order = order_of(request, orderId)
    return order_detail_json(order, _line(order, orderDetailId))


@router.get(
    DETAIL + "/extension",
    response=ItemDetail,
    operation_id="getMeOrderDetailExtension",
    summary="What the line orders (plan, duration, configurations)",
)
def order_detail_extension(request, orderId: ApiId, orderDetailId: ApiId):
    order = order_of(request, orderId)
    return item_detail_json(order, _line(order, orderDetailId))


@router.get(
    ORDER + "/associatedObject",
    response=AssociatedObject,
    operation_id="getMeOrderAssociatedObject",
    summary="The order's latest refund, else its bill (404 if neither)",
)
def order_associated_object(request, orderId: ApiId):
    order = order_of(request, orderId)
    refund = order.refunds.order_by("-created_at", "-pk").first()
    if refund is not None:
        return {"id": str(refund.pk), "type": "Refund"}
    invoice = Invoice.objects.filter(order=order).first()
    if invoice is not None:
        return {"id": invoice.number, "type": "Bill"}
    raise errors.not_found("This order has no associated object")


@router.get(
    ORDER + "/paymentMethods",
    response=PaymentMethods,
    operation_id="getMeOrderPaymentMethods",
    summary="Payment methods that can pay this order",
)
def order_payment_methods(request, orderId: ApiId):
    order = order_of(request, orderId)
    account = request.auth.account
    today = local_today(order.subsidiary.time_zone)
    offered = order.subsidiary.payment_kinds_offered(account.legal_form)
    methods = list(PaymentMethod.objects.filter(account=account).order_by("pk"))
    return {
        "available": [available_payment_json(kind) for kind in offered],
        "paymentMethods": [payment_method_json(method, today) for method in methods],
        "registered": [
            method.pk for method in methods if method.kind in offered and payment_status(method, today) == "VALID"
        ],
    }


@router.post(
    ORDER + "/pay",
    response=Null,
    operation_id="postMeOrderPay",
    summary="Pay the order with a registered payment method",
)
def order_pay_route(request, orderId: ApiId, body: Pay):
    order = order_of(request, orderId)
    account = request.auth.account
    method = PaymentMethod.objects.filter(account=account, pk=body.paymentMethod.id).first()
    if method is None:
        raise InvalidInput(
            "Unknown payment method: give the id of a registered one (/me/payment/method); a new card or PayPal "
            "account pays on the order's url.",
            field="paymentMethod",
        )
    charge(order, account, method)
    return None


def charge(order, account, method: PaymentMethod) -> None:
    """Pay the order with `method`; a declined payment is a 400 with the bank's reason."""
    payment = order_pay(order_id=order.pk, account=account, method=method)
    if payment.status == Payment.Status.FAILED:
        raise errors.bad_request(f"The payment was declined: {payment.failure_reason}")


@router.post(
    ORDER + "/retraction",
    response=Null,
    operation_id="postMeOrderRetraction",
    summary="Withdraw from the contract (the call is the confirmation)",
)
def order_retraction(request, orderId: ApiId, body: Retraction):
    order = order_of(request, orderId)
    order_withdraw(
        order_id=order.pk,
        request=WithdrawalRequest(confirmed=True, reason=body.reason, comment=body.comment or "", iban=body.iban or ""),
        evidence=api_evidence(request),
        channel="api",
    )
    return None


@router.post(
    ORDER + "/waiveRetraction",
    response=Null,
    operation_id="postMeOrderWaiveRetraction",
    summary="Request that the services start within the withdrawal period",
)
def order_waive_retraction_route(request, orderId: ApiId, body: Empty = NO_BODY):
    """Record the express request (and acknowledgement) now; it takes nothing away by itself."""
    order = order_of(request, orderId)
    order_waive_retraction(order=order, evidence=api_evidence(request), now=timezone.now())
    return None
