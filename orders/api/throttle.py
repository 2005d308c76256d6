"""A fixed-window rate limit per client IP through Django's cache (unauthenticated cart creation)."""

import time

from django.conf import settings
from django.core.cache import cache

from . import errors

DEFAULT_CART_CREATIONS_PER_MINUTE = 30


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind a trusted proxy the META key it sets (API_CLIENT_IP_META, e.g.
    "HTTP_X_FORWARDED_FOR": its last address, the one the proxy added)."""
    meta_key = getattr(settings, "API_CLIENT_IP_META", "")
    if meta_key and request.META.get(meta_key):
        return request.META[meta_key].split(",")[-1].strip() or "unknown"
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def check_rate(request, *, scope: str, limit: int, window: int = 60) -> None:
    """Raise 429 once `limit` calls of `scope` came from this IP in the current window."""
    bucket = int(time.time() // window)
    key = f"api-throttle:{scope}:{client_ip(request)}:{bucket}"
    cache.add(key, 0, timeout=window * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window * 2)
        count = 1
    if count > limit:
        retry_after = window - int(time.time()) % window
        raise errors.ApiError(429, "Too many requests, retry later", headers={"Retry-After": str(max(retry_after, 1))})


def cart_creation_limit() -> int:
    return int(getattr(settings, "API_CART_CREATIONS_PER_MINUTE", DEFAULT_CART_CREATIONS_PER_MINUTE))
