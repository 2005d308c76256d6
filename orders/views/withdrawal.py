"""The withdrawal function (art. 11a): the confirmation step, with or without a session.

Logged-in customers reach it from the order's pages; anyone else gives an order number and its email
and receives a link to the same form. The page says which rule blocks an ineligible order, shows per
line what would happen, and changes nothing until the box is ticked (the service checks it too).
Once the withdrawal is recorded, the same address shows what was received.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.client_ip import evidence_ip
from core.errors import Conflict, InvalidInput
from core.localtime import local_date
from orders.forms.withdrawal import WithdrawalForm, WithdrawalLinkForm
from orders.legal import legal_text
from orders.models import Order, Payment, Refund, Withdrawal
from orders.selectors import account_order, order_or_404, prefetch_for_withdrawal
from orders.services import withdrawals
from orders.services.consents import Evidence
from orders.services.refunds import REFUND_DUE_DAYS
from orders.services.withdrawal_links import withdrawal_link_order_id, withdrawal_link_send
from orders.withdrawal import withdrawal_eligibility

from .list_query import back_query
from .tracking import long_date


@login_required
@require_http_methods(["GET", "POST"])
def order_withdraw(request, order_id: int):
    order = account_order(account=request.user, order_id=order_id, now=timezone.now())
    back = back_query(request)
    return _withdrawal_page(
        request,
        order,
        channel=Withdrawal.Channel.PANEL,
        actor=request.user,
        here=reverse("orders:withdraw", args=[order.pk]) + back.back_param,
        back_url=back.url(),
    )


@require_http_methods(["GET", "POST"])
def withdraw_by_link(request, token: str):
    order_id = withdrawal_link_order_id(token)
    if order_id is None:
        return render(request, "orders/withdraw_link_invalid.html", status=400)
    order = order_or_404(Order.objects.select_related("subsidiary", "account"), order_id=order_id, now=timezone.now())
    return _withdrawal_page(
        request,
        order,
        channel=Withdrawal.Channel.LINK,
        actor=None,
        here=reverse("orders:withdraw_link", args=[token]),
        back_url="",
    )


def _withdrawal_page(request, order: Order, *, channel: str, actor, here: str, back_url: str):
    recorded = Withdrawal.objects.filter(order=order).prefetch_related("lines__line").first()
    if recorded:
        context = {
            "order": order,
            "withdrawal": recorded,
            "back_url": back_url,
            "refund": Refund.objects.filter(withdrawal=recorded).first(),
        }
        return render(request, "orders/withdrawn.html", context)
    now = timezone.now()
    prefetch_for_withdrawal([order])
    eligibility = withdrawal_eligibility(order, now=now)
    payment = order.payments.filter(status=Payment.Status.SUCCEEDED).select_related("method").first()
    form = WithdrawalForm(
        request.POST if request.method == "POST" else None, needs_iban=bool(payment and payment.kind == "bankTransfer")
    )
    if request.method == "POST" and eligibility.eligible and form.is_valid():
        try:
            withdrawals.order_withdraw(
                order_id=order.pk,
                request=form.withdrawal_request(),
                channel=channel,
                evidence=Evidence(channel=channel, ip=evidence_ip(request), actor=actor),
            )
        except InvalidInput as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        except Conflict as error:
            messages.error(request, str(error))
            return redirect(here)
        else:
            messages.success(request, _("Your withdrawal has been recorded."))
            return redirect(here)
    language = get_language() or "en"
    context = {
        "order": order,
        "eligibility": eligibility,
        "form": form,
        "action": here,
        "back_url": back_url,
        "payment": payment,
        "refund_due_on": local_date(now, order.subsidiary.time_zone) + timedelta(days=REFUND_DUE_DAYS),
        "deadline_day": long_date(eligibility.deadline) if eligibility.eligible else "",
        "confirm_label": legal_text("label_confirm_withdrawal", language),
        "checkbox_label": legal_text("label_checkbox", language),
        **{
            key: legal_text(key, language, order.subsidiary)
            for key in ("withdrawal_information", "withdrawal_form", "refund_terms", "scope")
        },
    }
    status = 400 if form.errors else 200
    return render(request, "orders/withdraw.html", context, status=status)


@require_http_methods(["GET", "POST"])
def withdraw_start(request):
    """Without a session: order number + email → a one-time link by email, whatever the answer.

    The reply never says whether the order exists, so the form tells nobody anything about others' orders.
    """
    form = WithdrawalLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        order = (
            Order.objects.select_related("account")
            .filter(pk=form.cleaned_data["order"], account__email__iexact=form.cleaned_data["email"])
            .first()
        )
        if order is not None:
            withdrawal_link_send(order=order)
        messages.success(
            request,
            _(
                "If this order exists and the email address is the one of its account, "
                "we have sent a link to withdraw from it. The link is valid for 24 hours."
            ),
        )
        return redirect("orders:withdraw_start")
    context = {
        "form": form,
        "orders_url": reverse("orders:list"),
        "withdraw_label": legal_text("label_withdraw_button", get_language() or "en"),
    }
    return render(request, "orders/withdraw_start.html", context, status=400 if form.errors else 200)
