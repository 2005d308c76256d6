"""Forms of the account pages: sign-up, log-in, billing details, adding a payment method.

They check input and show errors; the business rules themselves live in accounts/services.py.
"""

from babel import Locale
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.utils import timezone
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

from payments.iban import IBAN_INPUT_MAX_LENGTH
from payments.kinds import PaymentKind

from .models import Subsidiary, User
from .services import COUNTRY_CODES, BillingDetails, billing_errors

BILLING_FIELDS = ["first_name", "last_name", "organisation", "address", "postcode", "city", "country", "vat_number"]


def country_choices() -> list[tuple[str, str]]:
    """ISO 3166 countries named and sorted in the reader's language (evaluated per form, not at import)."""
    names = Locale.parse(to_locale(get_language() or "en")).territories
    return [("", _("Choose a country")), *sorted(((c, names.get(c, c)) for c in COUNTRY_CODES), key=lambda x: x[1])]


class BillingFormMixin:
    """Shared widgets and the billing rules of accounts.services, shown next to the field they concern."""

    def setup_billing_fields(self) -> None:
        fields = self.fields
        fields["first_name"].required = True
        fields["last_name"].required = True
        fields["address"].required = True
        fields["city"].required = True
        fields["country"] = forms.ChoiceField(label=_("Country"), choices=country_choices)
        fields["organisation"].help_text = _("Required for companies, associations and administrations.")
        fields["vat_number"].help_text = _(
            "Businesses and organisations only, with the country prefix (e.g. FR12345678901). "
            "We check its format, not its registration."
        )
        fields["postcode"].help_text = _("If your country uses them.")
        autocomplete = {
            "first_name": "given-name",
            "last_name": "family-name",
            "organisation": "organization",
            "address": "street-address",
            "postcode": "postal-code",
            "city": "address-level2",
            "country": "country",
            "phone": "tel",
        }
        for name, token in autocomplete.items():
            if name in fields:
                fields[name].widget.attrs["autocomplete"] = token

    def billing_details(self) -> BillingDetails:
        data = self.cleaned_data
        return BillingDetails(**{name: data.get(name, "") for name in BillingDetails.__dataclass_fields__})

    def check_billing(self, legal_form: str) -> None:
        data = self.cleaned_data
        if "vat_number" in data:
            data["vat_number"] = "".join(data["vat_number"].split()).upper()
        for field, message in billing_errors(legal_form=legal_form, details=self.billing_details()).items():
            if field not in self.errors:  # a field that failed already shows its own error
                self.add_error(field, message)


class SignupForm(BillingFormMixin, UserCreationForm):
    """Django's user-creation form (password validators, entered twice) plus the customer's details."""

    subsidiary = forms.ModelChoiceField(
        label=_("Subsidiary"),
        queryset=Subsidiary.objects.all(),
        empty_label=_("Choose a subsidiary"),
        help_text=_(
            "It sets your currency, prices, VAT and the payment methods offered. "
            "Changing it later is a matter for our support team."
        ),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email", *BILLING_FIELDS[:2], "legal_form", "subsidiary", "language", *BILLING_FIELDS[2:]]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["legal_form"].help_text = _("Individuals are consumers; everyone else is a business or body.")
        self.fields["subsidiary"].label_from_instance = lambda s: f"{s.name} ({s.currency})"
        self.fields["language"].initial = (get_language() or "en")[:2]
        self.setup_billing_fields()

    def clean_email(self):
        """No check that the address is free: sign-up answers the same either way (services.account_create)."""
        return self.cleaned_data["email"].strip()

    def clean(self):
        cleaned = super().clean()
        if "legal_form" in cleaned:
            self.check_billing(cleaned["legal_form"])
        return cleaned


class BillingForm(BillingFormMixin, forms.ModelForm):
    """The account's billing details; legal form and subsidiary are not editable here."""

    class Meta:
        model = User
        fields = [*BILLING_FIELDS, "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_billing_fields()

    def clean(self):
        cleaned = super().clean()
        self.check_billing(self.instance.legal_form)
        return cleaned


class LoginForm(AuthenticationForm):
    """Django's log-in form that also turns away customers who have not confirmed their email address."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "email_unconfirmed": _(
            "Confirm your email address first: follow the link in the email we sent you when you signed up."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.email_confirmed and not user.is_staff:  # staff accounts are created by administrators
            raise forms.ValidationError(self.error_messages["email_unconfirmed"], code="email_unconfirmed")


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class CardNumberInput(forms.TextInput):
    """A card number is never sent back to the browser, even when the form has errors."""

    def format_value(self, value):
        return None


def _year_choices() -> list[tuple[int, int]]:
    this_year = timezone.localdate().year
    return [(year, year) for year in range(this_year, this_year + 16)]


class PaymentMethodForm(forms.Form):
    """One form for every kind; only the chosen kind's fields are read (CSS hides the others where it can)."""

    kind = forms.ChoiceField(label=_("Payment method"), widget=forms.RadioSelect)
    number = forms.CharField(
        label=_("Card number"),
        required=False,
        max_length=30,
        widget=CardNumberInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
        help_text=_("Sandbox: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined when charged."),
    )
    exp_month = forms.TypedChoiceField(
        label=_("Expiry month"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—")] + [(m, f"{m:02d}") for m in range(1, 13)],
        widget=forms.Select(attrs={"autocomplete": "cc-exp-month"}),
    )
    exp_year = forms.TypedChoiceField(
        label=_("Expiry year"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=lambda: [("", "—"), *_year_choices()],
        widget=forms.Select(attrs={"autocomplete": "cc-exp-year"}),
    )
    iban = forms.CharField(
        label=_("IBAN"),
        required=False,
        max_length=IBAN_INPUT_MAX_LENGTH,
        help_text=_("Sandbox: FR76 3000 6000 0112 3456 7890 189"),
    )
    paypal_email = forms.EmailField(label=_("PayPal email address"), required=False)
    make_default = forms.BooleanField(label=_("Make it my default payment method"), required=False)

    # Which fields each kind needs, and the gateway's name for them.
    KIND_FIELDS = {
        PaymentKind.CARD: {"number": "number", "exp_month": "exp_month", "exp_year": "exp_year"},
        PaymentKind.SEPA: {"iban": "iban"},
        PaymentKind.PAYPAL: {"paypal_email": "email"},
        PaymentKind.BANK_TRANSFER: {},
    }

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, PaymentKind(k).label) for k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]

    def clean(self):
        cleaned = super().clean()
        for field in self.KIND_FIELDS.get(cleaned.get("kind"), {}):
            if cleaned.get(field) in (None, "") and field not in self.errors:
                self.add_error(field, forms.Field.default_error_messages["required"])
        return cleaned

    def details(self) -> dict:
        """What the gateway's `register` needs for the chosen kind."""
        fields = self.KIND_FIELDS[self.cleaned_data["kind"]]
        return {gateway_name: self.cleaned_data[field] for field, gateway_name in fields.items()}
