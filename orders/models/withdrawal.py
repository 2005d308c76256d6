"""Withdrawals, the refunds they (and refusals, and late payments) cause, and credit notes.

Exactly once is enforced by the database: one withdrawal per order, one refund per withdrawal, one
refund per refusal and per late payment, one credit note per refund, gapless numbers per subsidiary.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import MONEY
from payments.iban import IBAN_MAX_LENGTH, masked_iban
from payments.kinds import PaymentKind


class RetractionReason(models.TextChoices):
    """OVHcloud's billing.order.RetractionReasonEnum."""

    COMPETITOR = "competitor", _("I found a better offer elsewhere")
    DIFFICULTY = "difficulty", _("The service is too difficult to use")
    EXPENSIVE = "expensive", _("The service is too expensive")
    PERFORMANCE = "performance", _("The performance does not meet my needs")
    RELIABILITY = "reliability", _("The service is not reliable enough")
    UNUSED = "unused", _("I no longer need the service")
    OTHER = "other", _("Other reason")


class Withdrawal(models.Model):
    class Channel(models.TextChoices):
        PANEL = "panel", _("Control panel")
        LINK = "link", _("One-time link by email")
        API = "api", _("API")
        STAFF = "staff", _("Recorded by staff (email or letter)")

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="withdrawal")
    requested_at = models.DateTimeField(help_text=_("When it was sent (by email or letter: the date it was sent)."))
    requested_on = models.DateField(help_text=_("Local date of the request; days used count up to it."))
    recorded_at = models.DateTimeField(auto_now_add=True)
    channel = models.CharField(max_length=10, choices=Channel)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.CharField(max_length=20, choices=RetractionReason, blank=True)
    comment = models.TextField(blank=True, max_length=2000)
    email = models.EmailField(help_text=_("Where the acknowledgement was sent."))
    refund_total = models.DecimalField(**MONEY)

    def __str__(self) -> str:
        return f"{self.order_id} {self.requested_on}"


class WithdrawalLine(models.Model):
    """A withdrawn line and its amount, frozen at the request."""

    withdrawal = models.ForeignKey(Withdrawal, on_delete=models.CASCADE, related_name="lines")
    line = models.OneToOneField("orders.OrderLine", on_delete=models.PROTECT, related_name="withdrawal_line")
    amount = models.DecimalField(**MONEY)
    vat_amount = models.DecimalField(**MONEY)

    def __str__(self) -> str:
        return f"{self.line_id} {self.amount}"


class Refund(models.Model):
    class Cause(models.TextChoices):
        WITHDRAWAL = "withdrawal", _("Withdrawal")
        REFUSAL = "refusal", _("Refused at validation")
        LATE_PAYMENT = "late_payment", _("Payment received for a cancelled order")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="refunds")
    cause = models.CharField(max_length=15, choices=Cause)
    withdrawal = models.OneToOneField(Withdrawal, null=True, blank=True, on_delete=models.PROTECT)
    payment = models.ForeignKey("orders.Payment", on_delete=models.PROTECT, related_name="refunds")
    kind = models.CharField(max_length=20, choices=PaymentKind)
    iban = models.CharField(max_length=IBAN_MAX_LENGTH, blank=True, help_text=_("Where a bank-transfer refund goes."))
    amount = models.DecimalField(**MONEY)
    vat_amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    due_on = models.DateField()
    idempotency_key = models.CharField(max_length=64, unique=True)
    gateway_reference = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    late_flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(cause="refusal"), name="one_refund_per_refusal"
            ),
            models.UniqueConstraint(
                fields=["payment"], condition=models.Q(cause="late_payment"), name="one_refund_per_late_payment"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.amount} {self.currency} {self.status}"


class RefundDestinationChange(models.Model):
    """Finance's change of a bank-transfer refund's IBAN, on the customer's written request; a second finance
    person approves it (four eyes) before the refund's IBAN changes."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")

    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="destination_changes")
    iban = models.CharField(max_length=IBAN_MAX_LENGTH)
    customer_request = models.CharField(
        max_length=500, help_text=_("The customer's written request: its reference, date and channel.")
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["refund"], condition=models.Q(status="pending"), name="one_pending_destination_change"
            ),
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True) | ~models.Q(approved_by=models.F("requested_by")),
                name="destination_change_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.refund_id} {masked_iban(self.iban)} {self.status}"


class DocumentSequence(models.Model):
    """The last number given per subsidiary and kind; taken under a row lock, so numbers have no gaps."""

    subsidiary = models.ForeignKey("accounts.Subsidiary", on_delete=models.PROTECT)
    kind = models.CharField(max_length=12)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subsidiary", "kind"], name="one_sequence_per_kind")]

    def __str__(self) -> str:
        return f"{self.subsidiary_id} {self.kind} {self.last_number}"


class CreditNote(models.Model):
    """Issued when a refund is paid; immutable, with each line's amount and VAT part."""

    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, related_name="credit_note")
    subsidiary = models.ForeignKey("accounts.Subsidiary", on_delete=models.PROTECT)
    number = models.CharField(max_length=32)
    issued_at = models.DateTimeField()
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY)
    vat_amount = models.DecimalField(**MONEY)
    lines = models.JSONField(help_text=_("description, amount, VAT part per refunded line"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subsidiary", "number"], name="credit_note_number_unique")]

    def __str__(self) -> str:
        return self.number
