"""Versions of what a customer's pages show, bumped in the same transaction as the write that changes them.

Every service that writes something an order's pages or the orders list show calls one of these after
writing: `orders.page_versions.order_pages_changed` for an order (its version and its account's, since the
list shows every order), `account_pages_changed` for the account's own rows (details, payment methods),
`reference_pages_changed` for the subsidiaries and plans every page reads. A version only grows, so a page
key built on it never comes back to an earlier one; a missing row reads as 0.

The bump is an upsert, in the writer's transaction: a reader sees the new version only with the new rows.
Rows are bumped in (scope, id) order, so two transactions bumping the same rows wait rather than deadlock.
"""

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from .models import PageVersion

TABLE = PageVersion._meta.db_table
Scope = PageVersion.Scope
REFERENCE_ID = 0  # the reference data's one row
# Typed placeholders: PostgreSQL cannot infer a bare parameter's type in a UNION.
SCOPE, OBJECT_ID = "CAST(%s AS varchar(10))", "CAST(%s AS bigint)"


def bump_selected(select_sql: str, params: Iterable = ()) -> None:
    """Bumps the versions of the `(scope, object_id)` rows that `select_sql` yields (duplicates allowed)."""
    sql = (
        f"INSERT INTO {TABLE} (scope, object_id, value, changed_at) "
        f"SELECT DISTINCT scope, object_id, 1, %s FROM ({select_sql}) AS changed WHERE true ORDER BY scope, object_id "
        f"ON CONFLICT (scope, object_id) DO UPDATE SET value = {TABLE}.value + 1, changed_at = excluded.changed_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), *params])


def _values(scope: str, ids: Iterable[int]) -> tuple[str, list]:
    ids = sorted(set(ids))
    rows = " UNION ALL ".join([f"SELECT {SCOPE} AS scope, {OBJECT_ID} AS object_id"] * len(ids))
    return rows, [value for object_id in ids for value in (scope, object_id)]


def account_pages_changed(*, account_ids: Iterable[int]) -> None:
    """After a write to what the accounts' pages show of the account itself: its details, its payment methods."""
    rows, params = _values(Scope.ACCOUNT, account_ids)
    if rows:
        bump_selected(rows, params)


def reference_pages_changed() -> None:
    """After a write to the subsidiaries or plans: every page reads them."""
    bump_selected(*_values(Scope.REFERENCE, [REFERENCE_ID]))
