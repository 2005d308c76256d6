"""/me/order: the customer's purchase orders, read through the selectors, acted on through the services."""

from django.utils import timezone

from accounts.models import PaymentMethod
from core.client_ip import evidence_ip
from core.errors import InvalidInput
from core.localtime import local_today
from orders.models import Invoice, OrderLine, OrderStatus, Payment, RetractionReason
from orders.selectors import WITHDRAWAL_PREFETCH, account_order, account_orders
from orders.services.consents import Evidence, order_waive_retraction
from orders.services.payments import order_pay
from orders.services.withdrawals import WithdrawalRequest, order_withdraw

from . import errors
from .paging import page_response, wants_pages
from .params import Params, parse_body, query
from .serializers import (
    available_payment_json,
    follow_up_json,
    item_detail_json,
    order_detail_json,
    order_json,
    payment_method_json,
    payment_status,
)


def api_evidence(request, caller) -> Evidence:
    """Consent evidence for the API channel: the application and consumer key that signed the call."""
    return Evidence(
        channel="api",
        ip=evidence_ip(request),
        application_key=caller.application.application_key,
        consumer_key=caller.consumer.consumer_key,
        actor=caller.account,
    )


# The fields a page of objects can be sorted by (X-Pagination-Sort), as columns.
ORDER_SORTS = {"date": ("created_at", "pk"), "orderId": ("pk",), "priceWithTax.value": ("total_gross", "pk")}
DETAIL_SORTS = {"orderDetailId": ("pk",), "description": ("description", "pk")}


def order_of(caller, order_id: int):
    """One of the caller's orders (with `is_expired`), or 404."""
    return account_order(account=caller.account, order_id=order_id, now=timezone.now())


def order_list(request, caller):
    params = query(request)
    date_from = params.datetime("date.from")
    date_to = params.datetime("date.to")
    orders = account_orders(account=caller.account)
    if date_from:
        orders = orders.filter(created_at__gte=date_from)
    if date_to:
        orders = orders.filter(created_at__lte=date_to)
    orders = orders.order_by("pk")
    if wants_pages(request):
        now = timezone.now()
        orders = orders.prefetch_related(*WITHDRAWAL_PREFETCH)  # what order_json's retractionDate reads
        return page_response(request, orders, lambda order: order_json(order, now=now), ORDER_SORTS)
    return list(orders.values_list("pk", flat=True))


def order_get(request, caller, order_id: int):
    order = order_of(caller, order_id)
    return order_json(order, now=timezone.now())


def order_status(request, caller, order_id: int):
    """A bare JSON string; an unpaid order past its expiry counts as cancelled before the sweep marks it."""
    order = order_of(caller, order_id)
    return OrderStatus.CANCELLED.value if order.is_expired else order.status


def order_follow_up(request, caller, order_id: int):
    return follow_up_json(order_of(caller, order_id))


def order_details(request, caller, order_id: int):
    order = order_of(caller, order_id)
    lines = order.lines.select_related("plan").order_by("pk")
    if wants_pages(request):
        return page_response(request, lines, lambda line: order_detail_json(order, line), DETAIL_SORTS)
    return list(lines.values_list("pk", flat=True))


def _line(order, detail_id: int) -> OrderLine:
    line = order.lines.select_related("plan").filter(pk=detail_id).first()
    if line is None:
        raise errors.not_found()
    return line


def order_detail(request, caller, order_id: int, detail_id: int):
    order = order_of(caller, order_id)
    return order_detail_json(order, _line(order, detail_id))


def order_detail_extension(request, caller, order_id: int, detail_id: int):
    order = order_of(caller, order_id)
    return item_detail_json(order, _line(order, detail_id))


def order_associated_object(request, caller, order_id: int):
    """The latest refund (`Refund`), else the invoice (`Bill`)."""
    order = order_of(caller, order_id)
    refund = order.refunds.order_by("-created_at", "-pk").first()
    if refund is not None:
        return {"id": str(refund.pk), "type": "Refund"}
    invoice = Invoice.objects.filter(order=order).first()
    if invoice is not None:
        return {"id": invoice.number, "type": "Bill"}
    raise errors.not_found("This order has no associated object")


def order_payment_methods(request, caller, order_id: int):
    order = order_of(caller, order_id)
    account = caller.account
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


def order_pay_route(request, caller, order_id: int):
    order = order_of(caller, order_id)
    body = Params(parse_body(request))
    payment_method = body.object("paymentMethod", required=True)
    method_id = Params(payment_method).integer("id", required=True)
    method = PaymentMethod.objects.filter(account=caller.account, pk=method_id).first()
    if method is None:
        raise InvalidInput("Unknown payment method.", field="paymentMethod")
    charge(order, caller.account, method)
    return None


def charge(order, account, method: PaymentMethod) -> None:
    """Pay the order with `method`; a declined payment is a 400 with the bank's reason."""
    payment = order_pay(order_id=order.pk, account=account, method=method)
    if payment.status == Payment.Status.FAILED:
        raise errors.bad_request(f"The payment was declined: {payment.failure_reason}")


def order_retraction(request, caller, order_id: int):
    """The withdrawal function: the call itself is the confirmation."""
    order = order_of(caller, order_id)
    body = Params(parse_body(request))
    reason = body.enum("reason", set(RetractionReason.values), required=True)
    comment = body.string("comment", default="", max_length=2000)
    iban = body.string("iban", default="", max_length=64)
    order_withdraw(
        order_id=order.pk,
        request=WithdrawalRequest(confirmed=True, reason=reason, comment=comment, iban=iban),
        evidence=api_evidence(request, caller),
        channel="api",
    )
    return None


def order_waive_retraction_route(request, caller, order_id: int):
    """Record the express request (and acknowledgement) now; it takes nothing away by itself."""
    order = order_of(caller, order_id)
    parse_body(request)  # no parameter; empty, {} and null are all fine, but not broken JSON
    order_waive_retraction(order=order, evidence=api_evidence(request, caller), now=timezone.now())
    return None
