"""The lifecycle emails of an order: one small function per email, called where the change happens.

Each call writes one outbox row in the caller's transaction (core.outbox.email_enqueue) under a
key that names the email and the order, so a retried task, a second sweep or a repeated request
never sends it twice; the worker sends it after commit, rendered in the order's language. The
context is plain JSON (texts, ISO dates, amounts as strings): templates under templates/emails/
format amounts and instants for the reader at sending time.
"""

from datetime import date

from babel.dates import format_date
from django.db.models import CharField, F, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Concat, JSONObject
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import to_locale

from accounts.models import LegalForm
from core.bulk_sql import DecimalText, IsoInstant
from core.models import OutboxEmail
from core.outbox import email_enqueue, emails_enqueue

from .legal import legal_text, legal_version
from .models import Invoice, Order, OrderKind, OrderStatus, Service
from .transfer_details import transfer_details


def _long_date(day: date, language: str) -> str:
    """A date in full in the email's language (dates carry no time zone, so they are formatted now)."""
    return format_date(day, "full", locale=to_locale(language or "en"))


# The order's pages in every email; a sweep reverses them once per batch (see _context_sql).
ORDER_PATHS = {"order_path": "orders:purchase_order", "tracking_path": "orders:tracking"}


def _context(order: Order) -> dict:
    """The order's part of every email; `_context_sql` is the same for a sweep's `INSERT … SELECT`."""
    return {
        "order_number": order.number,
        "name": order.billing.get("name", ""),
        "currency": order.currency,
        "total": str(order.total_gross),
        "time_zone": order.subsidiary.time_zone,
        **{name: reverse(url, args=[order.pk]) for name, url in ORDER_PATHS.items()},
    }


def _send(order: Order, key: str, template: str, **context) -> OutboxEmail | None:
    to = order.account.email
    if not to:
        return None
    return email_enqueue(
        key=key,
        template=template,
        to=to,
        language=order.language,
        context={**_context(order), **context},
        order_id=order.pk,
    )


def is_consumer_order(order: Order) -> bool:
    """The withdrawal information goes to consumers' new orders (design.md section 4: who)."""
    return order.kind == OrderKind.NEW and order.billing.get("legal_form") == LegalForm.INDIVIDUAL


def notify_order_placed(order: Order) -> OutboxEmail | None:
    """The purchase order, and for consumers the withdrawal information and the model withdrawal form."""
    context = {
        "expires_at": order.expires_at.isoformat(),
        "lines": [
            {"description": line.description, "quantity": line.quantity, "gross": str(line.gross_amount)}
            for line in order.lines.order_by("group", "kind")
        ],
        "pay_path": reverse("orders:pay", args=[order.pk]),
        "consumer": is_consumer_order(order),
    }
    if context["consumer"]:
        context |= {
            "withdrawal_information": legal_text("withdrawal_information", order.language, order.subsidiary),
            "withdrawal_form": legal_text("withdrawal_form", order.language, order.subsidiary),
            "scope": legal_text("scope", order.language),
            "legal_versions": {
                key: legal_version(key) for key in ("withdrawal_information", "withdrawal_form", "scope")
            },
        }
    return _send(order, f"order-placed:{order.pk}", "order_placed", **context)


def notify_payment_received(order: Order) -> OutboxEmail | None:
    return _send(
        order,
        f"payment-received:{order.pk}",
        "payment_received",
        paid_at=(order.paid_at or timezone.now()).isoformat(),
        in_review=order.status in {OrderStatus.CHECKING, OrderStatus.DOCUMENTS_REQUESTED},
    )


def notify_documents_requested(order: Order) -> OutboxEmail | None:
    """With the upload page's link; documents may be asked for again, so the key names the request."""
    return _send(
        order,
        f"documents-requested:{order.pk}:{order.version}",
        "documents_requested",
        documents_path=reverse("orders:documents", args=[order.pk]),
        due_on=_long_date(order.documents_due_on, order.language) if order.documents_due_on else "",
    )


def notify_order_validated(order: Order) -> OutboxEmail | None:
    return _send(order, f"order-validated:{order.pk}", "order_validated")


def notify_order_refused(order: Order, *, refund_amount=None) -> OutboxEmail | None:
    return _send(
        order,
        f"order-refused:{order.pk}",
        "order_refused",
        refund_amount=str(order.total_gross if refund_amount is None else refund_amount),
    )


def _delivered_services(order: Order) -> list[dict]:
    if order.kind == OrderKind.RENEWAL:
        services = Service.objects.filter(renewal_lines__order=order)
    else:
        services = Service.objects.filter(origin_line__order=order)
    return [
        {
            "name": service.name,
            "period_end": _long_date(service.period_end, order.language),
            "access": [{"label": key, "value": str(value)} for key, value in sorted(service.access_details.items())],
        }
        for service in services.distinct().order_by("name")
    ]


def notify_order_delivered(order: Order) -> OutboxEmail | None:
    """Delivered, with each service's access details."""
    return _send(order, f"order-delivered:{order.pk}", "order_delivered", services=_delivered_services(order))


def notify_expiry_reminder(order: Order) -> OutboxEmail | None:
    return _send(
        order,
        f"expiry-reminder:{order.pk}",
        "expiry_reminder",
        expires_at=order.expires_at.isoformat(),
        pay_path=reverse("orders:pay", args=[order.pk]),
    )


def notify_order_expired(order: Order) -> OutboxEmail | None:
    return _send(order, f"order-expired:{order.pk}", "order_expired", expires_at=order.expires_at.isoformat())


def _context_sql() -> dict:
    """`_context` as expressions over an order queryset; each page's path is reversed once, not per email."""
    number = Cast("pk", CharField())
    marker = "987654321"
    paths = {name: reverse(url, args=[marker]).split(marker, 1) for name, url in ORDER_PATHS.items()}
    return {
        "order_number": number,
        "name": Coalesce(KT("billing__name"), Value("")),
        "currency": F("currency"),
        "total": DecimalText("total_gross"),
        "time_zone": F("subsidiary__time_zone"),
        **{name: Concat(Value(before), number, Value(after)) for name, (before, after) in paths.items()},
    }


def notify_orders_expired(*, order_ids: list[int]) -> None:
    """The sweep's emails for a batch: notify_order_expired's rows, written by one `INSERT … SELECT`."""
    context = JSONObject(**_context_sql(), expires_at=IsoInstant("expires_at"))
    emails_enqueue(
        Order.objects.filter(pk__in=order_ids).exclude(account__email=""),
        email={
            "key": Concat(Value("order-expired:"), Cast("pk", CharField())),
            "order_id": "pk",
            "template": Value("order_expired"),
            "to": "account__email",
            "language": "language",
            "context": context,
        },
        keys=[f"order-expired:{pk}" for pk in order_ids],
    )


def notify_invoice_available(order: Order, invoice: Invoice) -> OutboxEmail | None:
    return _send(
        order,
        f"invoice-available:{order.pk}",
        "invoice_available",
        invoice_number=invoice.number,
        issued_at=invoice.issued_at.isoformat(),
        bill_path=reverse("orders:bill", args=[order.pk]),
        bill_pdf_path=reverse("orders:bill_pdf", args=[order.pk]),
    )


def notify_renewal_created(order: Order) -> OutboxEmail | None:
    """A renewal purchase order was created for a service whose period ends soon; once per renewal order."""
    services = Service.objects.filter(renewal_lines__order=order).distinct().order_by("name")
    return _send(
        order,
        f"renewal-created:{order.pk}",
        "renewal_created",
        expires_at=order.expires_at.isoformat(),
        pay_path=reverse("orders:pay", args=[order.pk]),
        services=[
            {"name": service.name, "period_end": _long_date(service.period_end, order.language)} for service in services
        ],
    )


def notify_transfer_instructions(order: Order, *, payment_id: int, now=None) -> OutboxEmail | None:
    """The customer chose to pay by transfer: where to send it, the reference, the amount and the date."""
    details = transfer_details(order, now=now)
    if details is None:
        return None
    return _send(
        order,
        f"transfer-instructions:{payment_id}",
        "transfer_instructions",
        **details.email_context(),
        arrive_by=_long_date(details.arrive_by, order.language),
        pay_path=reverse("orders:pay", args=[order.pk]),
    )


IBAN_NEEDED_TEMPLATE = "refund_iban_needed"


def iban_needed_key(refund) -> str:
    return f"refund-iban-needed:{refund.pk}"


def notify_refund_iban_needed(refund) -> OutboxEmail | None:
    """A refund to a transfer payer waits for the IBAN to send it to: a link to the page where they give it."""
    order = refund.order
    return _send(
        order,
        iban_needed_key(refund),
        IBAN_NEEDED_TEMPLATE,
        refund_amount=str(refund.amount),
        iban_path=reverse("orders:refund_iban", args=[order.pk, refund.pk]),
    )
