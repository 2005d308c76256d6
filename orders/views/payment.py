"""Paying a purchase order with a saved method, a new card or PayPal, and reordering an expired one.

The gateway is called outside any transaction (see orders.services.payments), hence
`non_atomic_requests`. Each pay form carries a one-time `payment_attempt` token kept in the session:
a second POST of the same form (double click, reload, back button) charges nothing.
"""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import PaymentMethod
from core.errors import Conflict, InvalidInput
from core.localtime import local_today
from payments.kinds import PaymentKind

from ..models import Order, OrderStatus, Payment
from ..selectors import account_order
from ..services import reorder
from ..services.payments import order_pay, order_pay_new_card
from ..services.paypal import order_paypal_cancelled, order_paypal_capture, order_paypal_start
from ..transfer_details import awaited_transfer_details

ATTEMPTS = "payment_attempts"  # session key: {token: order id}
MAX_ATTEMPTS = 20


def payment_blocker(order: Order) -> str:
    """Why the order cannot be paid now, or "" if it can; `order_pay` checks again when paying.

    Expects `order.is_expired` (orders.selectors.mark_expiry).
    """
    if order.is_expired:
        return _("This purchase order has expired. If you still want it, you will have to reorder.")
    if order.payments.filter(status__in=Payment.ACTIVE).exists():
        return _("A payment for this order is already in progress or received.")
    if order.status != OrderStatus.NOT_PAID:
        return _("This order is not awaiting payment.")
    return ""


class SavedMethodForm(forms.Form):
    """Any of the account's methods is accepted here, so that `order_pay` explains why one can't pay."""

    method = forms.ModelChoiceField(queryset=PaymentMethod.objects.none(), label=gettext_lazy("Payment method"))

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].queryset = account.payment_methods.all()


class CardNumberInput(forms.TextInput):
    """Never echoes a card number back into a page."""

    def format_value(self, value):
        return None


class CardForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Card number"),
        max_length=30,
        widget=CardNumberInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    exp_month = forms.IntegerField(
        label=gettext_lazy("Expiry month"),
        min_value=1,
        max_value=12,
        widget=forms.NumberInput(attrs={"autocomplete": "cc-exp-month", "placeholder": "MM"}),
    )
    exp_year = forms.IntegerField(
        label=gettext_lazy("Expiry year"),
        min_value=2000,
        max_value=2999,
        widget=forms.NumberInput(attrs={"autocomplete": "cc-exp-year", "placeholder": "YYYY"}),
    )
    make_default = forms.BooleanField(label=gettext_lazy("Make it my default payment method"), required=False)


def _new_attempt(request, order: Order) -> str:
    attempts = request.session.get(ATTEMPTS, {})
    token = str(uuid.uuid4())
    attempts[token] = order.pk
    request.session[ATTEMPTS] = dict(list(attempts.items())[-MAX_ATTEMPTS:])
    return token


def _consume_attempt(request, order: Order) -> bool:
    """True once per form; saved at once so that a concurrent re-POST already finds the token gone."""
    attempts = request.session.get(ATTEMPTS, {})
    owner = attempts.pop(request.POST.get("payment_attempt", ""), None)
    request.session[ATTEMPTS] = attempts
    request.session.save()
    return owner == order.pk


def _render(request, order: Order, *, error: str = "", card_form: CardForm | None = None, status: int = 200):
    account = request.user
    today = local_today(order.subsidiary.time_zone)
    offered = order.subsidiary.payment_kinds_offered(account.legal_form)
    usable, unusable = [], []
    for method in account.payment_methods.all():
        if method.kind not in offered:
            unusable.append((method, _("not offered for this order")))
        elif not method.is_usable(today):
            unusable.append((method, _("blocked") if method.status == method.Status.BLOCKED else _("expired")))
        else:
            usable.append(method)
    blocker = payment_blocker(order)
    context = {
        "order": order,
        "tz": order.subsidiary.time_zone,
        "blocker": blocker,
        "error": error,
        "usable": usable,
        "unusable": unusable,
        "selected": next((m.pk for m in usable if m.is_default), usable[0].pk if usable else None),
        "card_offered": PaymentKind.CARD in offered,
        "paypal_offered": PaymentKind.PAYPAL in offered,
        "card_form": card_form or CardForm(),
        "offered_kinds": [PaymentKind(kind).label for kind in offered],
        "attempt": "" if blocker else _new_attempt(request, order),
        "transfer": awaited_transfer_details(order),
    }
    return render(request, "orders/pay.html", context, status=status)


def _pay(request, order: Order):
    """Pays with a saved method or a new card (saved only once it paid); else (None, error, card form)."""
    account = request.user
    if request.POST.get("action") == "card":
        card_form = CardForm(request.POST)
        if not card_form.is_valid():
            return None, _("Check the card details below."), card_form
        data = card_form.cleaned_data
        details = {"number": data["number"], "exp_month": data["exp_month"], "exp_year": data["exp_year"]}
        try:
            payment = order_pay_new_card(
                order_id=order.pk, account=account, details=details, make_default=data["make_default"]
            )
        except InvalidInput as error:
            return None, str(error), card_form
        return payment, "", None
    form = SavedMethodForm(request.POST, account=account)
    if not form.is_valid():
        return None, _("Choose a payment method."), None
    return order_pay(order_id=order.pk, account=account, method=form.cleaned_data["method"]), "", None


def _paypal_redirect(request, order: Order):
    """Sends the customer to approve the payment at PayPal (the sandbox's page), who comes back to us."""
    back = {
        name: request.build_absolute_uri(reverse(f"orders:paypal_{name}", args=[order.pk]))
        for name in ("return", "cancel")
    }
    approval = order_paypal_start(
        order=order, account=request.user, return_url=back["return"], cancel_url=back["cancel"]
    )
    return redirect(approval.approve_url)


@login_required
@require_http_methods(["GET", "POST"])
@transaction.non_atomic_requests
def order_pay_view(request, order_id: int):
    order = account_order(account=request.user, order_id=order_id, now=timezone.now())
    if request.method != "POST":
        return _render(request, order)
    tracking = reverse("orders:tracking", args=[order.pk])
    if not _consume_attempt(request, order):
        if order.payments.filter(status__in=Payment.ACTIVE).exists():
            messages.info(request, _("A payment for this order is already in progress or received."))
            return redirect(tracking)
        messages.warning(request, _("This payment form had already been sent. Check the order, then pay again."))
        return redirect("orders:pay", order_id=order.pk)
    if blocker := payment_blocker(order):
        return _render(request, order, error=blocker, status=409)
    try:
        if request.POST.get("action") == "paypal":
            return _paypal_redirect(request, order)
        payment, error, card_form = _pay(request, order)
    except (InvalidInput, Conflict) as refusal:
        order = account_order(account=request.user, order_id=order.pk, now=timezone.now())
        return _render(request, order, error=str(refusal), status=409 if isinstance(refusal, Conflict) else 400)
    if payment is None:
        return _render(request, order, error=error, card_form=card_form, status=400)
    return _after_payment(request, order, payment)


def _after_payment(request, order: Order, payment: Payment):
    tracking = reverse("orders:tracking", args=[order.pk])
    if payment.status == Payment.Status.SUCCEEDED:
        messages.success(request, _("Payment received"))
        return redirect(tracking)
    if payment.status == Payment.Status.PENDING and payment.kind == PaymentKind.BANK_TRANSFER:
        messages.info(request, _("Transfer the amount below with its reference: the order goes ahead once it arrives."))
        return redirect("orders:pay", order_id=order.pk)
    if payment.status == Payment.Status.PENDING:
        messages.info(
            request, _("Your payment is being validated. The order will go ahead as soon as the funds are confirmed.")
        )
        return redirect(tracking)
    return _render(request, order, error=payment.failure_reason or _("The payment failed."))


@login_required
@require_GET
@transaction.non_atomic_requests
def paypal_return(request, order_id: int):
    """PayPal sends the payer back here once they approved: the payment is captured, once. Without a token
    there is nothing to capture: back to the pay page."""
    order = account_order(account=request.user, order_id=order_id, now=timezone.now())
    if "token" not in request.GET:
        return redirect("orders:pay", order_id=order.pk)
    try:
        payment = order_paypal_capture(order=order, account=request.user, token=request.GET["token"])
    except Conflict as refusal:
        if order.payments.filter(status__in=Payment.ACTIVE).exists():
            messages.info(request, str(refusal))
            return redirect("orders:tracking", order_id=order.pk)
        return _render(request, order, error=str(refusal), status=409)
    except InvalidInput as refusal:
        return _render(request, order, error=str(refusal), status=400)
    return _after_payment(request, order, payment)


@login_required
@require_GET
def paypal_cancel(request, order_id: int):
    """The payer cancelled at PayPal: back to the pay page, nothing charged."""
    order = account_order(account=request.user, order_id=order_id, now=timezone.now())
    if "token" not in request.GET:
        return redirect("orders:pay", order_id=order.pk)
    try:
        order_paypal_cancelled(order=order, account=request.user, token=request.GET["token"])
    except InvalidInput as refusal:
        return _render(request, order, error=str(refusal), status=400)
    messages.info(request, _("You cancelled the payment at PayPal: nothing was charged. You can pay again."))
    return redirect("orders:pay", order_id=order.pk)


@login_required
@require_POST
def order_reorder(request, order_id: int):
    order = account_order(account=request.user, order_id=order_id, now=timezone.now())
    back = request.POST.get("next", "")
    # A path of this site only: `redirect()` would take a bare word ("999", "dashboard", "a\x00b") for a view name.
    is_path = back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not is_path:
        back = reverse("orders:purchase_order", args=[order.pk])
    if not order.is_expired:
        messages.info(request, _("Only an expired purchase order can be reordered."))
        return redirect(back)
    try:
        result = reorder.order_reorder(order=order, account=request.user)
    except (InvalidInput, Conflict) as refusal:
        messages.error(request, str(refusal))
        return redirect(back)
    messages.success(
        request,
        _("A new cart was created with the products of order %(number)s, at today's prices.")
        % {"number": order.number},
    )
    for description in result.skipped:
        messages.warning(request, _("“%(product)s” is no longer sold and was left out.") % {"product": description})
    return redirect("ordering:cart")
