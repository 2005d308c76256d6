"""Two-factor authentication for staff: the admin wants a session verified with a TOTP code.

With STAFF_2FA on, `StaffAdminSite` (Django's admin.site, see controlpanel/apps.py) lets a staff member
in only once this session was verified by one of their confirmed TOTP devices (django-otp). After the
password, the admin's login sends them to /admin/otp/: they type the code of their authenticator app,
or, the first time, scan the secret shown there and confirm it with a first code. A wrong code counts
as a failed login for django-axes (LOGIN_FAILURE_LIMIT per username and IP, then logged out and locked)
on top of django-otp's own growing delay between tries. Customers are not asked for a second factor.
The panel's own staff branches (reading anyone's purchase order, bill, credit note or supporting documents)
ask `staff_may`, which holds them to the same second factor and to the admin's permission for the object.
"""

import base64

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .lockout import lockout_client_ip, lockout_response, old_password_counts


def staff_needs_otp(request) -> bool:
    """A logged-in staff member whose session still lacks the second factor."""
    user = request.user
    return bool(
        settings.STAFF_2FA and user.is_authenticated and user.is_active and user.is_staff and not user.is_verified()
    )


def staff_may(request, permission: str) -> bool:
    """Whether this request may use a staff privilege of the panel: `permission` (the one the admin asks for the
    same object), held by an active staff member whose session has the second factor when STAFF_2FA is on.

    Every staff branch of the panel asks this, and nothing else: a staff password alone (through the customer
    login, or stopped at the admin's TOTP page) makes its holder a customer like any other.
    """
    user = request.user
    return user.is_active and user.is_staff and user.has_perm(permission) and not staff_needs_otp(request)


class StaffAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and not staff_needs_otp(request)

    def login(self, request, extra_context=None):
        if staff_needs_otp(request):
            query = request.META.get("QUERY_STRING", "")  # keeps ?next=
            return redirect(reverse("admin:otp", current_app=self.name) + (f"?{query}" if query else ""))
        return super().login(request, extra_context)

    def password_change(self, request, extra_context=None):
        return old_password_counts(super().password_change)(request, extra_context)

    def get_urls(self):
        return [path("otp/", never_cache(self.otp), name="otp"), *super().get_urls()]

    def otp(self, request):
        """Verify this session with a TOTP code; enrol the first device when the staff member has none."""
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login", current_app=self.name))
        next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
        # A path of this site only: `redirect()` would take a bare word ("999", "a\x00b") for a view name, a 500.
        if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
            next_url, {request.get_host()}, require_https=request.is_secure()
        ):
            next_url = ""
        next_url = next_url or reverse("admin:index", current_app=self.name)
        if not staff_needs_otp(request):
            return redirect(next_url)
        credentials = {"username": user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            logout(request)
            return lockout_response(request)
        device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
        enrolling = device is None
        if enrolling:
            device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
                user=user, name="authenticator app", confirmed=False
            )
        error = ""
        if request.method == "POST":
            allowed, _why = device.verify_is_allowed()
            code = "".join(request.POST.get("code", "").split())
            if not allowed:
                error = _("Too many wrong codes in a row: wait a few seconds, then type the current code.")
            elif device.verify_token(code):
                if enrolling:
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                otp_login(request, device)
                axes_reset(ip=lockout_client_ip(request), username=user.get_username())
                return redirect(next_url)
            else:
                user_login_failed.send(sender=__name__, credentials=credentials, request=request)
                if getattr(request, "axes_locked_out", False):
                    logout(request)  # AxesMiddleware answers with the locked-out page
                error = _("This code is not valid. Type the 6 digits your app shows now.")
        context = {
            **self.each_context(request),
            "title": _("Two-factor authentication"),
            "enrolling": enrolling,
            "error": error,
            "next": next_url,
        }
        if enrolling:
            uri = device.config_url
            context.update(
                otpauth_uri=uri,
                secret=base64.b32encode(device.bin_key).decode(),
                qr_code=segno.make(uri, error="m").svg_data_uri(scale=4),
            )
        request.current_app = self.name
        return TemplateResponse(request, "admin/staff_otp.html", context, status=400 if error else 200)
