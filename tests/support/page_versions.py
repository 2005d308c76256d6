"""Reading the page versions (core.page_versions) in tests: a write a page shows must bump them."""

from collections.abc import Iterable
from contextlib import contextmanager

from core.models import PageVersion
from core.page_versions import REFERENCE_ID

Scope = PageVersion.Scope


def version(scope: str, object_id: int) -> int:
    row = PageVersion.objects.filter(scope=scope, object_id=object_id).values_list("value", flat=True).first()
    return row or 0


def order_versions(order) -> tuple[int, int]:
    """(the order's version, its account's version)."""
    return version(Scope.ORDER, order.pk), version(Scope.ACCOUNT, order.account_id)


def account_version(account_id: int) -> int:
    return version(Scope.ACCOUNT, account_id)


def reference_version() -> int:
    return version(Scope.REFERENCE, REFERENCE_ID)


@contextmanager
def bumped(*, orders: Iterable = (), accounts: Iterable[int] = (), reference: bool = False):
    """Asserts that the block grows the version of each of these orders and of its account, of each of these
    accounts (ids), and of the reference data if `reference`."""
    keys = [(Scope.ORDER, order.pk) for order in orders] + [(Scope.ACCOUNT, order.account_id) for order in orders]
    keys += [(Scope.ACCOUNT, account_id) for account_id in accounts]
    keys += [(Scope.REFERENCE, REFERENCE_ID)] if reference else []
    before = {key: version(*key) for key in keys}
    yield
    assert [key for key in keys if version(*key) <= before[key]] == [], "these page versions did not grow"
