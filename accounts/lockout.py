"""What a locked-out login sees (django-axes' AXES_LOCKOUT_CALLABLE), on every login form alike.

The page points customers to the withdrawal without a session: a lockout must never stand between a
consumer and their right of withdrawal.

`old_password_counts` puts the password-change forms (the panel's and the admin's) under the same lockout: a
wrong old password is a failed login for that username and IP.
"""

import ipaddress
from functools import wraps

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import render

from core.client_ip import client_ip


def lockout_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_response(request, original_response=None, credentials=None):
    return render(request, "registration/locked_out.html", {"minutes": lockout_minutes()}, status=429)


def lockout_client_ip(request) -> str | None:
    """core's client IP (the rate limits' too), None when it is not an address
    (a request built in code, like the test client's force_login, has no REMOTE_ADDR)."""
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def old_password_counts(view):
    """Wrap a password-change view (Django's PasswordChangeView) so that a wrong old password counts as a failed
    login for this username and IP, and a locked-out pair is refused, and logged out, as the login refuses it:
    whoever holds a session cannot guess the password there without limit."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return view(request, *args, **kwargs)  # its login_required sends them to the login
        credentials = {"username": request.user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            logout(request)
            return lockout_response(request)
        response = view(request, *args, **kwargs)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if form is not None and form.has_error("old_password", "password_incorrect"):
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                logout(request)  # AxesMiddleware answers with the locked-out page
        return response

    return wrapped
