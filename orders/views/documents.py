"""The purchase order, in HTML and PDF from one template (guide callouts 1–4: dates, billing, payment methods)."""

from babel import Locale
from babel.numbers import format_percent
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, to_locale

from accounts.models import PaymentKind

from ..legal import legal_text, trader_identity
from ..localtime import local_today
from ..models import Order
from ..pdf import render_pdf
from ..selectors import account_order, prefetch_for_withdrawal, with_expiry
from ..withdrawal import withdrawal_eligibility
from .payment import payment_blocker

TEMPLATE = "orders/purchase_order.html"


def _viewable_order(request, order_id: int) -> Order:
    """The customer's own order; staff with the view permission may open anyone's. Otherwise 404."""
    now = timezone.now()
    user = request.user
    if user.is_staff and user.has_perm("orders.view_order"):
        orders = with_expiry(Order.objects.select_related("subsidiary", "account"), now)
        return get_object_or_404(orders, pk=order_id)
    order = account_order(account=user, order_id=order_id, now=now)
    order.account = user
    return order


def _context(request, order: Order, *, pdf: bool) -> dict:
    locale = to_locale(get_language() or "en")
    account = order.account
    today = local_today(order.subsidiary.time_zone)
    country = order.billing.get("country", "")
    return {
        "order": order,
        "pdf": pdf,
        "tz": order.subsidiary.time_zone,
        "trader": trader_identity(),
        "billing": order.billing,
        "billing_country": Locale.parse(locale).territories.get(country, country),
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "reduction": line.reduction,
                "net": line.net_total,
                "vat_percent": format_percent(line.vat_rate, locale=locale, decimal_quantization=False),
                "vat": line.vat_amount,
                "gross": line.gross_amount,
            }
            for line in order.lines.all()
        ],
        "saved_methods": [(method, method.is_usable(today)) for method in account.payment_methods.all()],
        "offered_kinds": [
            PaymentKind(kind).label for kind in order.subsidiary.payment_kinds_offered(account.legal_form)
        ],
        # Staff may read anyone's purchase order, but only its owner pays or reorders it.
        "is_owner": order.account_id == request.user.pk,
        "payable": order.account_id == request.user.pk and not payment_blocker(order),
    }


@login_required
def purchase_order(request, order_id: int):
    order = _viewable_order(request, order_id)
    context = _context(request, order, pdf=False)
    if context["is_owner"] and order.paid_at:  # only paid orders can be withdrawn
        prefetch_for_withdrawal([order])
        if withdrawal_eligibility(order, now=timezone.now()).eligible:
            context["withdraw_label"] = legal_text("label_withdraw_button", get_language() or "en")
    return render(request, TEMPLATE, context)


@login_required
def purchase_order_pdf(request, order_id: int):
    order = _viewable_order(request, order_id)
    html = render_to_string(TEMPLATE, _context(request, order, pdf=True), request=request)
    response = HttpResponse(render_pdf(html=html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="purchase-order-{order.number}.pdf"'
    return response
