"""Reading the page versions (core.page_versions) in tests: a write a page shows must bump them."""

from core.models import PageVersion
from core.page_versions import REFERENCE_ID


def version(scope: str, object_id: int) -> int:
    row = PageVersion.objects.filter(scope=scope, object_id=object_id).values_list("value", flat=True).first()
    return row or 0


def order_versions(order) -> tuple[int, int]:
    """(the order's version, its account's version)."""
    return version(PageVersion.Scope.ORDER, order.pk), version(PageVersion.Scope.ACCOUNT, order.account_id)


def account_version(account_id: int) -> int:
    return version(PageVersion.Scope.ACCOUNT, account_id)


def reference_version() -> int:
    return version(PageVersion.Scope.REFERENCE, REFERENCE_ID)
