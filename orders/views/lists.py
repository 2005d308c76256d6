"""The dashboard and "View my orders": sortable, filterable, paginated, with every parameter in the URL."""

from dataclasses import dataclass, replace

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import InvalidPage, Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders import history
from orders.models import CancelReason, Order, OrderStatus
from orders.order_list import AccountOrderList
from orders.selectors import (
    account_dashboard,
    mark_expiry,
    withdrawable_ids,
)
from orders.withdrawal import order_rule

from .list_cache import list_page_key
from .list_query import parse_list_query
from .menu import MenuLabels, OrderPaths, order_menu
from .page_cache import cached_page

COLUMNS = {
    "date": gettext_lazy("Date"),
    "number": gettext_lazy("Order number"),
    "amount": gettext_lazy("Amount incl. VAT"),
}
FIRST_DIRECTION = {"date": "-date", "number": "number", "amount": "amount"}


@dataclass(frozen=True)
class SortColumn:
    name: str
    label: str
    url: str
    aria_sort: str  # "ascending", "descending", or "" when the list is not sorted on this column


def partial_requested(request) -> bool:
    """htmx swaps a fragment, except when it restores a page missing from its history cache."""
    return bool(request.htmx) and not request.htmx.history_restore_request


@login_required
def dashboard(request):
    shown = account_dashboard(account=request.user, now=timezone.now())
    event = shown.event
    return render(
        request,
        "orders/dashboard.html",
        {
            "order": shown.order,
            "event": event,
            "event_label": history.LABEL_TEXTS.get(event.label, event.label) if event else "",
            "refunds_needing_iban": shown.refunds_needing_iban,
        },
    )


def _sort_columns(query) -> dict[str, SortColumn]:
    columns = {}
    for name, label in COLUMNS.items():
        if query.sort == name:
            aria_sort, target = "ascending", f"-{name}"
        elif query.sort == f"-{name}":
            aria_sort, target = "descending", name
        else:
            aria_sort, target = "", FIRST_DIRECTION[name]
        columns[name] = SortColumn(name, label, query.url(sort=target, page=1), aria_sort)
    return columns


def _status_choices():
    return [
        ("", _("All except expired orders")),
        *OrderStatus.choices,
        ("expired", CancelReason.EXPIRED.label),
        ("all", _("All, including expired orders")),
    ]


@login_required
def order_list(request):
    query, problems = parse_list_query(request.GET)
    partial = partial_requested(request)
    key = list_page_key(request, query=query, valid=not problems, partial=partial)
    response = cached_page(request, key=key, render=lambda extra: _order_list(request, query, problems, partial, extra))
    patch_vary_headers(response, ["HX-Request"])
    return response


def _order_list(request, query, problems: list[str], partial: bool, extra_context: dict):
    now = timezone.now()
    orders = AccountOrderList(account=request.user, now=now, **query.filters())
    paginator = Paginator(orders, settings.ORDER_LIST_PAGE_SIZE)
    try:
        page = paginator.page(query.page)
    except InvalidPage:
        problems.append(_("There is no page %(page)s: showing the first page.") % {"page": query.page})
        query = replace(query, page=1)
        page = paginator.page(1)
    orders = page.object_list
    mark_expiry(orders, now=now)
    # Lines and consents only for the orders whose lines decide (paid, open, in their period): few of a page.
    verdicts = {order.pk: order_rule(order, now=now) for order in orders}
    withdrawable = withdrawable_ids([order for order in orders if verdicts[order.pk] is None])
    paths, labels, back_param = OrderPaths(), MenuLabels.current(), query.back_param
    rows = [
        order_menu(
            order,
            can_withdraw=verdicts[order.pk].eligible if verdicts[order.pk] else order.pk in withdrawable,
            back_param=back_param,
            paths=paths,
            labels=labels,
        )
        for order in orders
    ]
    status_choices = _status_choices()
    context = {
        "query": query,
        "problems": problems,
        "page": page,
        "rows": rows,
        "columns": _sort_columns(query),
        "status_choices": status_choices,
        "status_label": dict(status_choices)[query.status],
        "has_orders": bool(rows) or Order.objects.filter(account=request.user).exists(),
        "previous_url": query.url(page=page.previous_page_number()) if page.has_previous() else "",
        "next_url": query.url(page=page.next_page_number()) if page.has_next() else "",
        **extra_context,
    }
    return render(request, "orders/list.html#rows" if partial else "orders/list.html", context)
