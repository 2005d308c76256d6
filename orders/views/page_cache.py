"""Pages kept rendered in the cache, under a key that changes with everything they show, so that a repeated
visit skips their queries and templates (docs/performance.md): the machinery (`cached_page`, `may_keep`,
`first_row`, `release`), and the keys of the pages of one order (tracking, purchase order). The list's key
is in orders.views.list_cache.

What an order's page shows depends on, and its key holds:
- the rows it reads: the order, its account and subsidiary, its lines and their plans, services, events,
  consents, payments, refunds and their credit notes, invoice, withdrawal and its lines, supporting documents,
  and the account's payment methods. `fingerprint` reads every one's `(id, xmin, ctid)` in one indexed query.
  A committed write gives a row a new `xmin`, and each new version of a row has its own `ctid` even within one
  transaction, so any insert, update or delete, by a service, a sweep's bulk SQL or the admin, makes a new key;
- the day in the subsidiary's time zone: withdrawal deadlines end at local midnight, refunds are prorated per
  day, a saved card is usable until the end of its month;
- the language, the query string (the page's link back to the list, and the language form's `next`), the
  release (templates, translations and code, `release`).
An unpaid order also depends on the instant (it expires at one, later while a debit holds it): its pages are
never kept. Neither are pages with messages to show (showing consumes them), staff's (who may read anyone's
order), query strings other than a well-formed link back to the list (so a client cannot fill the cache with
variants), nor anything on SQLite (no `xmin`: the quick start renders every page) or with
`ORDER_PAGE_CACHE_SECONDS` at 0.

The CSRF token and the CSP nonce differ for every response: pages are rendered with NUL-delimited placeholders,
which no stored text can contain (PostgreSQL text cannot hold NUL), and each response fills in its own.
"""

import hashlib
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache as default_cache
from django.db import connection
from django.http import HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from accounts.models import PaymentMethod, Subsidiary, User
from catalog.models import Plan
from core.localtime import local_date

from ..models import (
    Consent,
    CreditNote,
    Invoice,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    Refund,
    Service,
    SupportingDocument,
    Withdrawal,
    WithdrawalLine,
)
from .list_query import back_query

CSRF_PLACEHOLDER = mark_safe("\x00csrf-token\x00")
NONCE_PLACEHOLDER = mark_safe("\x00csp-nonce\x00")
# Given to the template in place of the context processors' values.
PLACEHOLDERS = {"csrf_token": CSRF_PLACEHOLDER, "csp_nonce": NONCE_PLACEHOLDER}


def row_version(alias: str) -> str:
    """SQL for a row's version: a new one for every write (see the module's docstring)."""
    return f"{alias}.xmin::text || '/' || {alias}.ctid::text"


def _rows(model, where: str) -> str:
    """The versions of `model`'s rows matching `where` (on `r`, next to the order `o`), as one text."""
    table, pk = model._meta.db_table, model._meta.pk.column
    return (
        f"coalesce((SELECT string_agg(r.{pk}::text || ':' || {row_version('r')}, ',' ORDER BY r.{pk}) "
        f"FROM {table} r WHERE {where}), '')"
    )


def _ids(model, column: str) -> str:
    """The ids of `model`'s rows of the order `o`, for the tables that hang off them."""
    return f"(SELECT x.{model._meta.pk.column} FROM {model._meta.db_table} x WHERE x.{column} = o.id)"


# Every table the order's pages read (tests/test_page_cache.py checks this against their queries).
ROW_SETS = {
    OrderLine: _rows(OrderLine, "r.order_id = o.id"),
    Plan: _rows(Plan, f"r.id IN (SELECT x.plan_id FROM {OrderLine._meta.db_table} x WHERE x.order_id = o.id)"),
    Service: _rows(Service, f"r.origin_line_id IN {_ids(OrderLine, 'order_id')}"),
    OrderEvent: _rows(OrderEvent, "r.order_id = o.id"),
    Consent: _rows(Consent, "r.order_id = o.id"),
    Payment: _rows(Payment, "r.order_id = o.id"),
    Refund: _rows(Refund, "r.order_id = o.id"),
    CreditNote: _rows(CreditNote, f"r.refund_id IN {_ids(Refund, 'order_id')}"),
    Invoice: _rows(Invoice, "r.order_id = o.id"),
    Withdrawal: _rows(Withdrawal, "r.order_id = o.id"),
    WithdrawalLine: _rows(WithdrawalLine, f"r.withdrawal_id IN {_ids(Withdrawal, 'order_id')}"),
    SupportingDocument: _rows(SupportingDocument, "r.order_id = o.id"),
    PaymentMethod: _rows(PaymentMethod, "r.account_id = o.account_id"),
}
FINGERPRINT_SQL = (
    f"SELECT o.status, s.time_zone, concat_ws('|', {row_version('o')}, {row_version('u')}, {row_version('s')}, "
    + ", ".join(ROW_SETS.values())
    + f") FROM {Order._meta.db_table} o "
    f"JOIN {User._meta.db_table} u ON u.id = o.account_id "
    f"JOIN {Subsidiary._meta.db_table} s ON s.{Subsidiary._meta.pk.column} = o.subsidiary_id "
    "WHERE o.id = %s AND o.account_id = %s"
)
# The tables FINGERPRINT_SQL reads.
TABLES = {model._meta.db_table for model in (Order, User, Subsidiary, *ROW_SETS)}


def first_row(sql: str, params: list) -> tuple | None:
    """The first row of `sql` (with `%s` placeholders).

    psycopg prepares it once it has run DB_PREPARE_THRESHOLD times on a connection (settings): planning these
    queries took twice as long as running them.
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fingerprint(*, order_id: int, account_id: int) -> tuple[str, str, str] | None:
    """(status, subsidiary's time zone, versions of every row shown) of the account's order, or None."""
    return first_row(FINGERPRINT_SQL, [order_id, account_id])


PROJECT_PACKAGES = ("core", "payments", "accounts", "catalog", "controlpanel", "orders", "api", "privacy")


@cache
def release() -> str:
    """What a deploy changes in rendered pages: templates, translations and code (names, sizes, times).

    Computed once per process; machines with other file times only share fewer entries.
    """
    digest = hashlib.sha256()
    patterns = ("templates/**/*.html", "locale/**/*.mo", *(f"{app}/**/*.py" for app in PROJECT_PACKAGES))
    for path in sorted(path for pattern in patterns for path in settings.BASE_DIR.glob(pattern)):
        stat = path.stat()
        digest.update(f"{path.relative_to(settings.BASE_DIR)} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def may_keep(request) -> bool:
    """Whether this request's page may come from the cache at all (see the module's docstring)."""
    return (
        settings.ORDER_PAGE_CACHE_SECONDS > 0
        and connection.vendor == "postgresql"
        and not request.user.is_staff
        and not len(get_messages(request))
    )


def cache_key(request, *, page: str, order_id: int) -> str | None:
    """Where this response is kept, or None when it must be rendered (see the module's docstring)."""
    query = request.META.get("QUERY_STRING", "")
    if not may_keep(request) or query != back_query(request).back_param.removeprefix("?"):
        return None
    found = fingerprint(order_id=order_id, account_id=request.user.pk)
    if found is None or found[0] == OrderStatus.NOT_PAID:
        return None
    _status, time_zone, versions = found
    day = local_date(timezone.now(), time_zone)
    digest = hashlib.sha256(f"{versions}\n{query}".encode()).hexdigest()
    return f"order-page:{release()}:{page}:{order_id}:{request.user.pk}:{get_language()}:{day}:{digest}"


def _personalised(request, content: bytes) -> bytes:
    """The response's own CSRF token and CSP nonce in place of the placeholders."""
    return content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode()).replace(
        NONCE_PLACEHOLDER.encode(), str(get_nonce(request)).encode()
    )


def cached_page(request, *, key: str | None, render: Callable[[dict], HttpResponse]) -> HttpResponse:
    """The page kept under `key`, or `render(extra_context)`'s, kept there; rendered as usual without a key.

    `render` renders the whole page with `extra_context` added to its context (the placeholders, or nothing).
    """
    if key is None:
        return render({})
    content = default_cache.get(key)
    if content is not None:
        response = HttpResponse(content)
    else:
        response = render(PLACEHOLDERS)
        if response.status_code == 200:
            default_cache.set(key, response.content, settings.ORDER_PAGE_CACHE_SECONDS)
    response.content = _personalised(request, response.content)
    return response


def cached_order_page(request, *, page: str, order_id: int, render: Callable[[dict], HttpResponse]) -> HttpResponse:
    """An order's page from the cache, or rendered (and kept when it may be)."""
    return cached_page(request, key=cache_key(request, page=page, order_id=order_id), render=render)
