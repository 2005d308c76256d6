"""Withdrawal forms: staff recording one received by email or letter, the customer's confirmation step, and
the request for a one-time link."""

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.localtime import zone
from payments.iban import IBAN_INPUT_MAX_LENGTH

from ..models import Order, RetractionReason, Withdrawal
from ..services.consents import Evidence
from ..services.withdrawals import MAX_COMMENT, WithdrawalRequest, order_withdraw


class StaffWithdrawalForm(forms.Form):
    """A withdrawal received by email or letter, recorded with the date the customer sent it."""

    order = forms.IntegerField(label=_("Order number"), min_value=1)
    date_sent = forms.DateField(
        label=_("Date sent (postmark or email date)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *RetractionReason.choices], required=False)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea, required=False, max_length=MAX_COMMENT)
    iban = forms.CharField(
        label=_("IBAN for the refund (bank-transfer payments only)"), required=False, max_length=IBAN_INPUT_MAX_LENGTH
    )

    def clean_order(self) -> Order:
        order = Order.objects.select_related("subsidiary").filter(pk=self.cleaned_data["order"]).first()
        if order is None:
            raise forms.ValidationError(_("No order has this number."))
        return order

    def record(self, *, staff) -> Withdrawal:
        order, day = self.cleaned_data["order"], self.cleaned_data["date_sent"]
        tz, now = zone(order.subsidiary.time_zone), timezone.now()
        # Noon local time on the day it was sent (the deadline is the end of a local day); a letter dated today
        # and recorded in the morning was sent by now, not at a noon still to come.
        sent = datetime.combine(day, time(12), tz)
        if day == now.astimezone(tz).date():
            sent = min(sent, now)
        return order_withdraw(
            order_id=order.pk,
            request=WithdrawalRequest(
                confirmed=True,
                reason=self.cleaned_data["reason"],
                comment=self.cleaned_data["comment"],
                iban=self.cleaned_data["iban"],
            ),
            evidence=Evidence(channel="staff", actor=staff),
            channel=Withdrawal.Channel.STAFF,
            requested_at=sent,
        )


class WithdrawalForm(forms.Form):
    """The confirmation step of the withdrawal function; the service checks the box again."""

    reason = forms.ChoiceField(
        label=_("Reason (optional)"),
        choices=[("", _("I prefer not to say")), *RetractionReason.choices],
        required=False,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=MAX_COMMENT
    )
    iban = forms.CharField(label=_("IBAN of the account to refund"), required=False, max_length=IBAN_INPUT_MAX_LENGTH)
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, needs_iban: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_iban:
            del self.fields["iban"]

    def withdrawal_request(self) -> WithdrawalRequest:
        data = self.cleaned_data
        return WithdrawalRequest(
            confirmed=data["confirm"], reason=data["reason"], comment=data["comment"], iban=data.get("iban", "")
        )


class WithdrawalLinkForm(forms.Form):
    """Withdrawing without a session: the order number and the email address of its account."""

    order = forms.IntegerField(label=_("Order number"), min_value=1)
    email = forms.EmailField(label=_("Email address of the account"))
