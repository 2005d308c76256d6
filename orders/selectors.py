"""Reads: every customer-facing query starts from the account, so nobody reaches another's order."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404

from accounts.models import PaymentKind

from .localtime import end_of_local_day
from .models import CancelReason, Consent, Order, OrderEvent, OrderLine, OrderStatus, Payment


def unpaid_expired_q(now: datetime) -> Q:
    """Unpaid and past expiry with no debit in progress (a debit holds it until expiry + the hold period).

    Such an order counts as expired everywhere, even before the sweep marks it.
    """
    held = Payment.objects.filter(order=OuterRef("pk"), status=Payment.Status.PENDING).exclude(
        kind=PaymentKind.BANK_TRANSFER
    )
    hold_limit = now - timedelta(days=settings.PAYMENT_HOLD_DAYS)
    return Q(status=OrderStatus.NOT_PAID, expires_at__lte=now) & (~Exists(held) | Q(expires_at__lte=hold_limit))


def expired_q(now: datetime) -> Q:
    return Q(status=OrderStatus.CANCELLED, cancel_reason=CancelReason.EXPIRED) | unpaid_expired_q(now)


def with_expiry(queryset: QuerySet, now: datetime) -> QuerySet:
    """Annotate `is_expired` in the same query, so lists stay at a constant number of queries."""
    return queryset.annotate(
        is_expired=Case(When(expired_q(now), then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def account_orders(*, account, now: datetime) -> QuerySet:
    """The account's orders with `is_expired` and `invoice_number` (empty until invoiced), in one query."""
    orders = (
        Order.objects.filter(account=account).select_related("subsidiary").annotate(invoice_number=F("invoice__number"))
    )
    return with_expiry(orders, now)


def account_order(*, account, order_id: int, now: datetime) -> Order:
    """One of the account's orders, or 404 (another customer's order does not exist for them)."""
    return get_object_or_404(account_orders(account=account, now=now), pk=order_id)


# --- customer pages: dashboard, "View my orders", tracking --------------------------------------------

LIST_SORTS = {"date": ("created_at", "id"), "number": ("id",), "amount": ("total_gross", "id")}
# Lines with their plans in one query, ordered within each order without joining the orders again.
WITHDRAWAL_PREFETCH = (
    Prefetch("lines", queryset=OrderLine.objects.select_related("plan").order_by("order_id", "group", "kind")),
    "consents",
)


def account_order_list(
    *,
    account,
    now: datetime,
    status: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    number: str = "",
    sort: str = "-date",
) -> QuerySet:
    """The list "View my orders": expired orders hidden unless asked for ("expired", or "all").

    Dates are local dates of the account's subsidiary, both ends included; `number` is a part of the number.
    """
    orders = account_orders(account=account, now=now)
    if status == "expired":
        orders = orders.filter(is_expired=True)
    elif status != "all":
        orders = orders.filter(is_expired=False)
        if status:
            orders = orders.filter(status=status)
    if date_from or date_to:  # the subsidiary is a query of its own: only when dates ask for it
        tz_name = account.subsidiary.time_zone
        if date_from:
            orders = orders.filter(created_at__gte=end_of_local_day(date_from - timedelta(days=1), tz_name))
        if date_to:
            orders = orders.filter(created_at__lt=end_of_local_day(date_to, tz_name))
    if number:
        orders = orders.annotate(number_text=Cast("pk", CharField())).filter(number_text__contains=number)
    prefix = "-" if sort.startswith("-") else ""
    return orders.order_by(*(prefix + name for name in LIST_SORTS[sort.removeprefix("-")]))


# Only the columns `withdrawal_eligibility` reads: a list shows no line, and a consent's text is long.
ELIGIBILITY_PREFETCH = (
    Prefetch(
        "lines",
        queryset=WITHDRAWAL_PREFETCH[0].queryset.only(
            "order_id", "cancelled_at", "delivered_at", "gross_amount", "period_start", "period_end", "plan__excludable"
        ),
    ),
    Prefetch("consents", queryset=Consent.objects.only("order_id", "kind", "given_at")),
)


def prefetch_for_withdrawal(orders: list[Order]) -> list[Order]:
    """What `withdrawal_eligibility` reads, fetched once for a page of orders rather than once per order."""
    prefetch_related_objects(orders, *WITHDRAWAL_PREFETCH)
    return orders


def prefetch_for_eligibility(orders: list[Order]) -> list[Order]:
    """As `prefetch_for_withdrawal`, for pages that only show whether each order can be withdrawn (the list)."""
    prefetch_related_objects(orders, *ELIGIBILITY_PREFETCH)
    return orders


def latest_event(order: Order) -> OrderEvent | None:
    """The order's most recent history event (the dashboard's "Most recent order" tile)."""
    return order.events.order_by("-created_at", "-id").first()
