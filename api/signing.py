"""OVHcloud's request signatures and access rules.

X-Ovh-Signature = "$1$" + sha1(AS + "+" + CK + "+" + METHOD + "+" + URL + "+" + BODY + "+" + TIMESTAMP), where
URL is the configured public base URL plus the raw path and query string the client sent, so that a
proxy in front of the server cannot change what was signed (the base's port may be left out: see signed_urls).
"""

import hashlib
import hmac
import ipaddress
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.encoding import escape_uri_path

from accounts.models import User
from core.client_ip import client_ip

from . import errors
from .crypto import decrypt_secret
from .models import ApiApplication, ConsumerKey
from .params import read_body, unstorable

TIME_WINDOW_SECONDS = 300
LAST_USED_GRANULARITY = timedelta(minutes=1)
API_PREFIX = "/1.0"
METHODS = ("GET", "POST", "PUT", "DELETE")

# Auth modes of a route (see `Auth` below for the callables routes are given).
NONE = "none"  # nothing checked (time, catalogs, the OpenAPI document)
APPLICATION = "application"  # an application key only (POST /auth/credential)
OPTIONAL = "optional"  # anonymous, or signed (carts: an anonymous cart is open to anyone with its id)
REQUIRED = "required"  # signed with a validated consumer key


def sign(secret: str, consumer_key: str, method: str, url: str, body: bytes | str, timestamp: str) -> str:
    if isinstance(body, str):
        body = body.encode()
    payload = b"+".join(
        [secret.encode(), consumer_key.encode(), method.upper().encode(), url.encode(), body, str(timestamp).encode()]
    )
    return "$1$" + hashlib.sha1(payload).hexdigest()


@lru_cache(maxsize=512)
def _rule_regex(path: str) -> re.Pattern:
    return re.compile("".join(".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", path)))


def rule_matches(rule: dict, method: str, path: str) -> bool:
    """OVHcloud's matching: the method exactly, the path with `*` standing for anything (slashes included)."""
    if not isinstance(rule, dict):
        return False
    rule_method, rule_path = rule.get("method"), rule.get("path")
    if not isinstance(rule_method, str) or not isinstance(rule_path, str):
        return False
    return rule_method.upper() == method.upper() and _rule_regex(rule_path).fullmatch(path) is not None


def is_granted(rules: list, method: str, path: str) -> bool:
    return any(rule_matches(rule, method, path) for rule in rules or [])


def api_path(request) -> str:
    """The path the rules are matched against: after /1.0, without the query string."""
    path = request.path_info
    return path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else path


def signed_urls(request) -> list[str]:
    """Public base URL + the raw path and query string as the client sent them; and when the base names a port, the
    same without it, as OVHcloud's Node.js client signs `https://host/…` whatever port it connects to."""
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")  # gunicorn, uWSGI
    if not raw or not raw.startswith("/"):
        raw = escape_uri_path(request.path)
        query = request.META.get("QUERY_STRING", "")
        if query:
            raw += "?" + query
    base = urlsplit(settings.PUBLIC_BASE_URL.rstrip("/"))
    urls = [base.geturl() + raw]
    if base.port is not None:
        urls.append(base._replace(netloc=base.netloc.rsplit(":", 1)[0]).geturl() + raw)
    return urls


def ip_allowed(allowed: list, remote: str) -> bool:
    if not allowed:
        return True
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return False
    for cidr in allowed:
        try:
            if address in ipaddress.ip_network(str(cidr), strict=False):
                return True
        except ValueError:
            continue
    return False


@dataclass(frozen=True)
class Caller:
    """Who is calling: nobody, an application, or an application on behalf of an account."""

    application: ApiApplication | None = None
    consumer: ConsumerKey | None = None

    @property
    def account(self) -> User | None:
        return self.consumer.account if self.consumer else None

    @property
    def authenticated(self) -> bool:
        return self.consumer is not None


ANONYMOUS = Caller()


def _application(request) -> ApiApplication | None:
    key = request.headers.get("X-Ovh-Application", "").strip()
    if not key:
        return None
    if unstorable(key):  # no key has one, and PostgreSQL would refuse to look it up
        raise errors.ApiError(403, "Invalid application key", errors.INVALID_KEY)
    application = ApiApplication.objects.select_related("account").filter(application_key=key).first()
    if application is None or not application.is_active:
        raise errors.ApiError(403, "Invalid application key", errors.INVALID_KEY)
    return application


def authenticate(request, mode: str) -> Caller:
    """Check the request's OVHcloud headers for a route of `mode`; raises ApiError on any failure."""
    if mode == NONE:
        return ANONYMOUS
    has_consumer = bool(request.headers.get("X-Ovh-Consumer", "").strip())
    if mode == OPTIONAL and not has_consumer:
        application = _application(request)
        return Caller(application=application) if application else ANONYMOUS
    application = _application(request)
    if mode == APPLICATION:
        if application is None:
            raise errors.ApiError(403, "Invalid application key", errors.INVALID_KEY)
        return Caller(application=application)
    if not has_consumer:
        raise errors.ApiError(403, "You must login first", errors.NOT_CREDENTIAL)
    if application is None:
        raise errors.ApiError(403, "Invalid application key", errors.INVALID_KEY)
    return _check_signed(request, application)


def _check_signed(request, application: ApiApplication) -> Caller:
    now = timezone.now()
    consumer_key = request.headers["X-Ovh-Consumer"].strip()
    consumer = None
    if not unstorable(consumer_key):
        consumer = (
            ConsumerKey.objects.select_related("account__subsidiary")
            .filter(consumer_key=consumer_key, application=application)
            .first()
        )
    if consumer is None or consumer.effective_state(now) != ConsumerKey.State.VALIDATED or consumer.account is None:
        raise errors.ApiError(403, "This credential is not valid", errors.INVALID_CREDENTIAL)
    if not consumer.account.is_active:
        raise errors.ApiError(403, "This credential is not valid", errors.INVALID_CREDENTIAL)
    timestamp = request.headers.get("X-Ovh-Timestamp", "").strip()
    try:
        drift = abs(int(timestamp) - int(time.time()))
    except ValueError:
        drift = None
    if drift is None or drift > TIME_WINDOW_SECONDS:
        raise errors.ApiError(400, "Query out of time", errors.QUERY_TIME_OUT)
    secret = decrypt_secret(application.application_secret_encrypted)
    if secret is None:
        raise errors.ApiError(403, "Invalid application key", errors.INVALID_KEY)
    # The method as sent: HEAD is signed as HEAD, though it is answered as GET (api/urls.py).
    method = request.META.get("REQUEST_METHOD", request.method).upper()
    body = read_body(request)
    given = request.headers.get("X-Ovh-Signature", "").strip().encode()
    expected = [sign(secret, consumer_key, method, url, body, timestamp) for url in signed_urls(request)]
    if not any(hmac.compare_digest(signature.encode(), given) for signature in expected):
        raise errors.ApiError(400, "Invalid signature", errors.INVALID_SIGNATURE)
    if not ip_allowed(consumer.allowed_ips, client_ip(request)):
        raise errors.ApiError(403, "This credential cannot be used from your IP address", errors.FORBIDDEN)
    # HEAD is granted by the rules that grant GET (it answers as GET does).
    if not is_granted(consumer.access_rules, "GET" if method == "HEAD" else method, api_path(request)):
        raise errors.ApiError(403, "This call has not been granted", errors.NOT_GRANTED_CALL)
    if consumer.last_used_at is None or consumer.last_used_at < now - LAST_USED_GRANULARITY:
        ConsumerKey.objects.filter(pk=consumer.pk).update(last_used_at=now)
    return Caller(application=application, consumer=consumer)


# The OpenAPI security requirements of each mode (the schemes: api/contract.py).
SIGNED = {"application": [], "consumer": [], "timestamp": [], "signature": []}
SECURITY = {NONE: [{}], APPLICATION: [{"application": []}], OPTIONAL: [{}, SIGNED], REQUIRED: [SIGNED]}


class Auth:
    """A route's auth callable for django-ninja: the `Caller` (always truthy) becomes `request.auth`.

    Failures raise ApiError (403 with OVHcloud's errorCode, 400 for a bad signature or clock), which the
    exception handlers answer; the access rules are checked on every signed call.
    """

    def __init__(self, mode: str):
        self.mode = mode
        self.security = SECURITY[mode]

    def __call__(self, request) -> Caller:
        return authenticate(request, self.mode)


PUBLIC = Auth(NONE)
APPLICATION_KEY = Auth(APPLICATION)
ANYONE_OR_SIGNED = Auth(OPTIONAL)
SIGNED_CALL = Auth(REQUIRED)
