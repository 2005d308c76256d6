"""Input of the ordering pages: what to add to the cart, and the consents given at checkout."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Subsidiary
from catalog.models import Family, Pricing

from ..services.carts import MAX_QUANTITY


class AddToCartForm(forms.Form):
    """A pricing of the account's own subsidiary (any other is refused as unknown) and a quantity; for a domain
    plan, the domain name chosen (orders.domains checks it when the item is added)."""

    pricing = forms.ModelChoiceField(
        queryset=Pricing.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose an offer to add to your cart."),
            "invalid_choice": _("This offer is not available in your subsidiary."),
        },
    )
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    domain = forms.CharField(required=False, max_length=300)

    def __init__(self, *args, subsidiary: Subsidiary, **kwargs):
        super().__init__(*args, **kwargs)
        # The service's wording, in the language of this request.
        out_of_range = gettext("The quantity must be a whole number from 1 to %(max)d.") % {"max": MAX_QUANTITY}
        self.fields["quantity"].error_messages.update(
            required=out_of_range, invalid=out_of_range, min_value=out_of_range, max_value=out_of_range
        )
        offers = Pricing.objects.filter(subsidiary=subsidiary, plan__active=True)
        self.fields["pricing"].queryset = offers.select_related("plan")

    def clean(self):
        cleaned = super().clean()
        pricing = cleaned.get("pricing")
        if pricing is not None and pricing.plan.family == Family.DOMAIN and not cleaned.get("domain", "").strip():
            self.add_error("domain", gettext("Choose a domain name and check that it is available first."))
        return cleaned


class CheckoutForm(forms.Form):
    """The consents of design.md §4. None is ticked in advance: a pre-ticked box is not consent.

    For a consumer ordering a domain name or an SSL certificate, the acknowledgement that the right
    of withdrawal is lost once it is delivered is required, and with it the express request it
    belongs to. Business accounts have no right of withdrawal, so they are asked for neither.
    """

    revision = forms.CharField(widget=forms.HiddenInput)
    express_request = forms.BooleanField(required=False)
    excludable_ack = forms.BooleanField(required=False)

    def __init__(self, *args, consumer: bool, excludable: bool, revision: str, labels: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.current_revision = revision
        self.excludable = consumer and excludable
        self.fields["express_request"].label = labels["express_request"]
        self.fields["excludable_ack"].label = labels["excludable_ack"]
        if not consumer:
            del self.fields["express_request"]
        if not self.excludable:
            del self.fields["excludable_ack"]

    def clean(self):
        data = super().clean()
        if data.get("revision") and data["revision"] != self.current_revision:
            raise forms.ValidationError(
                _("Your cart changed after this page was displayed. Check your order below and confirm it again."),
                code="stale",
            )
        if self.excludable:
            if not data.get("excludable_ack"):
                self.add_error(
                    "excludable_ack",
                    _("To order a domain name or an SSL certificate, tick this acknowledgement."),
                )
            if not data.get("express_request"):
                self.add_error(
                    "express_request",
                    _("Domain names and SSL certificates start at once: tick this request too."),
                )
        return data

    @property
    def express_requested(self) -> bool:
        return bool(self.cleaned_data.get("express_request"))
