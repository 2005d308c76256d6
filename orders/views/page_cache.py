"""Pages kept rendered in the cache, and answered with 304 when the browser holds them already (docs/performance.md).

A page's key is made of what it shows:
- the page versions (core.page_versions), which the services bump in the same transaction as every write a page
  shows: the order's (its rows), the account's (its details, payment methods and, for the list, its orders) and
  the reference data's (subsidiaries, plans), with the instants of their last bumps (ids and versions come back
  after a database restore, those instants do not). `order_page_key` reads an order's in one query by primary
  keys; orders.views.list_cache reads the list's;
- the local day: withdrawal deadlines end at midnight, refunds are prorated per day;
- the language, the query string and the release (templates, translations and code).

`cached_page` then answers in one of three ways: 304 when the request's `If-None-Match` names this key (with the
client's CSRF cookie, whose token the page holds); the kept page, with this response's own CSRF token and CSP
nonce in place of the placeholders it was rendered with; or a fresh render, kept for the next visit. Every kept
page carries `ETag`, `Last-Modified` and `Cache-Control: private, no-cache`, so a browser (and htmx polling a
page) revalidates instead of downloading it again.

Never kept: an unpaid order's pages (they change at an instant, when the order expires), pages with messages to
show, staff's pages (who may read anyone's order), query strings the panel's own links do not make (so a
client cannot fill the cache with variants), and everything when `ORDER_PAGE_CACHE_SECONDS` is 0.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from accounts.models import Subsidiary
from core.localtime import local_date, zone
from core.models import PageVersion
from core.page_versions import REFERENCE_ID
from core.raw_sql import rows

from ..models import Order, OrderStatus
from ..pdf_cache import document_pdf
from . import kept_pages
from .list_query import back_query

# Rendered in place of this response's CSRF token and CSP nonce, which differ for every response. Forms and
# PostgreSQL refuse NUL in text, so only these are replaced (and a customer's own text holding one would only
# show them their own token).
CSRF_PLACEHOLDER = mark_safe("\x00csrf-token\x00")
NONCE_PLACEHOLDER = mark_safe("\x00csp-nonce\x00")
PLACEHOLDERS = {"csrf_token": CSRF_PLACEHOLDER, "csp_nonce": NONCE_PLACEHOLDER}

VERSIONS = PageVersion._meta.db_table
Scope = PageVersion.Scope


def version_join(alias: str, scope: str, object_id: str) -> str:
    """SQL: a LEFT JOIN of the version row `scope`/`object_id` as `alias` (no row: version 0)."""
    return f"LEFT JOIN {VERSIONS} {alias} ON {alias}.scope = '{scope}' AND {alias}.object_id = {object_id}"


ORDER_VERSIONS_SQL = (
    "SELECT o.status, s.time_zone, coalesce(ov.value, 0), coalesce(av.value, 0), coalesce(rv.value, 0), "
    "ov.changed_at, av.changed_at, rv.changed_at "
    f"FROM {Order._meta.db_table} o JOIN {Subsidiary._meta.db_table} s ON s.code = o.subsidiary_id "
    f"{version_join('ov', Scope.ORDER, 'o.id')} {version_join('av', Scope.ACCOUNT, 'o.account_id')} "
    f"{version_join('rv', Scope.REFERENCE, str(REFERENCE_ID))} "
    "WHERE o.id = %s AND o.account_id = %s"
)


@dataclass(frozen=True)
class PageKey:
    """Where a page is kept, and when what it shows last changed (its `Last-Modified`)."""

    key: str
    changed_at: datetime


def hashed(prefix: str, parts: list) -> str:
    """A cache key: `prefix` (what it is, readable) and a digest of everything else it depends on."""
    return f"{prefix}:" + hashlib.sha256("\n".join(map(str, parts)).encode()).hexdigest()


# The version read's columns, converted as the ORM would (SQLite returns instants as text): status, time zone,
# the three versions, then the instants of their last bumps.
CHANGED_AT = PageVersion._meta.get_field("changed_at")
ORDER_VERSIONS_COLUMNS = (None, None, None, None, None, CHANGED_AT, CHANGED_AT, CHANGED_AT)


def order_versions(*, order_id: int, account_id: int) -> list | None:
    """The row of ORDER_VERSIONS_SQL for this account's order, or None."""
    found = rows(ORDER_VERSIONS_SQL, [order_id, account_id], *ORDER_VERSIONS_COLUMNS)
    return found[0] if found else None


def last_change(changes: list, *, days: dict[str, date]) -> datetime:
    """The latest of these changes and of the midnights starting these days, today's in each time zone (a new day
    changes pages)."""
    midnights = [datetime.combine(day, time(0), tzinfo=zone(name)) for name, day in days.items()]
    return max([change for change in changes if change] + midnights + [release_time()])


PROJECT_PACKAGES = ("core", "payments", "accounts", "catalog", "controlpanel", "orders", "api", "privacy")


@cache
def _release() -> tuple[str, datetime]:
    """What a deploy changes in rendered pages (templates, translations and code: names, sizes, times), and the
    latest of those times. Computed once per process; machines with other file times only share fewer entries."""
    digest, latest = hashlib.sha256(), 0
    patterns = ("templates/**/*.html", "locale/**/*.mo", *(f"{app}/**/*.py" for app in PROJECT_PACKAGES))
    for path in sorted(path for pattern in patterns for path in settings.BASE_DIR.glob(pattern)):
        stat = path.stat()
        digest.update(f"{path.relative_to(settings.BASE_DIR)} {stat.st_size} {stat.st_mtime_ns}\n".encode())
        latest = max(latest, stat.st_mtime)
    return digest.hexdigest()[:16], datetime.fromtimestamp(int(latest), tz=UTC)


def release() -> str:
    return _release()[0]


def release_time() -> datetime:
    return _release()[1]


def may_keep(request) -> bool:
    """Whether this request's page may come from the cache at all (see the module's docstring)."""
    return settings.ORDER_PAGE_CACHE_SECONDS > 0 and not request.user.is_staff and not len(get_messages(request))


def order_page_key(request, *, page: str, order_id: int) -> PageKey | None:
    """Where this response of an order's page is kept, or None when it must be rendered (see the docstring)."""
    query = request.META.get("QUERY_STRING", "")
    # No query string (opened from the default list) is the panel's own link: nothing to parse.
    if not may_keep(request) or (query and query != back_query(request).back_param.removeprefix("?")):
        return None
    found = order_versions(order_id=order_id, account_id=request.user.pk)
    if found is None or found[0] == OrderStatus.NOT_PAID:
        return None
    _status, time_zone, order_version, account_version, reference_version, *changes = found
    now = timezone.now()
    # With the instants of the last bumps: ids and versions come back after a database is restored, these do not.
    versions = [order_version, account_version, reference_version, *changes]
    day = local_date(now, time_zone)
    return PageKey(
        key=hashed(
            f"order-page:{page}:{order_id}", [release(), request.user.pk, get_language(), day, *versions, query]
        ),
        changed_at=last_change(changes, days={time_zone: day}),
    )


def order_document_key(order: Order) -> str:
    """What an order's documents (purchase order, bill, credit notes) show: its page versions, its local day, the
    language, the release and, while it is unpaid, whether its expiry (or the payment hold after it) has passed.
    Independent of who reads it (staff read anyone's)."""
    status, time_zone, *versions = order_versions(order_id=order.pk, account_id=order.account_id)
    now = timezone.now()
    expiry = []
    if status == OrderStatus.NOT_PAID and order.expires_at:
        expiry = [now >= order.expires_at, now >= order.expires_at + timedelta(days=settings.PAYMENT_HOLD_DAYS)]
    # The order's number and creation too: a PDF file outlives a database restored from a backup, whose ids come back.
    identity = [order.number, order.created_at]
    return hashed(
        f"document:{order.pk}", [release(), get_language(), local_date(now, time_zone), *versions, *expiry, *identity]
    )


def document_download(order: Order, *, kind: str, object_id: int, number: str, html: Callable[[], str]) -> HttpResponse:
    """The PDF of an order's document as an attachment `<kind>-<number>.pdf`, kept under `order_document_key`
    (orders.pdf_cache); `html()` renders its HTML, only when the PDF must be rendered."""
    pdf = document_pdf(
        kind=kind, object_id=object_id, language=get_language() or "en", key=order_document_key(order), html=html
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{number}.pdf"'
    return response


def _personalised(request, content: bytes, token: str) -> bytes:
    """The response's own CSRF token and CSP nonce in place of the placeholders."""
    return content.replace(CSRF_PLACEHOLDER.encode(), token.encode()).replace(
        NONCE_PLACEHOLDER.encode(), str(get_nonce(request)).encode()
    )


def _etag(key: str, csrf_secret: str) -> str:
    """The page's entity tag: its key, and the CSRF secret (the cookie) whose token the browser's copy holds."""
    return '"' + hashlib.sha256(f"{key}\n{csrf_secret}".encode()).hexdigest()[:32] + '"'


def _validators(response: HttpResponse, etag: str, key: PageKey) -> HttpResponse:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(key.changed_at.timestamp())
    patch_cache_control(response, private=True, no_cache=True)
    return response


def cached_page(request, *, key: PageKey | None, render: Callable[[dict], HttpResponse]) -> HttpResponse:
    """304 if the browser holds this page, else the page kept under `key`, else `render(extra_context)`'s, kept
    there; rendered as usual without a key. `render` renders the whole page with `extra_context` added to its
    context (the placeholders, or nothing)."""
    if key is None:
        return render({})
    # Without a CSRF cookie the response makes one, and the page holds a token of it: masked once, used below.
    token = None if "CSRF_COOKIE" in request.META else get_token(request)
    etag = _etag(key.key, request.META["CSRF_COOKIE"])
    not_modified = get_conditional_response(request, etag=etag, last_modified=int(key.changed_at.timestamp()))
    if not_modified is not None:
        # No CSP header: the browser keeps the one it stored, whose nonce its copy of the page holds.
        not_modified._csp_config = {}
        return _validators(not_modified, etag, key)
    content = kept_pages.kept(key.key)
    if content is not None:
        response = HttpResponse(content)
    else:
        response = render(PLACEHOLDERS)
        if response.status_code == 200:
            kept_pages.keep(key.key, response.content)
    response.content = _personalised(request, response.content, token or get_token(request))
    return _validators(response, etag, key) if response.status_code == 200 else response


def cached_order_page(request, *, page: str, order_id: int, render: Callable[[dict], HttpResponse]) -> HttpResponse:
    """An order's page from the cache, or rendered (and kept when it may be)."""
    return cached_page(request, key=order_page_key(request, page=page, order_id=order_id), render=render)
