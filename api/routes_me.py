"""/me: the customer, their payment methods and refunds."""

from accounts.models import PaymentMethod
from core.localtime import local_today
from orders.models import Invoice, Refund

from . import errors
from .params import query
from .serializers import PAYMENT_TYPES, bill_json, me_json, payment_method_json, payment_status, refund_json

PAYMENT_STATUSES = ("VALID", "EXPIRED", "PAUSED")


def me(request, caller):
    return me_json(caller.account)


def payment_method_list(request, caller):
    account = caller.account
    params = query(request)
    default = params.boolean("default")
    payment_type = params.enum("paymentType", set(PAYMENT_TYPES.values()))
    status = params.enum("status", set(PAYMENT_STATUSES))
    today = local_today(account.subsidiary.time_zone)
    methods = PaymentMethod.objects.filter(account=account).order_by("pk")
    if default is not None:
        methods = methods.filter(is_default=default)
    result = []
    for method in methods:
        if payment_type and PAYMENT_TYPES.get(method.kind) != payment_type:
            continue
        if status and payment_status(method, today) != status:
            continue
        result.append(method.pk)
    return result


def payment_method_get(request, caller, method_id: int):
    method = PaymentMethod.objects.filter(account=caller.account, pk=method_id).first()
    if method is None:
        raise errors.not_found()
    return payment_method_json(method, local_today(caller.account.subsidiary.time_zone))


def _refunds(account):
    return Refund.objects.filter(order__account=account).select_related(
        "order__subsidiary", "order__invoice", "credit_note"
    )


def refund_list(request, caller):
    return list(_refunds(caller.account).order_by("pk").values_list("pk", flat=True))


def refund_get(request, caller, refund_id: int):
    refund = _refunds(caller.account).filter(pk=refund_id).first()
    if refund is None:
        raise errors.not_found()
    return refund_json(refund)


def _bills(account):
    return Invoice.objects.filter(order__account=account).select_related("order__subsidiary")


def bill_list(request, caller):
    """Bill ids, filtered as OVHcloud's me.json names them: `orderId`, `date.from` and `date.to` (issue dates)."""
    params = query(request)
    order_id = params.integer("orderId", minimum=0, maximum=999_999_999_999_999_999)
    date_from = params.datetime("date.from")
    date_to = params.datetime("date.to")
    bills = _bills(caller.account)
    if order_id is not None:
        bills = bills.filter(order_id=order_id)
    if date_from:
        bills = bills.filter(issued_at__gte=date_from)
    if date_to:
        bills = bills.filter(issued_at__lte=date_to)
    return list(bills.order_by("pk").values_list("number", flat=True))


def bill_get(request, caller, bill_id: str):
    invoice = _bills(caller.account).filter(number=bill_id).first()
    if invoice is None:
        raise errors.not_found()
    return bill_json(invoice)
