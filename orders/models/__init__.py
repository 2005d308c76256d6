"""Order models, one module per concern."""

from .cart import Cart, CartItem
from .events import Consent, OrderEvent
from .order import CancelReason, Order, OrderKind, OrderLine, OrderStatus, Service
from .payment import Payment
from .sandbox import SandboxInstrument, SandboxTransaction

__all__ = [
    "CancelReason",
    "Cart",
    "CartItem",
    "Consent",
    "Order",
    "OrderEvent",
    "OrderKind",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "SandboxInstrument",
    "SandboxTransaction",
    "Service",
]
