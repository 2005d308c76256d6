"""Order models, one module per concern."""

from .cart import Cart, CartItem
from .events import Consent, OrderEvent
from .invoice import ImmutableError, Invoice
from .monitoring import Heartbeat
from .order import WITHDRAWABLE_STATUSES, CancelReason, Order, OrderKind, OrderLine, OrderStatus, Service
from .payment import Payment, TransferReceipt
from .supporting_document import SupportingDocument
from .validation import OPEN_CASE_STATUSES, ValidationCase
from .withdrawal import (
    CreditNote,
    DocumentSequence,
    Refund,
    RefundDestinationChange,
    RetractionReason,
    Withdrawal,
    WithdrawalLine,
)

__all__ = [
    "OPEN_CASE_STATUSES",
    "WITHDRAWABLE_STATUSES",
    "CancelReason",
    "Cart",
    "CartItem",
    "Consent",
    "CreditNote",
    "DocumentSequence",
    "Heartbeat",
    "ImmutableError",
    "Invoice",
    "Order",
    "OrderEvent",
    "OrderKind",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "Refund",
    "RefundDestinationChange",
    "RetractionReason",
    "Service",
    "SupportingDocument",
    "TransferReceipt",
    "ValidationCase",
    "Withdrawal",
    "WithdrawalLine",
]
