"""Writes on accounts: sign-up and email confirmation, billing details, language, payment methods.

One function per action with keyword-only arguments; views stay thin callers. Errors are
core.errors.InvalidInput / Conflict, whose message is shown to the customer and changes nothing.
"""

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from babel import Locale
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput
from core.localtime import local_today
from core.outbox import email_enqueue
from core.page_versions import account_pages_changed
from core.vat import vat_number_is_well_formed
from payments.gateway import GatewayError, Registration, get_gateway
from payments.kinds import PaymentKind

from .models import LegalForm, PaymentMethod, Subsidiary, User
from .tokens import CONFIRMATION_VALIDITY, make_confirmation_token, read_confirmation_token

# --- Billing details ----------------------------------------------------------------------------

# ISO 3166-1 alpha-2: Babel's two-letter territories minus CLDR's non-ISO ones (EU, XK, ZZ…).
_NOT_ISO_3166 = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}


def _country_codes() -> frozenset[str]:
    return frozenset(c for c in Locale("en").territories if len(c) == 2 and c.isalpha() and c not in _NOT_ISO_3166)


COUNTRY_CODES = _country_codes()


@dataclass(frozen=True)
class BillingDetails:
    """What the account keeps for its next purchase orders; each order freezes its own copy at checkout."""

    first_name: str
    last_name: str
    organisation: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    vat_number: str = ""
    phone: str = ""


def billing_errors(*, legal_form: str, details: BillingDetails) -> dict[str, str]:
    """The business rules on billing details, field by field; the forms show them, the services enforce them."""
    errors = {}
    if details.country not in COUNTRY_CODES:
        errors["country"] = _("Choose a country from the list.")
    if legal_form == LegalForm.INDIVIDUAL:
        if details.vat_number:
            errors["vat_number"] = _("Only businesses and organisations give a VAT number.")
    else:
        if not details.organisation.strip():
            errors["organisation"] = _("Enter the name of your company or organisation.")
        if details.vat_number and not vat_number_is_well_formed(details.vat_number):
            errors["vat_number"] = _("Enter a VAT number with its country prefix, e.g. FR12345678901.")
    return errors


def _check_billing(*, legal_form: str, details: BillingDetails) -> None:
    for field, message in billing_errors(legal_form=legal_form, details=details).items():
        raise InvalidInput(message, field=field)


def billing_details_update(*, account: User, details: BillingDetails) -> User:
    """Changes the account only: orders already placed keep the billing snapshot taken at their checkout."""
    _check_billing(legal_form=account.legal_form, details=details)
    for field, value in asdict(details).items():
        setattr(account, field, value)
    with transaction.atomic():
        account.save(update_fields=list(asdict(details)))
        account_pages_changed(account_ids=[account.pk])
    return account


# --- Sign-up and email confirmation -------------------------------------------------------------


def account_create(
    *,
    username: str,
    email: str,
    password: str,
    legal_form: str,
    subsidiary: Subsidiary,
    language: str,
    billing: BillingDetails,
    site_url: str,
) -> User | None:
    """A new customer, active but unable to log in until the email address is confirmed: the confirmation
    link goes out by email once the account is committed.

    An address that already has an account (in any case) creates nothing and returns None, and the caller
    answers exactly as for a new account: what happened is said by email to that address only (a new
    confirmation link if the account is unconfirmed, else `signup_attempt_notify`). The password is hashed
    all the same, so that both answers take the same time. Sign-up thus never tells whether an address has
    an account, as the withdrawal and new-link forms never do.

    A taken *username* is still refused: the customer chose it and must pick another, and it tells nothing
    worth hiding. It is a login name, not the public identifier (that is the handle, design.md), and
    guessing passwords for it is what the login lockout is for.
    """
    if legal_form not in LegalForm.values:
        raise InvalidInput(_("Choose a legal form from the list."), field="legal_form")
    _check_language(language)
    _check_billing(legal_form=legal_form, details=billing)
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(_("This username is already taken."), field="username")
    holders = list(User.objects.filter(email__iexact=email))
    if holders:
        make_password(password)  # the time a new account's hash takes, so the answer's timing tells nothing
        for holder in holders:
            if not holder.is_active:
                continue  # deactivated by staff: nothing to offer (a closed account keeps no address)
            if holder.email_confirmed:
                signup_attempt_notify(account=holder, site_url=site_url)
            else:
                email_confirmation_send(account=holder, site_url=site_url)
        return None
    try:
        with transaction.atomic():
            account = User.objects.create_user(
                username=username,
                email=email,
                password=password,
                legal_form=legal_form,
                subsidiary=subsidiary,
                language=language,
                email_confirmed=False,
                **asdict(billing),
            )
            email_confirmation_send(account=account, site_url=site_url)
            return account
    except IntegrityError:
        raise InvalidInput(_("This username is already taken."), field="username") from None


def signup_attempt_notify(*, account: User, site_url: str, now: datetime | None = None) -> None:
    """Tells the owner of a confirmed account that someone tried to sign up with its address, with the
    login and password-reset links; at most one such email per account and clock hour (the outbox key)."""
    now = now or timezone.now()
    base = site_url.rstrip("/")
    email_enqueue(
        key=f"signup-attempt:{account.pk}:{now.astimezone(UTC):%Y-%m-%dT%H}",
        template="accounts/signup_attempt",
        to=account.email,
        language=account.language,
        context={
            "account": {"first_name": account.first_name, "handle": account.handle, "language": account.language},
            "login_link": base + reverse("login"),
            "password_reset_link": base + reverse("password_reset"),
        },
    )


def email_confirmation_send(*, account: User, site_url: str) -> None:
    """The confirmation link, by email through the outbox (sent after commit), in the customer's language."""
    token = make_confirmation_token(account_id=account.pk, email=account.email)
    email_enqueue(
        key=f"confirm-email:{account.pk}:{uuid.uuid4().hex}",  # each request its own email (rate-limited per IP)
        template="accounts/confirm_email",
        to=account.email,
        language=account.language,
        context={
            "account": {"first_name": account.first_name, "handle": account.handle, "language": account.language},
            "link": site_url.rstrip("/") + reverse("accounts:confirm_email", args=[token]),
            "validity_days": CONFIRMATION_VALIDITY.days,
        },
    )


def confirmation_resend(*, email: str, site_url: str) -> None:
    """A new link to each unconfirmed account with this address; silent otherwise, so nobody learns who has one."""
    for account in User.objects.filter(email__iexact=email.strip(), email_confirmed=False, is_active=True):
        email_confirmation_send(account=account, site_url=site_url)


def account_for_confirmation(*, token: str) -> User:
    """The account a confirmation link is for; the link dies once the address is confirmed or changed."""
    found = read_confirmation_token(token)
    account = found and User.objects.filter(pk=found[0], email=found[1], is_active=True).first()
    if not account:
        raise InvalidInput(_("This confirmation link is invalid or has expired."), field="token")
    if account.email_confirmed:
        raise Conflict(_("Your email address is already confirmed: you can log in."))
    return account


def email_confirm(*, token: str) -> User:
    account = account_for_confirmation(token=token)
    if not User.objects.filter(pk=account.pk, email_confirmed=False).update(email_confirmed=True):
        raise Conflict(_("Your email address is already confirmed: you can log in."))
    account.email_confirmed = True
    return account


# --- Language -----------------------------------------------------------------------------------


def _check_language(language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("This language is not available."), field="language")


def language_set(*, account: User, language: str) -> None:
    """The saved preference: pages and emails use it wherever the customer is."""
    _check_language(language)
    account.language = language
    with transaction.atomic():
        account.save(update_fields=["language"])
        account_pages_changed(account_ids=[account.pk])


# --- Payment methods ----------------------------------------------------------------------------


def _lock(account: User) -> None:
    """Serialises an account's payment-method writes, so two requests never race for the one default."""
    User.objects.select_for_update().filter(pk=account.pk).first()


def payment_method_add(*, account: User, kind: str, details: dict, make_default: bool = False) -> PaymentMethod:
    """Registers the means of payment with the gateway, then saves its token; the first one saved is the default.

    A card is saved only once a zero-amount verification succeeds, so a declining card is never offered
    again; PayPal only comes back from a payment the payer approved at PayPal (orders.services.paypal).
    """
    if kind not in account.subsidiary.payment_kinds_offered(account.legal_form):
        raise InvalidInput(_("This payment method is not offered for your account."), field="kind")
    if kind == PaymentKind.PAYPAL:
        raise InvalidInput(
            _("A PayPal account is saved when you pay an order with PayPal and approve the payment."), field="kind"
        )
    gateway = get_gateway()
    try:
        registration = gateway.register(kind=kind, details=details)  # never inside a transaction
        if kind == PaymentKind.CARD:
            verification = gateway.verify(
                token=registration.token,
                currency=account.subsidiary.currency,
                idempotency_key=f"verify-{account.pk}-{uuid.uuid4().hex}",
            )
            if verification.status != "succeeded":
                raise GatewayError(verification.message or _("Your card was declined."))
    except GatewayError as error:
        raise InvalidInput(str(error), field="details") from None
    return payment_method_save(account=account, kind=kind, registration=registration, make_default=make_default)


def payment_method_save(
    *, account: User, kind: str, registration: Registration, make_default: bool = False
) -> PaymentMethod:
    """Saves a means the gateway accepted (verified, or that just paid); the first one saved is the default.

    The same PayPal account approved again is kept once.
    """
    with transaction.atomic():
        _lock(account)
        methods = PaymentMethod.objects.filter(account=account)
        if kind == PaymentKind.PAYPAL and (same := methods.filter(kind=kind, label=registration.label).first()):
            return same
        is_default = make_default or not methods.filter(is_default=True).exists()
        if is_default:
            methods.filter(is_default=True).update(is_default=False)
        method = PaymentMethod.objects.create(
            account=account,
            kind=kind,
            label=registration.label,
            token=registration.token,
            expires_on=registration.expires_on,
            is_default=is_default,
        )
        account_pages_changed(account_ids=[account.pk])
    return method


def payment_method_set_default(*, method: PaymentMethod) -> PaymentMethod:
    """One default at a time (a partial unique constraint): the old one is unset first, in one transaction."""
    account = method.account
    if not method.is_usable(local_today(account.subsidiary.time_zone)):
        raise Conflict(_("An expired or blocked payment method can't be your default one."))
    with transaction.atomic():
        _lock(account)
        PaymentMethod.objects.filter(account=account, is_default=True).exclude(pk=method.pk).update(is_default=False)
        PaymentMethod.objects.filter(pk=method.pk).update(is_default=True)
        account_pages_changed(account_ids=[account.pk])
    method.is_default = True
    return method


def payment_method_remove(*, method: PaymentMethod) -> PaymentMethod | None:
    """Removes a method no payment is waiting on; removing the default promotes the newest usable method.

    A payment in progress protects its method (orders' Payment.method, on_delete), so the refusal is decided
    where payments are known. Returns the method that became the default, if any, so the customer can be told.
    """
    account = method.account
    with transaction.atomic():
        _lock(account)
        was_default = method.is_default
        try:
            method.delete()
        except ProtectedError:
            raise Conflict(
                _("A payment with this method is still in progress: you can remove it once it is settled.")
            ) from None
        promoted = _promote_default(account) if was_default else None
        account_pages_changed(account_ids=[account.pk])
    return promoted


def _promote_default(account: User) -> PaymentMethod | None:
    """The newest usable method becomes the default, if there is one."""
    today = local_today(account.subsidiary.time_zone)
    candidates = PaymentMethod.objects.filter(account=account).order_by("-created_at", "-pk")
    promoted = next((m for m in candidates if m.is_usable(today)), None)
    if promoted is not None:
        PaymentMethod.objects.filter(pk=promoted.pk).update(is_default=True)
        promoted.is_default = True
    return promoted
