"""The sandbox's stand-in for PayPal's approval page, served by our app and named as the sandbox: a real
provider serves its own. The customer approves (as a PayPal payer, by email) or cancels, and is sent back
to the return or cancel URL the merchant gave when it created the approval."""

from django import forms
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from .gateway import GatewayError, get_gateway
from .sandbox import SandboxGateway


class PayerForm(forms.Form):
    email = forms.EmailField(label=_("PayPal email address"), initial="buyer@example.com")


@require_http_methods(["GET", "POST"])
def sandbox_paypal(request, token: str):
    gateway = get_gateway()
    approval = gateway.approval_page(token=token) if isinstance(gateway, SandboxGateway) else None
    if approval is None:
        raise Http404
    form = PayerForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        approve = request.POST.get("action") == "approve"
        if not approve or form.is_valid():
            try:
                email = form.cleaned_data["email"] if approve else ""
                return HttpResponseRedirect(gateway.approval_decide(token=token, approve=approve, payer_email=email))
            except GatewayError as refusal:
                error, status = str(refusal), 409
        else:
            status = 400
        approval = gateway.approval_page(token=token)
    return render(
        request, "payments/sandbox_paypal.html", {"approval": approval, "form": form, "error": error}, status=status
    )
