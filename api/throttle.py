"""The API's rate limits: core's per-IP window as a django-ninja throttle, answered with a 429 and Retry-After."""

from collections.abc import Callable

from django.conf import settings
from ninja.throttling import BaseThrottle

from core.rate_limits import rate_exceeded

DEFAULT_CART_CREATIONS_PER_MINUTE = 30


def cart_creation_limit() -> int:
    return int(getattr(settings, "API_CART_CREATIONS_PER_MINUTE", DEFAULT_CART_CREATIONS_PER_MINUTE))


class AnonymousRate(BaseThrottle):
    """At most `limit()` calls of `scope` per IP and window from anonymous callers; signed calls are not counted.

    Ninja checks it after the auth callable (so `request.auth` is the caller) and before the body is read.
    """

    def __init__(self, *, scope: str, limit: Callable[[], int], window: int = 60):
        self.scope, self.limit, self.window = scope, limit, window
        self.retry_after = None

    def allow_request(self, request) -> bool:
        if request.auth.authenticated:
            return True
        self.retry_after = rate_exceeded(request, scope=self.scope, limit=self.limit(), window=self.window)
        return not self.retry_after

    def wait(self) -> float | None:
        return self.retry_after


CART_CREATION = AnonymousRate(scope="cart-create", limit=cart_creation_limit)
