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


def rate_exceeded(request, *, scope: str, limit: int, window: int = 60) -> int:
    """Count this call; 0 while this IP made at most `limit` calls of `scope` in the current window,
    else the seconds until the window ends (for Retry-After)."""
    bucket = int(time.time() // window)
    key = f"api-throttle:{scope}:{client_ip(request)}:{bucket}"
    cache.add(key, 0, timeout=window * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window * 2)
        count = 1
    if count <= limit:
        return 0
    return max(window - int(time.time()) % window, 1)


def check_rate(request, *, scope: str, limit: int, window: int = 60) -> None:
    """Raise 429 once `limit` calls of `scope` came from this IP in the current window."""
    retry_after = rate_exceeded(request, scope=scope, limit=limit, window=window)
    if retry_after:
        raise errors.ApiError(429, "Too many requests, retry later", headers={"Retry-After": str(retry_after)})


def cart_creation_limit() -> int:
    return int(getattr(settings, "API_CART_CREATIONS_PER_MINUTE", DEFAULT_CART_CREATIONS_PER_MINUTE))
