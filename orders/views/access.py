"""Which order a request may read: its own, or, for staff, anyone's (accounts.two_factor.staff_may)."""

from django.utils import timezone

from accounts.two_factor import staff_may

from ..models import Order
from ..selectors import account_order, any_order


def readable_order(request, order_id: int, *, permission: str) -> Order:
    """The customer's own order; staff whose session may use `permission` (the admin's permission for what the
    page shows, with the second factor) may open anyone's. Otherwise 404, as for an order that does not exist."""
    now = timezone.now()
    if staff_may(request, permission):
        return any_order(order_id=order_id, now=now)
    return account_order(account=request.user, order_id=order_id, now=now)
