"""The built-in sandbox gateway: test cards, SEPA debits, PayPal and bank transfers, no real money.

Its ledger (SandboxInstrument, SandboxTransaction) lives in the `sandbox` database, as a provider's
books live outside ours; nothing else reads or writes it.
"""

import calendar
import secrets
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connections, router, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.raw_sql import columns, first

from .gateway import (
    Approval,
    ApprovalState,
    GatewayError,
    GatewayResult,
    PaymentGateway,
    Registration,
    ensure_outside_transaction,
)
from .iban import normalise_iban
from .kinds import PaymentKind
from .models import SandboxApproval, SandboxInstrument
from .models import SandboxTransaction as Tx

# Test cards that register fine but decline every charge, with the reason the customer is given.
DECLINING_CARDS = {"4000000000000002": "cardDeclined", "4000000000009995": "insufficientFunds"}
DECLINE_MESSAGES = {"cardDeclined": _("Your card was declined."), "insufficientFunds": _("Insufficient funds.")}
# How long the customer has to approve a payment on the sandbox's PayPal page, as PayPal's own links.
APPROVAL_VALIDITY = timedelta(hours=3)


class SandboxGateway(PaymentGateway):
    """Simulates a provider end to end so that every payment path can be exercised without money."""

    display_name = _("Sandbox (test payments, no real money)")

    def register(self, *, kind: str, details: dict) -> Registration:
        label, expires_on, decline_code = _describe(kind=kind, details=details)
        # The decline reason rides in the token, as with a provider's test tokens: the ledger has no column for it.
        token = random_token("_".join(filter(None, ["sandbox", kind, decline_code])))
        with transaction.atomic(using=_ledger()):
            SandboxInstrument.objects.create(token=token, kind=kind, declines=decline_code is not None)
        return Registration(token=token, label=label, expires_on=expires_on)

    def charge(self, *, token: str, amount: Decimal, currency: str, idempotency_key: str) -> GatewayResult:
        ensure_outside_transaction()
        _check_money(amount=amount, currency=currency)
        instrument = _instrument(token)
        now = timezone.now()
        status, settles_at = _charge_outcome(instrument=instrument, now=now)
        return _record(
            idempotency_key=idempotency_key,
            operation=Tx.Operation.CHARGE,
            token=token,
            kind=instrument.kind,
            amount=amount,
            currency=currency,
            status=status,
            created_at=now,
            settles_at=settles_at,
        )

    def verify(self, *, token: str, currency: str, idempotency_key: str) -> GatewayResult:
        """Declines exactly as a charge would, without moving money."""
        ensure_outside_transaction()
        _check_currency(currency)
        instrument = _instrument(token)
        return _record(
            idempotency_key=idempotency_key,
            operation=Tx.Operation.VERIFY,
            token=token,
            kind=instrument.kind,
            amount=Decimal(0),
            currency=currency,
            status=Tx.Status.DECLINED if instrument.declines else Tx.Status.SUCCEEDED,
            created_at=timezone.now(),
        )

    def approval_create(
        self, *, kind: str, amount: Decimal, currency: str, reference: str, return_url: str, cancel_url: str
    ) -> Approval:
        ensure_outside_transaction()
        _check_money(amount=amount, currency=currency)
        if kind != PaymentKind.PAYPAL:
            raise GatewayError(gettext("This payment method is not supported."))
        now = timezone.now()
        approval = SandboxApproval.objects.create(
            token=random_token("sandbox_ap"),
            kind=kind,
            amount=amount,
            currency=currency,
            reference=reference,
            return_url=return_url,
            cancel_url=cancel_url,
            created_at=now,
            expires_at=now + APPROVAL_VALIDITY,
        )
        return Approval(token=approval.token, approve_url=reverse("sandbox_paypal", args=[approval.token]))

    def approval_get(self, *, token: str) -> ApprovalState | None:
        approval = _approval(token)
        if approval is None:
            return None
        payer = None
        if approval.instrument_token:
            payer = Registration(
                token=approval.instrument_token, label=f"PayPal {approval.payer_email}", expires_on=None
            )
        return ApprovalState(
            status=_approval_status(approval),
            amount=approval.amount,
            currency=approval.currency,
            reference=approval.reference,
            payer=payer,
        )

    def approval_capture(self, *, token: str, idempotency_key: str) -> GatewayResult:
        ensure_outside_transaction()
        approval = _approval(token)
        if approval is None:
            raise GatewayError(gettext("This PayPal payment is unknown."))
        if Tx.objects.filter(idempotency_key=idempotency_key, token=approval.instrument_token).exists():
            return self.lookup(idempotency_key=idempotency_key)
        if _approval_status(approval) != SandboxApproval.State.APPROVED or not SandboxApproval.objects.filter(
            pk=approval.pk, state=SandboxApproval.State.APPROVED
        ).update(state=SandboxApproval.State.CAPTURED):
            raise GatewayError(gettext("This PayPal payment is not approved, or was already captured."))
        now = timezone.now()
        return _record(
            idempotency_key=idempotency_key,
            operation=Tx.Operation.CHARGE,
            token=approval.instrument_token,
            kind=approval.kind,
            amount=approval.amount,
            currency=approval.currency,
            status=Tx.Status.SUCCEEDED,
            created_at=now,
            settles_at=now,
        )

    def approval_decide(self, *, token: str, approve: bool, payer_email: str = "") -> str:
        """The customer's choice on the sandbox's PayPal page; returns where PayPal sends them back.

        Approving again after an approval sends them back again: the return URL captures only once.
        """
        approval = _approval(token)
        status = approval and _approval_status(approval)
        if status in {SandboxApproval.State.APPROVED, SandboxApproval.State.CAPTURED} and approve:
            return f"{approval.return_url}?token={token}"
        if status != SandboxApproval.State.CREATED:
            raise GatewayError(gettext("This PayPal payment can no longer be approved or cancelled."))
        if not approve:
            SandboxApproval.objects.filter(pk=approval.pk, state=status).update(state=SandboxApproval.State.CANCELLED)
            return f"{approval.cancel_url}?token={token}"
        label, _expires_on, _declines = _describe(kind=PaymentKind.PAYPAL, details={"email": payer_email})
        instrument = random_token("sandbox_paypal")
        SandboxInstrument.objects.create(token=instrument, kind=PaymentKind.PAYPAL)
        SandboxApproval.objects.filter(pk=approval.pk, state=status).update(
            state=SandboxApproval.State.APPROVED,
            payer_email=label.removeprefix("PayPal "),
            instrument_token=instrument,
        )
        return f"{approval.return_url}?token={token}"

    def approval_page(self, *, token: str) -> SandboxApproval | None:
        """What the sandbox's PayPal page shows."""
        approval = _approval(token)
        if approval is not None:
            approval.status = _approval_status(approval)
        return approval

    def refund(
        self,
        *,
        token: str,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        charge_reference: str | None = None,
        iban: str | None = None,
    ) -> GatewayResult:
        ensure_outside_transaction()
        _check_money(amount=amount, currency=currency)
        if charge_reference is not None:
            # The charge names its instrument (token) and the instrument's kind: nothing else is read.
            kind = _refundable_charge(charge_reference=charge_reference, token=token, amount=amount, currency=currency)
        else:
            kind = _instrument(token).kind
        # Back through the means that paid: an IBAN is read for a bank transfer only, a card (SEPA, PayPal…) is
        # refunded to itself whatever IBAN comes with it.
        if kind != PaymentKind.BANK_TRANSFER:
            iban = None
        elif iban is None:
            raise GatewayError(gettext("A bank transfer refund needs the customer's IBAN."))
        else:
            _normalise_iban(iban)
        now = timezone.now()
        return _record(
            idempotency_key=idempotency_key,
            operation=Tx.Operation.REFUND,
            token=token,
            kind=kind,
            amount=amount,
            currency=currency,
            status=Tx.Status.SUCCEEDED,
            created_at=now,
            settles_at=now,
        )

    def cancel(self, *, idempotency_key: str) -> GatewayResult:
        """Stops a pending charge; anything already settled or declined is returned unchanged.

        A key never seen gets a cancelled record, so that a charge arriving late under it can never succeed.
        """
        ensure_outside_transaction()
        if not Tx.objects.filter(idempotency_key=idempotency_key).exists():
            return _record(
                idempotency_key=idempotency_key,
                operation=Tx.Operation.CHARGE,
                token="",
                kind="",
                amount=Decimal(0),
                currency="",
                status=Tx.Status.CANCELLED,
                created_at=timezone.now(),
            )
        tx = _settle_if_due(_transaction(idempotency_key))
        return _result(_move_pending(tx, status=Tx.Status.CANCELLED, settles_at=None))

    def lookup(self, *, idempotency_key: str) -> GatewayResult | None:
        """Also settles a SEPA debit whose date has come, as a provider would have meanwhile."""
        tx = Tx.objects.filter(idempotency_key=idempotency_key).first()
        return None if tx is None else _result(_settle_if_due(tx))

    def mark_transfer_received(self, *, idempotency_key: str, amount: Decimal | None = None) -> GatewayResult:
        """Finance saw the transfer on the bank statement: the sandbox's stand-in for the bank.

        A payer sends what they choose: `amount` is what arrived (the amount asked for by default)."""
        ensure_outside_transaction()
        tx = _transaction(idempotency_key)
        if tx.operation != Tx.Operation.CHARGE or tx.kind != PaymentKind.BANK_TRANSFER:
            raise GatewayError(gettext("Only a bank transfer payment can be marked as received."))
        if amount is not None:
            _check_money(amount=amount, currency=tx.currency)
        received = tx.amount if amount is None else amount
        return _result(_move_pending(tx, status=Tx.Status.SUCCEEDED, settles_at=timezone.now(), amount=received))


def random_token(prefix: str) -> str:
    """A provider-style token: the prefix, then 24 random hex digits."""
    return f"{prefix}_{secrets.token_hex(12)}"


def _approval(token: str) -> SandboxApproval | None:
    """The approval of a token; None for any text that cannot be one (a NUL byte would fail in PostgreSQL)."""
    if not (0 < len(token) <= 64 and token.isascii() and token.isprintable()):
        return None
    return SandboxApproval.objects.filter(token=token).first()


def _approval_status(approval: SandboxApproval) -> str:
    """An approval nobody captured expires; a captured or cancelled one stays as it is."""
    open_states = {SandboxApproval.State.CREATED, SandboxApproval.State.APPROVED}
    if approval.state in open_states and approval.expires_at <= timezone.now():
        return "expired"
    return approval.state


def _ledger() -> str:
    return router.db_for_write(Tx)


def _describe(*, kind: str, details: dict) -> tuple[str, date | None, str | None]:
    """Label, expiry and decline code of a means of payment, or GatewayError if it is invalid."""
    if kind == PaymentKind.CARD:
        number = _card_number(details.get("number"))
        return f"{_card_brand(number)} •••• {number[-4:]}", _card_expiry(details), DECLINING_CARDS.get(number)
    if kind == PaymentKind.SEPA:
        iban = _normalise_iban(details.get("iban"))
        return f"SEPA {iban[:4]} •••• {iban[-4:]}", None, None
    if kind == PaymentKind.PAYPAL:
        email = str(details.get("email", "")).strip()
        try:
            validate_email(email)
        except ValidationError:
            raise GatewayError(gettext("Enter a valid PayPal email address.")) from None
        return f"PayPal {email}", None, None
    if kind == PaymentKind.BANK_TRANSFER:
        return gettext("Bank transfer"), None, None
    raise GatewayError(gettext("This payment method is not supported."))


def _card_number(value) -> str:
    number = "".join(str(value or "").split()).replace("-", "")
    if not (number.isascii() and number.isdigit() and 12 <= len(number) <= 19 and _luhn_valid(number)):
        raise GatewayError(gettext("This card number is not valid."))
    return number


def _luhn_valid(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def _card_brand(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"34", "37"}:
        return "American Express"
    if 51 <= int(number[:2]) <= 55 or 2221 <= int(number[:4]) <= 2720:
        return "Mastercard"
    return gettext("Card")


def _card_expiry(details: dict) -> date:
    """The last day of the expiry month, when the card stops working."""
    try:
        month, year = int(details["exp_month"]), int(details["exp_year"])
    except (KeyError, TypeError, ValueError):
        raise GatewayError(gettext("Enter the card's expiry month and year.")) from None
    year += 2000 if year < 100 else 0
    if not 1 <= month <= 12:
        raise GatewayError(gettext("Enter the card's expiry month and year."))
    today = timezone.localdate()
    if (year, month) < (today.year, today.month):
        raise GatewayError(gettext("This card has expired."))
    return date(year, month, calendar.monthrange(year, month)[1])


def _normalise_iban(value) -> str:
    iban = normalise_iban(value)
    if iban is None:
        raise GatewayError(gettext("This IBAN is not valid."))
    return iban


def _check_money(*, amount: Decimal, currency: str) -> None:
    if not isinstance(amount, Decimal):
        raise TypeError("Amounts are Decimals, never floats.")
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.001")):
        raise GatewayError(gettext("The amount must be positive, with at most three decimal places."))
    _check_currency(currency)


def _check_currency(currency: str) -> None:
    if not (len(currency) == 3 and currency.isascii() and currency.isalpha() and currency.isupper()):
        raise GatewayError(gettext("The currency must be an ISO 4217 code."))


def _instrument(token: str) -> SandboxInstrument:
    instrument = SandboxInstrument.objects.filter(token=token).first()
    if instrument is None:
        raise GatewayError(gettext("This payment method is unknown to the sandbox."))
    return instrument


def _transaction(idempotency_key: str) -> Tx:
    tx = Tx.objects.filter(idempotency_key=idempotency_key).first()
    if tx is None:
        raise GatewayError(gettext("The sandbox has no payment with this idempotency key."))
    return tx


def _charge_outcome(*, instrument: SandboxInstrument, now: datetime) -> tuple[str, datetime | None]:
    """A card or PayPal answers at once; a SEPA debit settles days later; a transfer when finance sees it."""
    if instrument.kind == PaymentKind.SEPA:
        return Tx.Status.PENDING, now + timedelta(days=settings.SANDBOX_SEPA_SETTLE_DAYS)
    if instrument.kind == PaymentKind.BANK_TRANSFER:
        return Tx.Status.PENDING, None
    if instrument.declines:
        return Tx.Status.DECLINED, None
    return Tx.Status.SUCCEEDED, now


CHARGE_SQL = f"SELECT {columns(Tx)} FROM {Tx._meta.db_table} WHERE reference = %s AND operation = %s AND token = %s"


def _refundable_charge(*, charge_reference: str, token: str, amount: Decimal, currency: str) -> str:
    """The kind of the settled charge this refund fits, or GatewayError."""
    charge = first(Tx, CHARGE_SQL, [charge_reference, Tx.Operation.CHARGE, token])
    if charge is None:
        raise GatewayError(gettext("The sandbox has no charge with this reference for this payment method."))
    if _settle_if_due(charge).status != Tx.Status.SUCCEEDED:
        raise GatewayError(gettext("Only a settled charge can be refunded."))
    if charge.currency != currency or amount > charge.amount:
        raise GatewayError(gettext("A refund cannot exceed the charge."))
    return charge.kind


def _record(*, idempotency_key: str, operation: str, **fields) -> GatewayResult:
    """Writes the operation once; a repeated key gets the recorded transaction back, never a second one."""
    prefix = {Tx.Operation.CHARGE: "sandbox_ch", Tx.Operation.REFUND: "sandbox_re"}.get(operation, "sandbox_ve")
    ledger = _ledger()
    try:
        # One INSERT is its own transaction; inside a caller's (a test's), a savepoint keeps that one usable.
        with transaction.atomic(using=ledger) if connections[ledger].in_atomic_block else nullcontext():
            tx = Tx.objects.create(
                idempotency_key=idempotency_key, operation=operation, reference=random_token(prefix), **fields
            )
    except IntegrityError:
        tx = Tx.objects.filter(idempotency_key=idempotency_key).first()
        if tx is None:
            raise
        request = (operation, fields["token"], fields["amount"], fields["currency"])
        if (tx.operation, tx.token, tx.amount, tx.currency) != request:
            raise GatewayError(gettext("This idempotency key was already used for a different payment.")) from None
    return _result(_settle_if_due(tx))


def _settle_if_due(tx: Tx) -> Tx:
    if tx.status == Tx.Status.PENDING and tx.settles_at is not None and tx.settles_at <= timezone.now():
        return _move_pending(tx, status=Tx.Status.SUCCEEDED)
    return tx


def _move_pending(tx: Tx, *, status: str, **changes) -> Tx:
    """A conditional update, so that two concurrent callers cannot both move the same pending payment."""
    Tx.objects.filter(pk=tx.pk, status=Tx.Status.PENDING).update(status=status, **changes)
    tx.refresh_from_db()
    return tx


def _result(tx: Tx) -> GatewayResult:
    message = ""
    if tx.status == Tx.Status.DECLINED:
        message = DECLINE_MESSAGES[tx.token.split("_")[2]]
    return GatewayResult(status=str(tx.status), reference=tx.reference, message=message, settles_at=tx.settles_at)
