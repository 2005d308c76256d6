"""The API's rate limits: core's per-IP window, answered with a 429 (unauthenticated cart creation)."""

from django.conf import settings

from core.rate_limits import rate_exceeded

from . import errors

DEFAULT_CART_CREATIONS_PER_MINUTE = 30


def check_rate(request, *, scope: str, limit: int, window: int = 60) -> None:
    """Raise 429 once `limit` calls of `scope` came from this IP in the current window."""
    retry_after = rate_exceeded(request, scope=scope, limit=limit, window=window)
    if retry_after:
        raise errors.ApiError(429, "Too many requests, retry later", headers={"Retry-After": str(retry_after)})


def cart_creation_limit() -> int:
    return int(getattr(settings, "API_CART_CREATIONS_PER_MINUTE", DEFAULT_CART_CREATIONS_PER_MINUTE))
