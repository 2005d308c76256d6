"""Event labels of an order's history, and which tracking step each belongs to.

OVHcloud's own labels (billing.order.followUp.HistoryStatusEnum) are the only ones the API's
`followUp` shows; ours (expiry, withdrawal, documents, refunds…) appear in the panel's history only.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# OVHcloud's labels, with the manager's EN texts.
ORDER_STARTED = "ORDER_STARTED"
PAYMENT_INITIATED = "PAYMENT_INITIATED"
PAYMENT_RECEIVED = "PAYMENT_RECEIVED"
PAYMENT_CONFIRMED = "PAYMENT_CONFIRMED"
FRAUD_CHECK = "FRAUD_CHECK"
FRAUD_MANUAL_REVIEW = "FRAUD_MANUAL_REVIEW"
FRAUD_DOCS_REQUESTED = "FRAUD_DOCS_REQUESTED"
FRAUD_REFUSED = "FRAUD_REFUSED"
ORDER_ACCEPTED = "ORDER_ACCEPTED"
DELIVERY = "DELIVERY"
INVOICE_IN_PROGRESS = "INVOICE_IN_PROGRESS"
INVOICE_SENT = "INVOICE_SENT"

# Our own labels.
PAYMENT_FAILED = "PAYMENT_FAILED"
ORDER_EXPIRED = "ORDER_EXPIRED"
DOCUMENTS_UPLOADED = "DOCUMENTS_UPLOADED"
DELIVERY_FAILED = "DELIVERY_FAILED"
DELIVERY_RETRIED = "DELIVERY_RETRIED"
RETRACTION_WAIVED = "RETRACTION_WAIVED"
WITHDRAWAL_REQUESTED = "WITHDRAWAL_REQUESTED"
ORDER_CANCELLED = "ORDER_CANCELLED"
# A refund's destination (the IBAN of a bank-transfer refund): given by the customer, or changed by finance on the
# customer's written request (requested, then approved by a second finance person).
REFUND_IBAN_GIVEN = "REFUND_IBAN_GIVEN"
REFUND_IBAN_CHANGE_REQUESTED = "REFUND_IBAN_CHANGE_REQUESTED"
REFUND_IBAN_CHANGE_APPROVED = "REFUND_IBAN_CHANGE_APPROVED"
# Money finance saw arrive under the order's transfer reference; a refund waiting for the customer's IBAN.
TRANSFER_RECEIVED = "TRANSFER_RECEIVED"
REFUND_IBAN_NEEDED = "REFUND_IBAN_NEEDED"

VALIDATING, VALIDATED, DELIVERING, AVAILABLE = "VALIDATING", "VALIDATED", "DELIVERING", "AVAILABLE"
STEPS = (VALIDATING, VALIDATED, DELIVERING, AVAILABLE)

STEP_OF_LABEL = {
    ORDER_STARTED: VALIDATING,
    PAYMENT_INITIATED: VALIDATING,
    PAYMENT_RECEIVED: VALIDATING,
    PAYMENT_CONFIRMED: VALIDATING,
    FRAUD_CHECK: VALIDATING,
    FRAUD_MANUAL_REVIEW: VALIDATING,
    FRAUD_DOCS_REQUESTED: VALIDATING,
    FRAUD_REFUSED: VALIDATING,
    ORDER_ACCEPTED: VALIDATED,
    DELIVERY: DELIVERING,
    INVOICE_IN_PROGRESS: AVAILABLE,
    INVOICE_SENT: AVAILABLE,
}
OVH_LABELS = frozenset(STEP_OF_LABEL)

STEP_TEXTS = {
    VALIDATING: _("Your order has been processed"),
    VALIDATED: _("Your order is confirmed"),
    DELIVERING: _("The product is being delivered"),
    AVAILABLE: _("The product is available"),
}

LABEL_TEXTS = {
    ORDER_STARTED: _("Your order is being processed"),
    PAYMENT_INITIATED: _("Your payment is being validated"),
    PAYMENT_RECEIVED: _("Payment received"),
    PAYMENT_CONFIRMED: _("Payment validated"),
    FRAUD_CHECK: _("Your order is being confirmed"),
    FRAUD_MANUAL_REVIEW: _("Checking your order"),
    FRAUD_DOCS_REQUESTED: _("Awaiting supporting documents"),
    FRAUD_REFUSED: _("Order declined"),
    ORDER_ACCEPTED: _("Order accepted"),
    DELIVERY: _("Preparing your order"),
    INVOICE_IN_PROGRESS: _("Your order is available"),
    INVOICE_SENT: _("Your bill is available"),
    PAYMENT_FAILED: _("Payment failed"),
    ORDER_EXPIRED: pgettext_lazy("history", "Order expired"),
    DOCUMENTS_UPLOADED: _("Supporting documents received"),
    DELIVERY_FAILED: _("Delivery failed"),
    DELIVERY_RETRIED: _("Delivery restarted"),
    RETRACTION_WAIVED: _("Request to start the service during the withdrawal period recorded"),
    WITHDRAWAL_REQUESTED: _("Withdrawal received"),
    ORDER_CANCELLED: _("Order cancelled"),
    REFUND_IBAN_GIVEN: _("IBAN for your refund recorded"),
    REFUND_IBAN_CHANGE_REQUESTED: _("Change of the IBAN for your refund requested"),
    REFUND_IBAN_CHANGE_APPROVED: _("IBAN for your refund changed"),
    TRANSFER_RECEIVED: _("Bank transfer received"),
    REFUND_IBAN_NEEDED: _("Your refund is waiting for your IBAN"),
}

DETAIL_TEXTS = {
    FRAUD_MANUAL_REVIEW: _(
        "An additional processing time is required. It is usually around 48 hours. "
        "Our customer support team may contact you."
    ),
    ORDER_EXPIRED: _("The purchase order was not paid in time: nothing was charged. You can reorder it."),
    WITHDRAWAL_REQUESTED: _("You withdrew from the contract: what you paid for the withdrawn services is refunded."),
    REFUND_IBAN_NEEDED: _("Give us the IBAN of the account to refund, on the order's tracking page."),
}
# A refusal in the customer's words: the sweep refuses (no actor) when the documents did not come in time.
REFUSED_NO_DOCUMENTS = _(
    "We did not receive the supporting documents in time, so the order was cancelled. Your payment is refunded in full."
)
REFUSED_BY_STAFF = _(
    "After checking, we could not accept this order, so it was cancelled. Your payment is refunded in full."
)


def refused_by_staff(event) -> bool:
    """Refused by a validator (the `staff` channel), rather than by the sweep for documents that never came."""
    return event.channel == "staff"


def event_detail(event) -> str:
    """The line under an event's label in the panel's history."""
    if event.label == FRAUD_REFUSED:
        return REFUSED_BY_STAFF if refused_by_staff(event) else REFUSED_NO_DOCUMENTS
    return DETAIL_TEXTS.get(event.label, "")
