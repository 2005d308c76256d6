"""How an order is paid and billed: registered payment means, its payment, its debt, its bill's lines."""

from django.db.models import Sum
from django.utils.translation import gettext as _

from accounts.models import PaymentMethod
from core.errors import InvalidInput
from core.localtime import local_today
from orders.models import Invoice, OrderStatus, Payment
from orders.services.payments import order_settle_free

from . import errors
from .params import Params, parse_body
from .routes_orders import charge, order_of
from .serializers import payment_status
from .serializers_billing import (
    FIDELITY_ACCOUNT,
    REUSABLE_MEAN_VALUES,
    REUSABLE_MEANS,
    bill_detail_ids,
    bill_detail_json,
    debt_json,
    payment_json,
    registered_means_json,
)


def _usable_methods(order, account) -> list[PaymentMethod]:
    """The account's saved methods that can pay this order now: valid, and of a kind its subsidiary offers."""
    today = local_today(order.subsidiary.time_zone)
    offered = order.subsidiary.payment_kinds_offered(account.legal_form)
    methods = PaymentMethod.objects.filter(account=account, kind__in=offered).order_by("-is_default", "pk")
    return [method for method in methods if payment_status(method, today) == "VALID"]


def available_registered_payment_means(request, caller, order_id: int):
    order = order_of(caller, order_id)
    if order.status != OrderStatus.NOT_PAID or order.is_expired:
        return []
    return registered_means_json(order, _usable_methods(order, caller.account))


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


def pay_with_registered_payment_mean(request, caller, order_id: int):
    """Pay with a saved means (creditCard, bankAccount, paypal), or settle a zero-total order (fidelityAccount)."""
    order = order_of(caller, order_id)
    body = Params(parse_body(request))
    mean = body.enum("paymentMean", set(REUSABLE_MEAN_VALUES), required=True)
    mean_id = body.integer("paymentMeanId", minimum=1)
    if mean == FIDELITY_ACCOUNT:
        order_settle_free(order_id=order.pk, account=caller.account)
        return None
    charge(order, caller.account, _method_for(order, caller.account, mean, mean_id))
    return None


def order_payment(request, caller, order_id: int):
    """billing.Payment of the order's received payment; 404 while none is."""
    order = order_of(caller, order_id)
    payment = order.payments.filter(status=Payment.Status.SUCCEEDED).first()
    if payment is None:
        raise errors.not_found("This order has not been paid")
    return payment_json(payment, order.subsidiary.time_zone)


def order_debt(request, caller, order_id: int):
    """debt.Debt of an order still awaiting payment; 404 for one that owes nothing (paid, cancelled, expired)."""
    order = order_of(caller, order_id)
    if order.status != OrderStatus.NOT_PAID or order.is_expired:
        raise errors.not_found("This order has no debt")
    pending = order.payments.filter(status=Payment.Status.PENDING).aggregate(total=Sum("amount"))["total"] or 0
    return debt_json(order, pending)


def _invoice(caller, bill_id: str) -> Invoice:
    invoice = Invoice.objects.filter(order__account=caller.account, number=bill_id).select_related("order").first()
    if invoice is None:
        raise errors.not_found()
    return invoice


def bill_details(request, caller, bill_id: str):
    return bill_detail_ids(_invoice(caller, bill_id))


def bill_detail(request, caller, bill_id: str, bill_detail_id: str):
    detail = bill_detail_json(_invoice(caller, bill_id), bill_detail_id)
    if detail is None:
        raise errors.not_found()
    return detail
