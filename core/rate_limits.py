"""A fixed-window rate limit per client IP through Django's cache, so it counts across web machines
when the cache is Redis (the email forms, the API's anonymous cart creation)."""

import time

from django.core.cache import cache

from .client_ip import client_ip


def rate_exceeded(request, *, scope: str, limit: int, window: int = 60) -> int:
    """Count this call; 0 while this IP made at most `limit` calls of `scope` in the current window,
    else the seconds until the window ends (for Retry-After)."""
    bucket = int(time.time() // window)
    key = f"rate-limit:{scope}:{client_ip(request)}:{bucket}"
    cache.add(key, 0, timeout=window * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window * 2)
        count = 1
    if count <= limit:
        return 0
    return max(window - int(time.time()) % window, 1)
