"""The client's IP, one rule for the login lockout, every rate limit and the evidence of consents and
withdrawals (panel and API)."""

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind a trusted proxy the META key it sets (CLIENT_IP_META, e.g.
    "HTTP_X_FORWARDED_FOR": its last address, the one the proxy added)."""
    meta_key = settings.CLIENT_IP_META
    if meta_key and request.META.get(meta_key):
        return request.META[meta_key].split(",")[-1].strip() or "unknown"
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def evidence_ip(request) -> str | None:
    """The client's IP as evidence records it (consents, withdrawals): None when the request has none."""
    address = client_ip(request)
    return None if address == "unknown" else address
