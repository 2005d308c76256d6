"""The customer's privacy pages: download my data, close my account. Both ask for the password again."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.views import remember_language

from .closure import ClosureRefused, account_close, closure_blockers
from .data_export import account_data_export
from .forms import AccountCloseForm, PasswordConfirmForm


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def data_export(request):
    """GET explains and asks for the password; a POST with the right one downloads the JSON document."""
    form = PasswordConfirmForm(request.POST if request.method == "POST" else None, request=request)
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        document = account_data_export(account=request.user, now=now)
        response = HttpResponse(
            json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
        )
        filename = f"controlpanel-data-{request.user.handle}-{now.date().isoformat()}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        add_never_cache_headers(response)
        return response
    return render(request, "privacy/data_export.html", {"form": form})


def _closed(request):
    """Logged out, told so in their language, which the login page keeps (the cookie of anonymous visitors)."""
    language = request.user.language
    logout(request)
    messages.success(
        request, _("Your account is closed. We sent a confirmation to your email address. Thank you for your trust.")
    )
    return remember_language(redirect("login"), language)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def close_account(request):
    """GET shows what closing does, or what must end first; POST closes with the password and the box ticked."""
    account = request.user
    if request.method == "POST" and User.objects.filter(pk=account.pk, closed_at__isnull=False).exists():
        return _closed(request)  # a second submit that raced the first one
    form = AccountCloseForm(request.POST if request.method == "POST" else None, request=request)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            account_close(account=account)
        except ClosureRefused as refused:
            blockers, status = refused.blockers, 409
            form.add_error(None, str(refused))
        else:
            return _closed(request)
    else:
        blockers = closure_blockers(account=account, now=timezone.now())
    return render(request, "privacy/close_account.html", {"form": form, "blockers": blockers}, status=status)
