"""Payments of orders. A row exists before the gateway is called, so a crash leaves a trace."""

from django.conf import settings
from django.db import models
from django.db.models import SET_NULL, ProtectedError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.money import MONEY, format_money
from payments.kinds import PaymentKind


def protect_if_pending(collector, field, sub_objs, using):
    """Payment.method's on_delete: a method a payment is still waiting on can't be deleted (accounts refuses to
    remove it); settled payments outlive their method, without the link."""
    pending = sub_objs.filter(status=Payment.Status.PENDING)
    if pending:
        raise ProtectedError("A payment in progress uses this payment method.", list(pending))
    SET_NULL(collector, field, sub_objs, using)


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("In progress")
        SUCCEEDED = "succeeded", _("Received")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = [Status.PENDING, Status.SUCCEEDED]

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    method = models.ForeignKey("accounts.PaymentMethod", null=True, blank=True, on_delete=protect_if_pending)
    kind = models.CharField(max_length=20, choices=PaymentKind)
    token = models.CharField(max_length=100, blank=True, help_text=_("The gateway's token, kept for refunds."))
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    idempotency_key = models.CharField(max_length=64, unique=True)
    gateway_reference = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    expected_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the gateway expects the funds of a payment in progress.")
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # Nothing charged twice: an order has at most one payment in progress or received.
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(status__in=["pending", "succeeded"]), name="one_active_payment"
            ),
        ]

    def __str__(self) -> str:
        amount = format_money(self.amount, self.currency, get_language() or "en")
        return f"{self.order_id} {self.get_kind_display()} {amount} {self.get_status_display()}"


class TransferReceipt(models.Model):
    """Money finance saw arrive on the bank statement under an order's transfer reference.

    Receipts add up towards the order's bank-transfer payment, which settles once they cover the total
    (or at once, to be refunded, when the order no longer waits for it). A statement entry is recorded
    once: a form sent twice counts nothing twice.
    """

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="transfer_receipts")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="receipts")
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    bank_entry = models.CharField(max_length=100, unique=True, help_text=_("The bank statement entry's own reference."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="receipt_amount_positive")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.amount} {self.currency}"
