"""What a customer needs to pay an order by bank transfer: where to, under which reference, how much, by when.

One place decides when the instructions apply (bank transfer offered for the account's legal form, the order
unpaid and not expired) and what they say, for the purchase order, the pay page, tracking and the email.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from core.localtime import local_date
from payments.creditor_reference import creditor_reference, parse_creditor_reference
from payments.iban import grouped
from payments.kinds import PaymentKind

from .models import Order, OrderStatus, Payment, TransferReceipt

# The order number, zero-padded so that every reference has the same length on a bank statement.
REFERENCE_DIGITS = 8


def transfer_reference(order_id: int) -> str:
    """The order's ISO 11649 reference, derived from its number: unique, checksummed, nothing stored."""
    return creditor_reference(f"{order_id:0{REFERENCE_DIGITS}d}")


def order_id_from_reference(value) -> int | None:
    """The order a reference names (spaces and case ignored), or None if it is not one of ours."""
    part = parse_creditor_reference(value)
    if not (part and part.isdigit()) or part != f"{int(part):0{REFERENCE_DIGITS}d}":
        return None
    return int(part)


@dataclass(frozen=True)
class TransferDetails:
    holder: str
    bank_name: str
    iban: str  # grouped by four, or "" where the country uses an account number
    account_number: str
    bic: str
    reference: str  # grouped by four
    total: Decimal
    received: Decimal
    due: Decimal
    currency: str
    arrive_by: date  # the order's expiry, as a local date of its subsidiary

    def email_context(self) -> dict:
        """The same, as the plain JSON an outbox email carries (the date is formatted in the email's language)."""
        return {
            "holder": self.holder,
            "bank_name": self.bank_name,
            "iban": self.iban,
            "account_number": self.account_number,
            "bic": self.bic,
            "reference": self.reference,
            "due": str(self.due),
            "received": str(self.received),
        }


def transfer_received(order_id: int) -> Decimal:
    """What arrived so far towards the order's bank-transfer payment in progress."""
    receipts = TransferReceipt.objects.filter(order_id=order_id, payment__status=Payment.Status.PENDING)
    return receipts.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def _payable_by_transfer(order: Order, now: datetime) -> bool:
    """Unpaid, not past its expiry, and bank transfer offered for the account's legal form."""
    if order.status != OrderStatus.NOT_PAID or order.expires_at <= now:
        return False
    return PaymentKind.BANK_TRANSFER in order.subsidiary.payment_kinds_offered(order.account.legal_form)


def transfer_details(order: Order, *, now: datetime | None = None) -> TransferDetails | None:
    """The instructions while the order can still be paid by transfer, else None."""
    now = now or timezone.now()
    if not _payable_by_transfer(order, now):
        return None
    subsidiary = order.subsidiary
    received = transfer_received(order.pk)
    return TransferDetails(
        holder=subsidiary.bank_holder,
        bank_name=subsidiary.bank_name,
        iban=grouped(subsidiary.bank_iban),
        account_number=subsidiary.bank_account,
        bic=subsidiary.bank_bic,
        reference=grouped(transfer_reference(order.pk)),
        total=order.total_gross,
        received=received,
        due=max(order.total_gross - received, Decimal(0)),
        currency=order.currency,
        arrive_by=local_date(order.expires_at, subsidiary.time_zone),
    )


def awaited_transfer_details(order: Order, *, now: datetime | None = None) -> TransferDetails | None:
    """The instructions once the customer chose to pay by transfer, while the money is awaited (the payments are
    asked only while the order can still be paid by transfer)."""
    now = now or timezone.now()
    if not _payable_by_transfer(order, now):
        return None
    chosen = order.payments.filter(kind=PaymentKind.BANK_TRANSFER, status=Payment.Status.PENDING).exists()
    return transfer_details(order, now=now) if chosen else None
