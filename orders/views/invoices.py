"""The bill of an order and its credit notes, in HTML and PDF, each from one template (like the purchase order).

Only the order's owner reads them (staff too, with the admin's view permission for invoices, or credit notes,
and the second factor: orders.views.access); another customer's, or one
that does not exist yet, is a 404. The PDFs are kept by orders.pdf_cache, rendered without the request so
that nothing of it (CSP nonce, CSRF token) reaches them or their cache key.
"""

from datetime import date
from decimal import Decimal

from babel import Locale
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.translation import get_language, to_locale
from django.views.decorators.http import require_safe

from core.money import format_rate

from ..documents import seller_context
from ..legal import legal_text
from ..models import CreditNote, Invoice, Order, Payment, Refund
from .access import readable_order
from .page_cache import document_download

INVOICE_TEMPLATE = "orders/invoice.html"
CREDIT_NOTE_TEMPLATE = "orders/credit_note.html"


def _locale() -> str:
    return to_locale(get_language() or "en")


def _country_name(country: str) -> str:
    return Locale.parse(_locale()).territories.get(country, country)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _invoice_context(order: Order, invoice: Invoice, *, pdf: bool) -> dict:
    locale = _locale()
    payment = order.payments.filter(status=Payment.Status.SUCCEEDED).order_by("pk").first()
    return {
        "order": order,
        "invoice": invoice,
        "pdf": pdf,
        "tz": order.subsidiary.time_zone,
        **seller_context(
            seller=invoice.seller,  # as issued
            billing=invoice.billing,
            reverse_charge=invoice.reverse_charge,
            vat=invoice.total_vat,
            invoice=True,
        ),
        "billing": invoice.billing,
        "billing_country": _country_name(invoice.billing.get("country", "")),
        "lines": [
            {
                **line,
                "vat_percent": format_rate(Decimal(line["vat_rate"]), locale),
                "period_start": _day(line.get("period_start")),
                "period_end": _day(line.get("period_end")),
            }
            for line in invoice.lines
        ],
        "payment": payment,
        "credit_notes": CreditNote.objects.filter(invoice=invoice).order_by("issued_at", "pk"),
    }


def _invoice(request, order_id: int) -> tuple[Order, Invoice]:
    order = readable_order(request, order_id, permission="orders.view_invoice")
    return order, get_object_or_404(Invoice, order=order)


@require_safe
@login_required
def invoice_view(request, order_id: int):
    order, invoice = _invoice(request, order_id)
    return render(request, INVOICE_TEMPLATE, _invoice_context(order, invoice, pdf=False))


@require_safe
@login_required
def invoice_pdf(request, order_id: int):
    order, invoice = _invoice(request, order_id)
    return document_download(
        order,
        kind="invoice",
        object_id=invoice.pk,
        number=invoice.number,
        html=lambda: render_to_string(INVOICE_TEMPLATE, _invoice_context(order, invoice, pdf=True)),
    )


def _credit_line_description(line: dict, refund: Refund) -> str:
    """A withdrawn line's description, else (a refund without a withdrawal has one line, its cause) the cause
    in the reader's language, whatever words an older note stored."""
    return line["description"] if refund.withdrawal_id else str(refund.get_cause_display())


def _credit_note_context(order: Order, note: CreditNote, *, pdf: bool) -> dict:
    refund = note.refund
    lines = []
    for line in note.lines:
        amount, vat = Decimal(line["amount"]), Decimal(line["vat_amount"])
        description = _credit_line_description(line, refund)
        lines.append({"description": description, "amount": amount, "vat": vat, "net": amount - vat})
    statement = note.kind == CreditNote.Kind.REFUND_STATEMENT
    context = seller_context(
        seller=note.seller,  # as issued
        billing=order.billing,
        reverse_charge=order.reverse_charge,
        vat=note.vat_amount,
        invoice=False,
    )
    if statement:
        context["mentions"].insert(0, legal_text("mention_refund_statement", get_language() or "en"))
    return {
        "order": order,
        "note": note,
        "statement": statement,
        "refund": refund,
        "invoice": note.invoice,  # the one it corrects; a refund statement corrects none
        "pdf": pdf,
        "tz": order.subsidiary.time_zone,
        **context,
        "billing": order.billing,
        "billing_country": _country_name(order.billing.get("country", "")),
        "lines": lines,
        "net": note.amount - note.vat_amount,
    }


def _credit_note(request, order_id: int, note_id: int) -> tuple[Order, CreditNote]:
    order = readable_order(request, order_id, permission="orders.view_creditnote")
    note = get_object_or_404(CreditNote.objects.select_related("refund", "invoice"), pk=note_id, refund__order=order)
    return order, note


@require_safe
@login_required
def credit_note_view(request, order_id: int, note_id: int):
    order, note = _credit_note(request, order_id, note_id)
    return render(request, CREDIT_NOTE_TEMPLATE, _credit_note_context(order, note, pdf=False))


@require_safe
@login_required
def credit_note_pdf(request, order_id: int, note_id: int):
    order, note = _credit_note(request, order_id, note_id)
    return document_download(
        order,
        kind="credit-note",
        object_id=note.pk,
        number=note.number,
        html=lambda: render_to_string(CREDIT_NOTE_TEMPLATE, _credit_note_context(order, note, pdf=True)),
    )
