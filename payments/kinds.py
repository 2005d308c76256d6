"""The means of payment the gateway handles; accounts save them, orders are paid and refunded with them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentKind(models.TextChoices):
    CARD = "card", _("Credit card")
    SEPA = "sepaDirectDebit", _("SEPA direct debit")
    PAYPAL = "paypal", _("PayPal")
    BANK_TRANSFER = "bankTransfer", _("Bank transfer")
