"""The purchase order, in HTML and PDF from one template (guide callouts 1–4: dates, billing, payment methods)."""

from babel import Locale
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, to_locale
from django.views.decorators.http import require_safe

from core.localtime import local_today
from core.money import format_rate
from payments.kinds import PaymentKind

from ..documents import seller_context, seller_details
from ..legal import legal_text
from ..models import Order, OrderStatus
from ..selectors import order_lines, payment_methods
from ..transfer_details import transfer_details
from ..withdrawal import withdrawal_eligibility
from .access import readable_order
from .page_cache import cached_order_page, document_download
from .payment import payment_blocker

TEMPLATE = "orders/purchase_order.html"
PERMISSION = "orders.view_order"  # staff read anyone's purchase order with the admin's permission for orders


def _context(request, order: Order, *, pdf: bool, lines: list | None = None) -> dict:
    """`lines`: the order's lines when the caller read them already (orders.selectors.order_lines)."""
    locale = to_locale(get_language() or "en")
    account = order.account
    today = local_today(order.subsidiary.time_zone)
    country = order.billing.get("country", "")
    return {
        "order": order,
        "pdf": pdf,
        "tz": order.subsidiary.time_zone,
        **seller_context(
            seller=seller_details(order.subsidiary),
            billing=order.billing,
            reverse_charge=order.reverse_charge,
            vat=order.total_vat,
            invoice=False,
        ),
        "billing": order.billing,
        "billing_country": Locale.parse(locale).territories.get(country, country),
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "reduction": line.reduction,
                "net": line.net_total,
                "vat_percent": format_rate(line.vat_rate, locale),
                "vat": line.vat_amount,
                "gross": line.gross_amount,
                "period_start": line.period_start,
                "period_end": line.period_end,
                "months": line.months,
            }
            for line in (order_lines(order) if lines is None else lines)
        ],
        "saved_methods": [(method, method.is_usable(today)) for method in payment_methods(account)],
        "offered_kinds": [
            PaymentKind(kind).label for kind in order.subsidiary.payment_kinds_offered(account.legal_form)
        ],
        # Staff may read anyone's purchase order, but only its owner pays or reorders it (buttons of the page only).
        "is_owner": order.account_id == request.user.pk,
        # Only an unpaid order may be payable: `payment_blocker`'s question about its payments is not asked of others.
        "payable": not pdf
        and order.account_id == request.user.pk
        and order.status == OrderStatus.NOT_PAID
        and not payment_blocker(order),
        "transfer": transfer_details(order),
    }


@require_safe
@login_required
def purchase_order(request, order_id: int):
    return cached_order_page(
        request,
        page="purchase_order",
        order_id=order_id,
        render=lambda extra: _purchase_order_page(request, order_id, extra),
    )


def _purchase_order_page(request, order_id: int, extra_context: dict):
    order = readable_order(request, order_id, permission=PERMISSION)
    now = timezone.now()
    lines = order_lines(order)
    context = _context(request, order, pdf=False, lines=lines)
    # Only its owner withdraws.
    if order.account_id == request.user.pk:
        eligibility = withdrawal_eligibility(order, now=now, lines=lines, consents=order.consents_given)
        if eligibility.eligible:
            context["withdraw_label"] = legal_text("label_withdraw_button", get_language() or "en")
    return render(request, TEMPLATE, context | extra_context)


@require_safe
@login_required
def purchase_order_pdf(request, order_id: int):
    order = readable_order(request, order_id, permission=PERMISSION)
    # Rendered without the request: nothing of it (CSP nonce, CSRF token) can reach the PDF.
    return document_download(
        order,
        kind="purchase-order",
        object_id=order.pk,
        number=order.number,
        html=lambda: render_to_string(TEMPLATE, _context(request, order, pdf=True)),
    )
