"""OVHcloud's billing types of an order: billing.Payment, debt.Debt, billing.BillDetail, registered payment means."""

from decimal import Decimal

from accounts.models import PaymentMethod
from orders.models import Invoice, Order, Payment
from payments.kinds import PaymentKind

from .serializers import PAYMENT_TYPES, iso, price

# billing.PaymentMeanEnum, as /me/order/{orderId}/payment names how an order was paid (SEPA: "withdrawal").
PAYMENT_MEANS = {
    PaymentKind.CARD: "creditCard",
    PaymentKind.SEPA: "withdrawal",
    PaymentKind.PAYPAL: "paypal",
    PaymentKind.BANK_TRANSFER: "transfer",
    PaymentKind.FREE: "free",
}
# What availableRegisteredPaymentMean answers for each kind (the legacy names, as OVHcloud answers them).
REGISTERED_MEANS = {PaymentKind.CARD: "creditCard", PaymentKind.SEPA: "bankAccount", PaymentKind.PAYPAL: "paypal"}
# billing.ReusablePaymentMeanEnum → the kind of saved payment method it designates: the legacy names above and
# the new ones, the payment method types (CREDIT_CARD…).
REUSABLE_MEANS = {
    **{mean: kind for kind, mean in REGISTERED_MEANS.items()},
    **{PAYMENT_TYPES[kind]: kind for kind in REGISTERED_MEANS},
}
FIDELITY_ACCOUNT = "fidelityAccount"
REUSABLE_MEAN_VALUES = [
    "CREDIT_CARD",
    "CURRENT_ACCOUNT",
    "DEFERRED_PAYMENT_ACCOUNT",
    "DOMESTIC_CARD",
    "ENTERPRISE",
    "INTERNAL_TRUSTED_ACCOUNT",
    "PAYPAL",
    "RUPAY",
    "SEPA_DIRECT_DEBIT",
    "bankAccount",
    "creditCard",
    "deferredPaymentAccount",
    "fidelityAccount",
    "ovhAccount",
    "paypal",
]


def registered_means_json(order: Order, methods: list[PaymentMethod]) -> list[dict]:
    """billing.order.RegisteredPaymentMean[]: each mean once, fidelityAccount for an order that costs nothing."""
    means = [] if order.total_gross else [FIDELITY_ACCOUNT]
    for method in methods:
        mean = REGISTERED_MEANS.get(method.kind)
        if mean and mean not in means:
            means.append(mean)
    return [{"paymentMean": mean} for mean in means]


def payment_json(payment: Payment, tz_name: str) -> dict:
    """billing.Payment: how and when the order was paid."""
    return {
        "paymentDate": iso(payment.settled_at or payment.created_at, tz_name),
        "paymentIdentifier": payment.gateway_reference or None,
        "paymentType": PAYMENT_MEANS.get(payment.kind, "none"),
    }


def debt_json(order: Order, pending: Decimal) -> dict:
    """debt.Debt of an unpaid order: all of it due by its expiry, `pending` of it on its way."""
    total, currency, language = order.total_gross, order.currency, order.language
    return {
        "orderId": order.pk,
        "amount": price(total, currency, language),
        "dueAmount": price(total, currency, language),
        "dueDate": iso(order.expires_at, order.subsidiary.time_zone),
        "pendingAmount": price(pending, currency, language),
        "todoAmount": price(total - pending, currency, language),
        "unmaturedAmount": price(Decimal(0), currency, language),
    }


def bill_detail_ids(invoice: Invoice) -> list[str]:
    """A bill's line ids: its lines' positions, as strings (billing.BillDetail.billDetailId is a string)."""
    return [str(position) for position in range(1, len(invoice.lines) + 1)]


def bill_detail_json(invoice: Invoice, detail_id: str) -> dict | None:
    """billing.BillDetail for one line of the invoice's frozen lines, None when there is no such line."""
    if not detail_id.isascii() or not detail_id.isdigit() or not 1 <= int(detail_id) <= len(invoice.lines):
        return None
    line = invoice.lines[int(detail_id) - 1]
    currency, language = invoice.currency, invoice.order.language
    return {
        "billDetailId": detail_id,
        "description": line["description"],
        "domain": "*",
        "periodStart": None,
        "periodEnd": None,
        "quantity": str(line["quantity"]),
        "unitPrice": price(Decimal(line["unit_price"]), currency, language),
        "totalPrice": price(Decimal(line["net"]), currency, language),
        "originalBillDetailId": None,
        "planCode": None,
        "serviceId": None,
    }
