"""The key of "View my orders" in the page cache (orders.views.page_cache).

A list shows a count over all the account's orders and a page of them. Its key holds:
- the account's page version, which every write to one of its orders bumps, and the reference data's;
- the next instant at which one of the account's unpaid orders turns expired: at its expiry, or at the end of
  the payment hold period if a debit holds it (a payment bumps the versions);
- today's date in each subsidiary's time zone (an order's withdrawal period ends at midnight in its own);
- the language, the query string and the release.
All of it comes from one query on the version rows and the index of the account's unpaid orders.
Lists filtered on dates or a number are rendered every time (their variants are unbounded), as are invalid
queries (the page shows what was wrong) and, as for any kept page, staff's and pending messages.
"""

from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import Subsidiary
from core.localtime import local_date
from core.page_versions import REFERENCE_ID
from core.raw_sql import instant, literal, rows

from ..models import Order, OrderStatus
from .list_query import ListQuery
from .page_cache import CHANGED_AT, PageKey, Scope, hashed, last_change, may_keep, release, version_join


def _unpaid(aggregate: str, comparison: str) -> str:
    """SQL: `aggregate` of the expiries of the account's unpaid orders that compare so to a parameter."""
    return (
        f"(SELECT {aggregate}(o.expires_at) FROM {Order._meta.db_table} o WHERE o.account_id = u.id "
        f"AND o.status = {literal(OrderStatus.NOT_PAID)} AND o.expires_at {comparison} %s)"
    )


LIST_VERSIONS_SQL = (
    "SELECT coalesce(av.value, 0), coalesce(rv.value, 0), av.changed_at, rv.changed_at, "
    f"{_unpaid('min', '>')}, {_unpaid('min', '>')}, {_unpaid('max', '<=')}, {_unpaid('max', '<=')} "
    f"FROM {get_user_model()._meta.db_table} u {version_join('av', Scope.ACCOUNT, 'u.id')} "
    f"{version_join('rv', Scope.REFERENCE, str(REFERENCE_ID))} WHERE u.id = %s"
)

# Converted as the ORM would (SQLite returns instants as text): the two versions, their last bumps' instants, and
# the four expiries.
EXPIRES_AT = Order._meta.get_field("expires_at")
LIST_VERSIONS_COLUMNS = (None, None, CHANGED_AT, CHANGED_AT, *[EXPIRES_AT] * 4)


@lru_cache(maxsize=1)
def _time_zones(reference_version: int) -> tuple[str, ...]:
    """The subsidiaries' time zones, read again when the reference data changes."""
    return tuple(sorted(set(Subsidiary.objects.values_list("time_zone", flat=True))))


def list_page_key(request, *, query: ListQuery, valid: bool, partial: bool) -> PageKey | None:
    """Where this list response is kept, or None when it must be rendered (see the module's docstring)."""
    raw = request.META.get("QUERY_STRING", "")
    if not valid or query.date_from or query.date_to or query.q or raw != query.query_string():
        return None
    if not may_keep(request):
        return None
    now = timezone.now()
    hold = timedelta(days=settings.PAYMENT_HOLD_DAYS)
    [found] = rows(
        LIST_VERSIONS_SQL,
        [instant(now), instant(now - hold), instant(now), instant(now - hold), request.user.pk],
        *LIST_VERSIONS_COLUMNS,
    )
    account_version, reference_version, account_change, reference_change, *expiries = found
    # With the instants of the last bumps: ids and versions come back after a database is restored, these do not.
    versions = [account_version, reference_version, account_change, reference_change]
    next_expiry, next_hold_end, last_expiry, last_hold_end = expiries
    # The instants at which an unpaid order turns expired: its expiry, or the end of the hold after it.
    upcoming = [i for i in (next_expiry, next_hold_end and next_hold_end + hold) if i]
    passed = [i for i in (last_expiry, last_hold_end and last_hold_end + hold) if i]
    days = {name: local_date(now, name) for name in _time_zones(reference_version)}
    until = min(upcoming).isoformat() if upcoming else "never"
    fragment = "rows" if partial else "page"
    return PageKey(
        key=hashed(
            f"order-list:{request.user.pk}:{fragment}",
            [release(), get_language(), *versions, ",".join(day.isoformat() for day in days.values()), until, raw],
        ),
        changed_at=last_change([account_change, reference_change, *passed], days=days),
    )
