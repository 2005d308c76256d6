"""Bumping the versions of an order's pages (core.page_versions): the order's own and its account's, whose
orders list shows it. Called by every service that writes something the order's pages or the list show."""

from collections.abc import Iterable

from core.page_versions import SCOPE, Scope, bump_selected

from .models import Order

_ORDERS = f"FROM {Order._meta.db_table} WHERE id IN"


def order_pages_changed(*, order_ids: Iterable[int]) -> None:
    """After a write to these orders or to anything they hold (lines, events, payments, refunds, documents…)."""
    ids = sorted(set(order_ids))
    if not ids:
        return
    marks = ", ".join(["%s"] * len(ids))
    bump_selected(
        f"SELECT {SCOPE} AS scope, id AS object_id {_ORDERS} ({marks}) "
        f"UNION ALL SELECT {SCOPE}, account_id {_ORDERS} ({marks})",
        [Scope.ORDER, *ids, Scope.ACCOUNT, *ids],
    )
