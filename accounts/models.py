"""Customers, the subsidiaries they belong to, and the payment methods they saved."""

import secrets
import string

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from payments.iban import IBAN_MAX_LENGTH, normalise_iban
from payments.kinds import SAVED_KINDS, PaymentKind


class LegalForm(models.TextChoices):
    """OVHcloud's nichandle.LegalFormEnum."""

    INDIVIDUAL = "individual", _("Individual")
    PERSONAL_CORPORATION = "personalcorporation", _("Sole trader")
    CORPORATION = "corporation", _("Corporation")
    ASSOCIATION = "association", _("Association")
    ADMINISTRATION = "administration", _("Public administration")
    OTHER = "other", _("Other")


class Subsidiary(models.Model):
    """The provider's entity a customer contracts with: currency, clock, calendar, payment kinds."""

    code = models.CharField(max_length=4, primary_key=True)
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    time_zone = models.CharField(max_length=64)
    language = models.CharField(max_length=8)
    country = models.CharField(max_length=2, help_text=_("Country whose VAT and public holidays apply."))
    payment_kinds = models.JSONField(default=list, help_text=_("Payment kinds offered, before legal-form rules."))
    # The subsidiary as a legal seller, named on every document (design.md §2).
    legal_name = models.CharField(_("legal name"), max_length=200)
    address = models.TextField(_("registered address"), help_text=_("One line per address line."))
    vat_number = models.CharField(_("VAT number"), max_length=32, blank=True)
    registration = models.CharField(
        _("company registration"), max_length=200, blank=True, help_text=_("Register and number, e.g. RCS and SIREN.")
    )
    share_capital = models.CharField(_("share capital"), max_length=64, blank=True)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=32)
    bank_holder = models.CharField(_("account holder"), max_length=200)
    bank_name = models.CharField(_("bank"), max_length=200)
    bank_iban = models.CharField(_("IBAN"), max_length=IBAN_MAX_LENGTH, blank=True)
    bank_account = models.CharField(
        _("account number"), max_length=100, blank=True, help_text=_("Where the country uses no IBAN (CA, US).")
    )
    bank_bic = models.CharField(_("BIC / SWIFT"), max_length=11)

    class Meta:
        verbose_name = _("subsidiary")
        verbose_name_plural = _("subsidiaries")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def clean(self):
        """Transfers need somewhere to arrive: a valid IBAN, or a domestic account number where none is used."""
        if self.bank_iban:
            iban = normalise_iban(self.bank_iban)
            if iban is None:
                raise ValidationError({"bank_iban": _("This IBAN is not valid (ISO 13616 checksum).")})
            self.bank_iban = iban
        elif not self.bank_account.strip():
            raise ValidationError({"bank_iban": _("Give an IBAN, or an account number where the country uses none.")})

    def payment_kinds_offered(self, legal_form: str) -> list[str]:
        """Bank transfer is for businesses and bodies only, never individuals."""
        kinds = list(self.payment_kinds)
        if legal_form == LegalForm.INDIVIDUAL:
            kinds = [k for k in kinds if k != PaymentKind.BANK_TRANSFER]
        return kinds


def new_handle(first_name: str = "", last_name: str = "") -> str:
    """A customer handle in OVHcloud's style: two initials, five digits, `-ovh`."""
    initials = ((first_name[:1] or "x") + (last_name[:1] or "x")).lower()
    if not all(c in string.ascii_lowercase for c in initials):
        initials = "xx"
    return f"{initials}{secrets.randbelow(90000) + 10000}-ovh"


HANDLE_ATTEMPTS = 10


class User(AbstractUser):
    """A customer account or a staff member; billing details are copied onto each order."""

    handle = models.CharField(_("customer handle"), max_length=32, unique=True)
    legal_form = models.CharField(_("legal form"), max_length=24, choices=LegalForm, default=LegalForm.INDIVIDUAL)
    subsidiary = models.ForeignKey(Subsidiary, on_delete=models.PROTECT, related_name="accounts", default="FR")
    language = models.CharField(_("language"), max_length=8, default="en")
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email_confirmed = models.BooleanField(default=False)
    closed_at = models.DateTimeField(
        _("closed on"), null=True, blank=True, editable=False, help_text=_("Closed by the customer (privacy.closure).")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(legal_form__in=LegalForm.values), name="user_legal_form_valid"),
        ]

    def save(self, *args, **kwargs):
        if self.handle:
            return super().save(*args, **kwargs)
        # Handles are random: customers sharing initials share 90 000 numbers, so a new one may be taken.
        for attempt in range(HANDLE_ATTEMPTS):
            self.handle = new_handle(self.first_name, self.last_name)
            try:
                with transaction.atomic():
                    return super().save(*args, **kwargs)
            except IntegrityError:
                taken = User.objects.filter(handle=self.handle).exists()
                if not taken or attempt == HANDLE_ATTEMPTS - 1:  # another constraint (the username), or no luck
                    self.handle = ""
                    raise

    @property
    def is_consumer(self) -> bool:
        return self.legal_form == LegalForm.INDIVIDUAL

    def billing_snapshot(self) -> dict:
        """The billing details frozen onto an order at checkout."""
        return {
            "handle": self.handle,
            "name": self.get_full_name() or self.username,
            "organisation": self.organisation,
            "address": self.address,
            "city": self.city,
            "postcode": self.postcode,
            "country": self.country,
            "vat_number": self.vat_number,
            "legal_form": self.legal_form,
            "email": self.email,
        }


class PaymentMethod(models.Model):
    """A saved means of payment; the gateway holds the secret part behind `token`."""

    class Status(models.TextChoices):
        VALID = "VALID", _("Valid")
        EXPIRED = "EXPIRED", _("Expired")
        BLOCKED = "BLOCKED", _("Blocked")

    account = models.ForeignKey(User, on_delete=models.CASCADE, related_name="payment_methods")
    kind = models.CharField(max_length=20, choices=SAVED_KINDS)
    label = models.CharField(max_length=100, help_text=_("What the customer sees, e.g. 'Visa •••• 4242'."))
    token = models.CharField(max_length=100)
    expires_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.VALID)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=models.Q(is_default=True), name="one_default_payment_method"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def is_usable(self, today) -> bool:
        return self.status == self.Status.VALID and (self.expires_on is None or self.expires_on >= today)
