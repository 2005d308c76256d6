"""The means of payment: those the gateway handles, which accounts save and orders are paid and refunded with,
and `free`, the settlement of an order whose total is zero (nothing goes through the gateway)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentKind(models.TextChoices):
    CARD = "card", _("Credit card")
    SEPA = "sepaDirectDebit", _("SEPA direct debit")
    PAYPAL = "paypal", _("PayPal")
    BANK_TRANSFER = "bankTransfer", _("Bank transfer")
    FREE = "free", _("Free order (nothing to pay)")


# What a customer can save as a payment method: every kind but the free settlement.
SAVED_KINDS = [(kind.value, kind.label) for kind in PaymentKind if kind != PaymentKind.FREE]
