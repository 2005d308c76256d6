"""The sandbox gateway's own ledger, routed to the `sandbox` database like a provider's books.

Only `payments.sandbox` reads or writes these models.
"""

from django.db import models

from core.money import MONEY


class SandboxInstrument(models.Model):
    """A registered test card, SEPA mandate, PayPal account or bank account."""

    token = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20)
    declines = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "orders_sandboxinstrument"  # created by orders' migrations, before this app existed

    def __str__(self) -> str:
        return self.token


class SandboxTransaction(models.Model):
    class Operation(models.TextChoices):
        CHARGE = "charge"
        REFUND = "refund"
        VERIFY = "verify"  # a zero-amount authorisation

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        DECLINED = "declined"
        CANCELLED = "cancelled"

    idempotency_key = models.CharField(max_length=64, unique=True)
    operation = models.CharField(max_length=10, choices=Operation)
    token = models.CharField(max_length=100)
    kind = models.CharField(max_length=20)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status)
    reference = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    settles_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "orders_sandboxtransaction"

    def __str__(self) -> str:
        return f"{self.operation} {self.amount} {self.currency} {self.status}"


class SandboxApproval(models.Model):
    """A payment waiting for the customer's approval on the sandbox's stand-in for PayPal's pages."""

    class State(models.TextChoices):
        CREATED = "created"
        APPROVED = "approved"
        CANCELLED = "cancelled"
        CAPTURED = "captured"

    token = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=20)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    reference = models.CharField(max_length=100, help_text="The merchant's own reference (our order).")
    return_url = models.CharField(max_length=500)
    cancel_url = models.CharField(max_length=500)
    state = models.CharField(max_length=10, choices=State, default=State.CREATED)
    payer_email = models.CharField(max_length=254, blank=True)
    instrument_token = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.token} {self.state}"
