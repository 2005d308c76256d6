"""The customer gives the IBAN a bank-transfer refund waits for; the refund then goes ahead on its own."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.errors import OrderError
from payments.iban import IBAN_INPUT_MAX_LENGTH

from ..models import OrderEvent, Refund
from ..selectors import account_order
from ..services.refund_destinations import refund_set_destination


class RefundIbanForm(forms.Form):
    iban = forms.CharField(
        label=gettext_lazy("IBAN of the account to refund"),
        max_length=IBAN_INPUT_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def refund_iban(request, order_id: int, refund_id: int):
    order = account_order(account=request.user, order_id=order_id, now=timezone.now())
    refund = get_object_or_404(Refund, pk=refund_id, order=order)
    if refund.status != Refund.Status.NEEDS_IBAN:
        messages.info(request, _("This refund is not waiting for an IBAN."))
        return redirect("orders:tracking", order_id=order.pk)
    form = RefundIbanForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                refund_set_destination(
                    refund_id=refund.pk,
                    iban=form.cleaned_data["iban"],
                    actor=request.user,
                    channel=OrderEvent.Channel.PANEL,
                )
            except OrderError as error:
                form.add_error("iban" if getattr(error, "field", "") == "iban" else None, str(error))
                status = 409 if not getattr(error, "field", "") else 400
            else:
                messages.success(request, _("Thank you: your refund is on its way to this account."))
                return redirect("orders:tracking", order_id=order.pk)
    return render(request, "orders/refund_iban.html", {"order": order, "refund": refund, "form": form}, status=status)
