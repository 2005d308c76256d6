"""The customer's data as one machine-readable JSON document (GDPR articles 15 and 20).

A read: every query starts from the account, and their number does not grow with the number of
orders (prefetches). Secrets never leave: no gateway tokens, idempotency keys, API secrets,
consumer keys or validation tokens; payment methods are the masked labels the panel shows, and a
refund's IBAN keeps only its last four characters. Instants are ISO 8601 in UTC, days ISO dates,
money strings quantised to the currency's precision.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.utils import timezone

from accounts.models import User
from api.models import ApiApplication, ConsumerKey
from core.money import quantize
from orders import history
from orders.models import Order, OrderLine, Refund, Service, WithdrawalLine

SCHEMA = "controlpanel.customer-data"
SCHEMA_VERSION = 1


def _instant(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _money(amount: Decimal | None, currency: str) -> str | None:
    return None if amount is None else str(quantize(amount, currency))


def _masked(number: str) -> str:
    return f"•••• {number[-4:]}" if number else ""


def _account(account: User) -> dict:
    subsidiary = account.subsidiary
    return {
        "handle": account.handle,
        "username": account.username,
        "email": account.email,
        "email_confirmed": account.email_confirmed,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "legal_form": account.legal_form,
        "organisation": account.organisation,
        "address": account.address,
        "postcode": account.postcode,
        "city": account.city,
        "country": account.country,
        "vat_number": account.vat_number,
        "phone": account.phone,
        "language": account.language,
        "subsidiary": {"code": subsidiary.code, "name": subsidiary.name, "currency": subsidiary.currency},
        "date_joined": _instant(account.date_joined),
        "last_login": _instant(account.last_login),
    }


def _payment_methods(account: User) -> list[dict]:
    return [
        {
            "kind": method.kind,
            "label": method.label,
            "expires_on": _day(method.expires_on),
            "status": method.status,
            "is_default": method.is_default,
            "created_at": _instant(method.created_at),
        }
        for method in account.payment_methods.all()
    ]


def _line(line: OrderLine, currency: str) -> dict:
    return {
        "group": line.group,
        "kind": line.kind,
        "plan_code": line.plan.plan_code,
        "description": line.description,
        "duration": line.duration,
        "pricing_mode": line.pricing_mode,
        "configurations": line.configurations,
        "quantity": line.quantity,
        "unit_price": _money(line.unit_price, currency),
        "reduction": _money(line.reduction, currency),
        "net_total": _money(line.net_total, currency),
        "vat_rate": str(line.vat_rate),
        "vat_amount": _money(line.vat_amount, currency),
        "gross_amount": _money(line.gross_amount, currency),
        "period_start": _day(line.period_start),
        "period_end": _day(line.period_end),
        "delivered_at": _instant(line.delivered_at),
        "cancelled_at": _instant(line.cancelled_at),
    }


def _events(order: Order) -> list[dict]:
    """The history the tracking page shows: no staff identity, internal notes or risk rules."""
    return [
        {
            "at": _instant(event.created_at),
            "label": event.label,
            "text": str(history.LABEL_TEXTS.get(event.label, event.label)),
            "channel": event.channel,
        }
        for event in order.events.all()
    ]


def _payments(order: Order) -> list[dict]:
    return [
        {
            "kind": payment.kind,
            "amount": _money(payment.amount, payment.currency),
            "currency": payment.currency,
            "status": payment.status,
            "failure_reason": payment.failure_reason,
            "created_at": _instant(payment.created_at),
            "settled_at": _instant(payment.settled_at),
        }
        for payment in order.payments.all()
    ]


def _consents(order: Order) -> list[dict]:
    return [
        {
            "kind": consent.kind,
            "text_key": consent.text_key,
            "text_version": consent.text_version,
            "language": consent.language,
            "text": consent.text,
            "given_at": _instant(consent.given_at),
            "ip": consent.ip,
            "channel": consent.channel,
            "application_key": consent.application_key,
        }
        for consent in order.consents.all()
    ]


def _withdrawal(order: Order) -> dict | None:
    withdrawal = getattr(order, "withdrawal", None)
    if withdrawal is None:
        return None
    return {
        "requested_at": _instant(withdrawal.requested_at),
        "requested_on": _day(withdrawal.requested_on),
        "recorded_at": _instant(withdrawal.recorded_at),
        "channel": withdrawal.channel,
        "reason": withdrawal.reason,
        "comment": withdrawal.comment,
        "email": withdrawal.email,
        "refund_total": _money(withdrawal.refund_total, order.currency),
        "lines": [
            {
                "description": item.line.description,
                "amount": _money(item.amount, order.currency),
                "vat_amount": _money(item.vat_amount, order.currency),
            }
            for item in withdrawal.lines.all()
        ],
    }


def _refunds(order: Order) -> list[dict]:
    refunds = []
    for refund in order.refunds.all():
        note = getattr(refund, "credit_note", None)
        refunds.append(
            {
                "cause": refund.cause,
                "kind": refund.kind,
                "iban": _masked(refund.iban),
                "amount": _money(refund.amount, refund.currency),
                "vat_amount": _money(refund.vat_amount, refund.currency),
                "currency": refund.currency,
                "status": refund.status,
                "due_on": _day(refund.due_on),
                "created_at": _instant(refund.created_at),
                "paid_at": _instant(refund.paid_at),
                "credit_note": note
                and {
                    "number": note.number,
                    "issued_at": _instant(note.issued_at),
                    "amount": _money(note.amount, note.currency),
                    "vat_amount": _money(note.vat_amount, note.currency),
                    "currency": note.currency,
                },
            }
        )
    return refunds


def _invoice(order: Order) -> dict | None:
    invoice = getattr(order, "invoice", None)
    if invoice is None:
        return None
    return {
        "number": invoice.number,
        "issued_at": _instant(invoice.issued_at),
        "currency": invoice.currency,
        "total_net": _money(invoice.total_net, invoice.currency),
        "total_reduction": _money(invoice.total_reduction, invoice.currency),
        "total_vat": _money(invoice.total_vat, invoice.currency),
        "total_gross": _money(invoice.total_gross, invoice.currency),
        "reverse_charge": invoice.reverse_charge,
    }


def _documents(order: Order) -> list[dict]:
    """What was received; the files themselves are deleted 90 days after the validation decision."""
    return [
        {
            "original_name": document.original_name,
            "content_type": document.content_type,
            "size": document.size,
            "uploaded_at": _instant(document.uploaded_at),
            "deleted_at": _instant(document.deleted_at),
        }
        for document in order.supporting_documents.all()
    ]


def _orders(account: User) -> list[dict]:
    orders = (
        Order.objects.filter(account=account)
        .select_related("invoice", "withdrawal")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("plan").order_by("group", "kind")),
            "events",
            "payments",
            "consents",
            Prefetch("withdrawal__lines", queryset=WithdrawalLine.objects.select_related("line").order_by("pk")),
            Prefetch("refunds", queryset=Refund.objects.select_related("credit_note")),
            "supporting_documents",
        )
        .order_by("created_at", "id")
    )
    return [
        {
            "number": order.number,
            "kind": order.kind,
            "status": order.status,
            "cancel_reason": order.cancel_reason,
            "subsidiary": order.subsidiary_id,
            "created_at": _instant(order.created_at),
            "expires_at": _instant(order.expires_at),
            "paid_at": _instant(order.paid_at),
            "concluded_on": _day(order.concluded_on),
            "delivered_at": _instant(order.delivered_at),
            "language": order.language,
            "currency": order.currency,
            "billing": order.billing,
            "reverse_charge": order.reverse_charge,
            "total_net": _money(order.total_net, order.currency),
            "total_reduction": _money(order.total_reduction, order.currency),
            "total_vat": _money(order.total_vat, order.currency),
            "total_gross": _money(order.total_gross, order.currency),
            "withdrawal_information_given": order.withdrawal_info_given,
            "lines": [_line(line, order.currency) for line in order.lines.all()],
            "events": _events(order),
            "payments": _payments(order),
            "consents": _consents(order),
            "withdrawal": _withdrawal(order),
            "refunds": _refunds(order),
            "invoice": _invoice(order),
            "supporting_documents": _documents(order),
        }
        for order in orders
    ]


def _services(account: User) -> list[dict]:
    """Without access details: a real provisioner may put credentials there."""
    services = Service.objects.filter(account=account).select_related("plan", "origin_line").order_by("created_at")
    return [
        {
            "name": service.name,
            "plan_code": service.plan.plan_code,
            "order_number": str(service.origin_line.order_id),
            "period_start": _day(service.period_start),
            "period_end": _day(service.period_end),
            "renews": service.renews,
            "status": service.status,
            "created_at": _instant(service.created_at),
            "suspended_at": _instant(service.suspended_at),
            "deleted_at": _instant(service.deleted_at),
        }
        for service in services
    ]


def _api_applications(account: User) -> list[dict]:
    """Public application keys and metadata only: never the secret."""
    return [
        {
            "name": application.name,
            "description": application.description,
            "application_key": application.application_key,
            "created_at": _instant(application.created_at),
            "revoked_at": _instant(application.revoked_at),
        }
        for application in ApiApplication.objects.filter(account=account).order_by("created_at", "id")
    ]


def _consumer_keys(account: User, now: datetime) -> list[dict]:
    """Keys the customer validated or that were asked for their applications, without the key itself."""
    keys = (
        ConsumerKey.objects.filter(Q(account=account) | Q(application__account=account))
        .select_related("application")
        .order_by("created_at", "id")
    )
    return [
        {
            "application_key": key.application.application_key,
            "state": key.effective_state(now),
            "access_rules": key.access_rules,
            "allowed_ips": key.allowed_ips,
            "created_at": _instant(key.created_at),
            "validated_at": _instant(key.validated_at),
            "expires_at": _instant(key.expires_at),
            "last_used_at": _instant(key.last_used_at),
            "revoked_at": _instant(key.revoked_at),
        }
        for key in keys
    ]


def account_data_export(*, account: User, now: datetime | None = None) -> dict:
    """Everything the panel keeps about the account, as JSON-ready data (texts in the active language)."""
    now = now or timezone.now()
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "generated_at": _instant(now),
        "account": _account(account),
        "payment_methods": _payment_methods(account),
        "orders": _orders(account),
        "services": _services(account),
        "api_applications": _api_applications(account),
        "api_consumer_keys": _consumer_keys(account, now),
    }
