"""What a locked-out login sees (django-axes' AXES_LOCKOUT_CALLABLE), on every login form alike.

The page points customers to the withdrawal without a session: a lockout must never stand between a
consumer and their right of withdrawal.
"""

import ipaddress

from django.conf import settings
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
