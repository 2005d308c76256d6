"""What an order's "…" menu (the `order_menu` tag of orders/templatetags/panel.py) offers, decided in Python:
templates only show what the view allowed. Shared by the list and the order's own pages.
"""

from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.url_tag import reverse_once
from orders.legal import legal_text
from orders.models import Order, OrderStatus

# An order id no order has (beyond bigint): reversed once, then replaced by each order's id.
_PLACEHOLDER = str(10**20)
ORDER_PAGES = ("purchase_order", "purchase_order_pdf", "tracking", "pay", "withdraw", "bill", "reorder")


class OrderPaths:
    """The paths of an order's pages, each reversed once per process (core.url_tag.reverse_once) rather than once
    per order and link (a list of 10 orders has 70 links: reversing each was a tenth of the list's time).
    """

    def __init__(self):
        self._patterns = {name: reverse_once(f"orders:{name}", args=(_PLACEHOLDER,)) for name in ORDER_PAGES}

    def of(self, order_id: int) -> dict[str, str]:
        number = str(order_id)
        return {name: pattern.replace(_PLACEHOLDER, number) for name, pattern in self._patterns.items()}


@dataclass(frozen=True)
class MenuLabels:
    """The menu's labels, translated once per page rather than once per order."""

    withdraw_label: str  # art. 11a's "Withdraw from contract here", from the legal catalogue
    cancel_label: str  # the seeds' "Cancel the order"
    view_html: str
    download_pdf: str
    tracking: str
    pay: str
    view_bill: str
    actions: str  # "Actions for order %(number)s"
    order_number: str  # "order %(number)s"

    @classmethod
    def current(cls) -> "MenuLabels":
        language = get_language() or "en"
        return cls(
            withdraw_label=legal_text("label_withdraw_button", language),
            cancel_label=legal_text("label_cancel_order", language),
            view_html=_("View order in HTML format"),
            download_pdf=_("Download PDF"),
            tracking=_("Order tracking"),
            pay=_("Pay"),
            view_bill=_("View bill"),
            actions=_("Actions for order %(number)s"),
            order_number=_("order %(number)s"),
        )


@dataclass(frozen=True)
class MenuLink:
    href: str
    label: str


@dataclass(frozen=True)
class OrderMenu:
    order: Order
    back_param: str  # "?back=…" so the order's pages lead back to the same list
    urls: dict[str, str]  # ORDER_PAGES → path, without `back_param`
    links: list[MenuLink]  # the menu's entries, in order, with their final hrefs
    can_withdraw: bool
    can_reorder: bool
    withdraw_label: str
    actions_label: str  # "Actions for order N", for screen readers
    number_label: str  # "order N", telling screen readers which order a list row's withdraw link is for

    @property
    def withdraw_href(self) -> str:
        return self.urls["withdraw"] + self.back_param

    @property
    def tracking_href(self) -> str:
        return self.urls["tracking"] + self.back_param


def order_menu(
    order: Order,
    *,
    can_withdraw: bool,
    back_param: str = "",
    paths: OrderPaths | None = None,
    labels: MenuLabels | None = None,
) -> OrderMenu:
    """Expects `order.is_expired` (orders.selectors.mark_expiry), `order.invoice_number` (account_orders) and
    whether its withdrawal is open (orders.withdrawal). A list passes `paths` and `labels` made once for all its
    rows. The links are built here, so that a list's template renders each with two lookups.
    """
    labels = labels or MenuLabels.current()
    urls = (paths or OrderPaths()).of(order.pk)
    # No second payment while a debit is under way (orders.selectors.with_payment_in_progress).
    can_pay = order.status == OrderStatus.NOT_PAID and not order.is_expired and not order.payment_in_progress
    entries = [
        (True, urls["purchase_order"] + back_param, labels.view_html),
        (True, urls["purchase_order_pdf"], labels.download_pdf),
        (True, urls["tracking"] + back_param, labels.tracking),
        (can_pay, urls["pay"] + back_param, labels.pay),
        (can_withdraw, urls["withdraw"] + back_param, labels.cancel_label),
        (bool(getattr(order, "invoice_number", None)), urls["bill"], labels.view_bill),
    ]
    return OrderMenu(
        order=order,
        back_param=back_param,
        urls=urls,
        links=[MenuLink(href, label) for shown, href, label in entries if shown],
        can_withdraw=can_withdraw,
        can_reorder=order.is_expired,
        withdraw_label=labels.withdraw_label,
        actions_label=labels.actions % {"number": order.number},
        number_label=labels.order_number % {"number": order.number},
    )
