"""Sign-up, email confirmation, the account page, the language switch and payment methods.

Thin views: forms check input, accounts/services.py writes, and service errors become messages.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import Conflict, InvalidInput, OrderError
from core.localtime import local_today
from core.rate_limits import rate_exceeded
from payments.kinds import PaymentKind

from . import services
from .forms import BillingForm, PaymentMethodForm, ResendConfirmationForm, SignupForm
from .models import PaymentMethod
from .tokens import CONFIRMATION_VALIDITY

# The confirmation URL's token slot, when the customer asks for a new link rather than following one.
RESEND = "resend"


def _throttled(request, form, *, scope: str) -> bool:
    """Whether this IP sent too many of these forms this hour (each sends an email): the form says so."""
    retry_after = rate_exceeded(request, scope=scope, limit=settings.EMAIL_FORMS_PER_HOUR, window=3600)
    if retry_after:
        minutes = -(-retry_after // 60)
        form.add_error(
            None,
            ngettext(
                "Too many requests from your connection. Try again in %(minutes)s minute.",
                "Too many requests from your connection. Try again in %(minutes)s minutes.",
                minutes,
            )
            % {"minutes": minutes},
        )
    return bool(retry_after)


def _site_url(request) -> str:
    return request.build_absolute_uri("/")


def _safe_next(request, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else default


def _show_error(form, error: OrderError) -> None:
    """A service's error next to the field it names, else at the top of the form."""
    field = getattr(error, "field", "")
    form.add_error(field if field in form.fields else None, str(error))


# --- Sign-up and email confirmation -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _throttled(request, form, scope="signup"):
        return render(request, "accounts/signup.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.account_create(
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                legal_form=data["legal_form"],
                subsidiary=data["subsidiary"],
                language=data["language"],
                billing=form.billing_details(),
                site_url=_site_url(request),
            )
        except InvalidInput as error:
            _show_error(form, error)
        else:
            # The same answer whether the address was free (an account) or taken (None, told by email):
            # built from the submitted address, never from an account.
            messages.success(
                request,
                _("Almost done: we sent a link to %(email)s. Follow it within %(days)s days to activate your account.")
                % {"email": data["email"], "days": CONFIRMATION_VALIDITY.days},
            )
            return redirect("login")
    return render(request, "accounts/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def confirm_email(request, token: str):
    """GET shows a button and POST confirms, so that mail scanners following links confirm nothing."""
    if token == RESEND:
        return _resend_confirmation(request)
    try:
        if request.method == "GET":
            account = services.account_for_confirmation(token=token)
            return render(request, "accounts/confirm_email.html", {"account": account, "token": token})
        account = services.email_confirm(token=token)
    except Conflict as error:
        messages.info(request, str(error))
        return redirect("login")
    except InvalidInput as error:
        context = {
            "error": str(error),
            "form": ResendConfirmationForm(),
            "resend": RESEND,
            "validity_days": CONFIRMATION_VALIDITY.days,
        }
        return render(request, "accounts/confirm_email_invalid.html", context, status=400)
    login(request, account, backend="accounts.backends.PanelBackend")  # the password was never typed
    messages.success(request, _("Your email address is confirmed. Welcome!"))
    return redirect("accounts:details")


def _resend_confirmation(request):
    form = ResendConfirmationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _throttled(request, form, scope="confirmation-resend"):
        return render(request, "accounts/confirm_email_resend.html", {"form": form, "resend": RESEND}, status=429)
    if request.method == "POST" and form.is_valid():
        services.confirmation_resend(email=form.cleaned_data["email"], site_url=_site_url(request))
        messages.success(
            request, _("If an account with this address is waiting for confirmation, we sent it a new link.")
        )
        return redirect("login")
    return render(request, "accounts/confirm_email_resend.html", {"form": form, "resend": RESEND})


# --- Account ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def account_details(request):
    account = request.user
    form = BillingForm(request.POST if request.method == "POST" else None, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.billing_details_update(account=account, details=form.billing_details())
        except InvalidInput as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Your billing details are saved."))
            return redirect("accounts:details")
    return render(request, "accounts/details.html", {"account": account, "form": form})


@require_POST
def set_language(request):
    """Like django.views.i18n.set_language, and a logged-in customer's choice is saved for pages and emails."""
    response = HttpResponseRedirect(_safe_next(request, "/"))
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        services.language_set(account=request.user, language=language)
    translation.activate(language)
    return remember_language(response, language)


def remember_language(response, language: str):
    """The language cookie, as Django's set_language sets it: anonymous pages follow it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


# --- Payment methods ----------------------------------------------------------------------------


def _payment_methods_context(account) -> dict:
    """Each method with the state the customer sees: blocked, expired (also past its date) or valid."""
    today = local_today(account.subsidiary.time_zone)
    methods = list(account.payment_methods.all())
    for method in methods:
        if method.status == PaymentMethod.Status.VALID and not method.is_usable(today):
            method.state = PaymentMethod.Status.EXPIRED
        else:
            method.state = PaymentMethod.Status(method.status)
    kinds = account.subsidiary.payment_kinds_offered(account.legal_form)
    return {"methods": methods, "offered": [PaymentKind(k).label for k in kinds]}


def _own_method(request, method_id: int) -> PaymentMethod:
    """One of the customer's methods; another customer's does not exist for them (404)."""
    return get_object_or_404(request.user.payment_methods.select_related("account__subsidiary"), pk=method_id)


def _payment_methods_page(request):
    template = "accounts/payment_methods.html"
    if request.htmx:
        template += "#methods"
    return render(request, template, _payment_methods_context(request.user))


@login_required
def payment_methods(request):
    return _payment_methods_page(request)


@login_required
@require_http_methods(["GET", "POST"])
def payment_method_add(request):
    account = request.user
    offered = account.subsidiary.payment_kinds_offered(account.legal_form)
    kinds = [kind for kind in offered if kind != PaymentKind.PAYPAL]  # saved from an approved payment only
    form = PaymentMethodForm(request.POST if request.method == "POST" else None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            method = services.payment_method_add(
                account=account,
                kind=form.cleaned_data["kind"],
                details=form.details(),
                make_default=form.cleaned_data["make_default"],
            )
        except InvalidInput as error:
            _show_error(form, error)
        else:
            messages.success(request, _("%(label)s is saved.") % {"label": method.label})
            return redirect(_safe_next(request, "accounts:payment_methods"))
    context = {
        "form": form,
        "kinds": kinds,
        "paypal_offered": PaymentKind.PAYPAL in offered,
        "next": _safe_next(request, ""),
    }
    return render(request, "accounts/payment_method_add.html", context)


@login_required
@require_POST
def payment_method_default(request, method_id: int):
    method = _own_method(request, method_id)
    try:
        services.payment_method_set_default(method=method)
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(label)s is now your default payment method.") % {"label": method.label})
    if request.htmx:
        return _payment_methods_page(request)
    return redirect("accounts:payment_methods")


@login_required
@require_http_methods(["GET", "POST"])
def payment_method_remove(request, method_id: int):
    """GET asks for confirmation (no JavaScript needed); POST removes."""
    method = _own_method(request, method_id)
    if request.method == "GET":
        return render(request, "accounts/payment_method_remove.html", {"method": method})
    try:
        promoted = services.payment_method_remove(method=method)
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(label)s is removed.") % {"label": method.label})
        if promoted is not None:
            messages.info(request, _("%(label)s is now your default payment method.") % {"label": promoted.label})
    return redirect("accounts:payment_methods")
