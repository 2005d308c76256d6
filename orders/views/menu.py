"""What an order's "…" menu (templates/orders/_order_menu.html) offers, decided in Python: templates only
show what the view allowed. Shared by the list and the order's own pages.
"""

from dataclasses import dataclass

from django.utils.translation import get_language

from orders.legal import legal_text
from orders.models import Order, OrderStatus
from orders.withdrawal import Eligibility


@dataclass(frozen=True)
class OrderMenu:
    order: Order
    back_param: str  # "?back=…" so the order's pages lead back to the same list
    can_pay: bool
    can_withdraw: bool
    can_reorder: bool
    has_bill: bool
    withdraw_label: str  # art. 11a's "Withdraw from contract here", from the legal catalogue
    cancel_label: str  # the seeds' "Cancel the order"


def order_menu(order: Order, *, eligibility: Eligibility, back_param: str = "") -> OrderMenu:
    """Expects `order.is_expired` and `order.invoice_number` (orders.selectors.account_orders) and its eligibility."""
    language = get_language() or "en"
    return OrderMenu(
        order=order,
        back_param=back_param,
        can_pay=order.status == OrderStatus.NOT_PAID and not order.is_expired,
        can_withdraw=eligibility.eligible,
        can_reorder=order.is_expired,
        has_bill=bool(getattr(order, "invoice_number", None)),
        withdraw_label=legal_text("label_withdraw_button", language),
        cancel_label=legal_text("label_cancel_order", language),
    )
