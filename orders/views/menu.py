"""What an order's "…" menu (templates/orders/_order_menu.html) offers, decided in Python: templates only
show what the view allowed. Shared by the list and the order's own pages.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import get_language

from orders.legal import legal_text
from orders.models import Order, OrderStatus

# An order id no order has (beyond bigint): reversed once, then replaced by each order's id.
_PLACEHOLDER = str(10**20)
ORDER_PAGES = ("purchase_order", "purchase_order_pdf", "tracking", "pay", "withdraw", "bill", "reorder")


class OrderPaths:
    """The paths of an order's pages, each reversed once per page rather than once per order and link
    (a list of 10 orders has 70 links: reversing each was a tenth of the list's time).
    """

    def __init__(self):
        self._patterns = {name: reverse(f"orders:{name}", args=[_PLACEHOLDER]) for name in ORDER_PAGES}

    def of(self, order_id: int) -> dict[str, str]:
        number = str(order_id)
        return {name: pattern.replace(_PLACEHOLDER, number) for name, pattern in self._patterns.items()}


@dataclass(frozen=True)
class MenuLabels:
    withdraw_label: str  # art. 11a's "Withdraw from contract here", from the legal catalogue
    cancel_label: str  # the seeds' "Cancel the order"

    @classmethod
    def current(cls) -> "MenuLabels":
        language = get_language() or "en"
        return cls(
            withdraw_label=legal_text("label_withdraw_button", language),
            cancel_label=legal_text("label_cancel_order", language),
        )


@dataclass(frozen=True)
class OrderMenu:
    order: Order
    back_param: str  # "?back=…" so the order's pages lead back to the same list
    urls: dict[str, str]  # ORDER_PAGES → path, without `back_param`
    can_pay: bool
    can_withdraw: bool
    can_reorder: bool
    has_bill: bool
    withdraw_label: str
    cancel_label: str


def order_menu(
    order: Order,
    *,
    can_withdraw: bool,
    back_param: str = "",
    paths: OrderPaths | None = None,
    labels: MenuLabels | None = None,
) -> OrderMenu:
    """Expects `order.is_expired` and `order.invoice_number` (orders.selectors.account_orders) and whether its
    withdrawal is open (orders.withdrawal). A list passes `paths` and `labels` made once for all its rows.
    """
    labels = labels or MenuLabels.current()
    return OrderMenu(
        order=order,
        back_param=back_param,
        urls=(paths or OrderPaths()).of(order.pk),
        can_pay=order.status == OrderStatus.NOT_PAID and not order.is_expired,
        can_withdraw=can_withdraw,
        can_reorder=order.is_expired,
        has_bill=bool(getattr(order, "invoice_number", None)),
        withdraw_label=labels.withdraw_label,
        cancel_label=labels.cancel_label,
    )
