"""The orders list kept rendered in the cache (orders.views.page_cache), under a key that changes with
everything it shows (docs/performance.md).

A list shows a count over all the account's orders and a page of them, so no fingerprint of the rows shown
can be read cheaply. Its key holds instead:
- the account's change log (orders.models.list_change): its count and largest id change with every write to
  the account's orders, lines, consents, invoices and payments, whoever makes it;
- the versions (`xmin`, `ctid`) of the account's row and of the reference rows the list reads (every
  subsidiary and plan: a few dozen rows);
- the next instant at which one of the account's unpaid orders expires: at its expiry, or at the end of the
  payment hold period if a debit holds it (a payment written changes the log);
- today's date in each subsidiary's time zone (an order's withdrawal period ends at midnight in its own);
- the language, the query string and the release.
Lists filtered on dates or a number are rendered every time (their variants are unbounded), as are invalid
queries (the page shows what was wrong) and, as for any kept page, staff, pending messages and SQLite.
"""

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import Subsidiary
from catalog.models import Plan
from core.localtime import local_date

from ..models import Order, OrderListChange, OrderStatus
from .list_query import ListQuery
from .page_cache import first_row, may_keep, release, row_version

PROBE_SQL = (
    "SELECT "
    f"(SELECT count(*)::text || ':' || coalesce(max(c.id), 0)::text FROM {OrderListChange._meta.db_table} c "
    "WHERE c.account_id = u.id), "
    f"(SELECT array_agg(o.expires_at) FROM {Order._meta.db_table} o "
    f"WHERE o.account_id = u.id AND o.status = '{OrderStatus.NOT_PAID}' AND o.expires_at IS NOT NULL), "
    f"(SELECT array_agg(DISTINCT z.time_zone) FROM {Subsidiary._meta.db_table} z), {row_version('u')}, "
    f"coalesce((SELECT string_agg(x.code || ':' || {row_version('x')}, ',' ORDER BY x.code) "
    f"FROM {Subsidiary._meta.db_table} x), ''), "
    f"coalesce((SELECT string_agg(p.id::text || ':' || {row_version('p')}, ',' ORDER BY p.id) "
    f"FROM {Plan._meta.db_table} p), '') "
    f"FROM {get_user_model()._meta.db_table} u WHERE u.id = %s"
)


def next_expiry(expiries: list[datetime], *, now: datetime) -> datetime | None:
    """The first instant after `now` at which one of these unpaid orders can turn expired."""
    hold = timedelta(days=settings.PAYMENT_HOLD_DAYS)
    instants = [instant for expires_at in expiries for instant in (expires_at, expires_at + hold) if instant > now]
    return min(instants, default=None)


def list_cache_key(request, *, query: ListQuery, valid: bool, partial: bool) -> str | None:
    """Where this list response is kept, or None when it must be rendered (see the module's docstring)."""
    raw = request.META.get("QUERY_STRING", "")
    if not valid or query.date_from or query.date_to or query.q or raw != query.query_string():
        return None
    if not may_keep(request):
        return None
    changes, expiries, time_zones, *versions = first_row(PROBE_SQL, [request.user.pk])
    now = timezone.now()
    expiry = next_expiry(expiries or [], now=now)
    days = [local_date(now, time_zone).isoformat() for time_zone in time_zones or []]
    until = expiry.isoformat() if expiry else "never"
    digest = hashlib.sha256("\n".join([changes, *versions, raw, *days, until]).encode()).hexdigest()
    fragment = "rows" if partial else "page"
    return f"order-list:{release()}:{request.user.pk}:{get_language()}:{fragment}:{digest}"
