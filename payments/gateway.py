"""The payment gateway interface: the sandbox and any real provider implement it alike.

Orders only ever talk to `get_gateway()`, so swapping the sandbox for a provider is a setting.
"""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

DEFAULT_GATEWAY = "payments.sandbox.SandboxGateway"

ResultStatus = Literal["succeeded", "pending", "declined", "cancelled"]


class GatewayError(Exception):
    """Invalid input (unknown token, bad card number, invalid IBAN…); its message is customer-readable."""


@dataclass(frozen=True)
class Registration:
    """A saved means of payment: the provider keeps the secret, we keep the token and a label."""

    token: str
    label: str
    expires_on: date | None


@dataclass(frozen=True)
class GatewayResult:
    """The provider's answer; `settles_at` is when funds are (or were) confirmed, None if unknown."""

    status: ResultStatus
    reference: str
    message: str = ""
    settles_at: datetime | None = None


class PaymentGateway(Protocol):
    """Every money movement carries an idempotency key, so a retry after a crash never pays twice."""

    display_name: str

    def register(self, *, kind: str, details: dict) -> Registration: ...

    def charge(self, *, token: str, amount: Decimal, currency: str, idempotency_key: str) -> GatewayResult: ...

    def refund(
        self,
        *,
        token: str,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        charge_reference: str | None = None,
        iban: str | None = None,
    ) -> GatewayResult: ...

    def cancel(self, *, idempotency_key: str) -> GatewayResult: ...

    def lookup(self, *, idempotency_key: str) -> GatewayResult | None: ...


def ensure_outside_transaction() -> None:
    """A rollback cannot undo a provider's call, so a call inside a transaction would leave no trace."""
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("Payment gateway called inside a database transaction; call it outside any atomic block.")


def get_gateway() -> PaymentGateway:
    return import_string(getattr(settings, "PAYMENT_GATEWAY", DEFAULT_GATEWAY))()
