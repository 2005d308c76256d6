"""Reads: every customer-facing query starts from the account, so nobody reaches another's order."""

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404

from accounts.models import Subsidiary, User
from core.localtime import end_of_local_day
from core.raw_sql import columns, first
from payments.kinds import PaymentKind

from .models import CancelReason, Cart, Consent, Order, OrderEvent, OrderLine, OrderStatus, Payment, Refund
from .models.order import SETTLED
from .withdrawal import line_excluded


def unpaid_expired_q(now: datetime) -> Q:
    """Unpaid and past expiry with no debit in progress (a debit holds it until expiry + the hold period).

    Such an order counts as expired everywhere, even before the sweep marks it.
    """
    held = held_payments().filter(order=OuterRef("pk"))
    hold_limit = now - timedelta(days=settings.PAYMENT_HOLD_DAYS)
    return Q(status=OrderStatus.NOT_PAID, expires_at__lte=now) & (~Exists(held) | Q(expires_at__lte=hold_limit))


def expired_q(now: datetime) -> Q:
    return Q(status=OrderStatus.CANCELLED, cancel_reason=CancelReason.EXPIRED) | unpaid_expired_q(now)


def not_expired(now: datetime) -> RawSQL:
    """`~expired_q(now)` written as SQL once, for "View my orders": the ORM took longer to build and compile that
    expression (its `Exists`) than the database took to run it. The same condition, column for column."""
    order, payment = Order._meta.db_table, Payment._meta.db_table
    sql = (
        f'NOT (("{order}"."cancel_reason" = %s AND "{order}"."status" = %s) OR '
        f'("{order}"."expires_at" <= %s AND "{order}"."status" = %s AND '
        f'(NOT EXISTS (SELECT 1 FROM "{payment}" held WHERE held."status" = %s AND NOT (held."kind" = %s) '
        f'AND held."order_id" = "{order}"."id") OR "{order}"."expires_at" <= %s)))'
    )
    hold_limit = now - timedelta(days=settings.PAYMENT_HOLD_DAYS)
    params = (
        CancelReason.EXPIRED.value,
        OrderStatus.CANCELLED.value,
        now,
        OrderStatus.NOT_PAID.value,
        Payment.Status.PENDING.value,
        PaymentKind.BANK_TRANSFER.value,
        hold_limit,
    )
    return RawSQL(sql, params, output_field=BooleanField())


def held_payments() -> QuerySet:
    """Debits in progress (card, SEPA, PayPal): each holds its unpaid order open past expiry for the hold period."""
    return Payment.objects.filter(status=Payment.Status.PENDING).exclude(kind=PaymentKind.BANK_TRANSFER)


def expired_ids(orders: Iterable[tuple[int, str, str, datetime | None]], *, now: datetime) -> set[int]:
    """The ids of the orders that `expired_q(now)` matches, given each as (id, status, cancel_reason, expires_at).

    Decided in Python from the orders' own columns: the expression costs more to build and compile than the
    rest of a page's query. Only an unpaid order past expiry but still inside the hold period needs to know
    whether a debit holds it: one query for all such orders (none on most pages).
    """
    hold_limit = now - timedelta(days=settings.PAYMENT_HOLD_DAYS)
    expired, undecided = set(), []
    for pk, status, cancel_reason, expires_at in orders:
        if status == OrderStatus.CANCELLED and cancel_reason == CancelReason.EXPIRED:
            expired.add(pk)
        elif status == OrderStatus.NOT_PAID and expires_at is not None and expires_at <= now:
            if expires_at <= hold_limit:
                expired.add(pk)
            else:
                undecided.append(pk)
    if undecided:
        expired.update(
            set(undecided) - set(held_payments().filter(order__in=undecided).values_list("order_id", flat=True))
        )
    return expired


def mark_expiry(orders: list[Order], *, now: datetime) -> None:
    """Set `is_expired` on each order, as `expired_q(now)` decides it."""
    expired = expired_ids([(o.pk, o.status, o.cancel_reason, o.expires_at) for o in orders], now=now)
    for order in orders:
        order.is_expired = order.pk in expired


def order_or_404(orders: QuerySet, *, order_id: int, now: datetime) -> Order:
    """One order of `orders` with `is_expired` decided, or 404."""
    order = get_object_or_404(orders, pk=order_id)
    mark_expiry([order], now=now)
    return order


def with_payment_in_progress(orders: QuerySet) -> QuerySet:
    """`payment_in_progress` (the id of a debit that holds the order, else None) and `payment_expected_at` (when
    the gateway expects its funds, if it said), read by the status badge and the menu: two index lookups per
    order shown, no query more."""
    held = held_payments().filter(order=OuterRef("pk")).order_by()  # at most one (orders.Payment's constraint)
    # Scalar subqueries, looked up per order shown: an EXISTS would be hashed over every payment in progress.
    return orders.annotate(
        payment_in_progress=Subquery(held.values("pk")[:1]),
        payment_expected_at=Subquery(held.values("expected_at")[:1]),
    )


def account_orders(*, account) -> QuerySet:
    """The account's orders with `invoice_number` (empty until invoiced) and the payment in progress
    (`with_payment_in_progress`); `mark_expiry` decides `is_expired`."""
    orders = Order.objects.filter(account=account).select_related("subsidiary")
    return with_payment_in_progress(orders.annotate(invoice_number=F("invoice__number")))


def account_order(*, account, order_id: int, now: datetime) -> Order:
    """One of the account's orders, or 404 (another customer's order does not exist for them)."""
    return order_or_404(account_orders(account=account), order_id=order_id, now=now)


# --- customer pages: dashboard, "View my orders", tracking --------------------------------------------

LIST_SORTS = {"date": ("created_at", "id"), "number": ("id",), "amount": ("total_gross", "id")}
# Only what `withdrawal_eligibility` reads of the consents: each holds the long legal text it agreed to.
ELIGIBILITY_CONSENTS = Prefetch("consents", queryset=Consent.objects.only("order_id", "kind", "given_at"))
# Lines with their plans in one query, ordered within each order without joining the orders again.
WITHDRAWAL_PREFETCH = (
    Prefetch("lines", queryset=OrderLine.objects.select_related("plan").order_by("order_id", "group", "kind")),
    ELIGIBILITY_CONSENTS,
)


def _listed(
    orders: QuerySet, *, account, date_from: date | None = None, date_to: date | None = None, number: str = ""
) -> QuerySet:
    """`orders` within the list's dates (local dates of the account's subsidiary, both ends included) and whose
    number contains `number`."""
    if date_from or date_to:  # the subsidiary is a query of its own: only when dates ask for it
        tz_name = account.subsidiary.time_zone
        if date_from:
            orders = orders.filter(created_at__gte=end_of_local_day(date_from - timedelta(days=1), tz_name))
        if date_to:
            orders = orders.filter(created_at__lt=end_of_local_day(date_to, tz_name))
    if number:
        orders = orders.annotate(number_text=Cast("pk", CharField())).filter(number_text__contains=number)
    return orders


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
    """The list "View my orders": expired orders hidden unless asked for ("expired", or "all")."""
    orders = _listed(
        account_orders(account=account), account=account, date_from=date_from, date_to=date_to, number=number
    )
    if status == "expired":
        orders = orders.filter(expired_q(now))
    elif status != "all":
        orders = orders.filter(not_expired(now))
        if status:
            orders = orders.filter(status=status)
    prefix = "-" if sort.startswith("-") else ""
    return orders.order_by(*(prefix + name for name in LIST_SORTS[sort.removeprefix("-")]))


def account_order_count(*, account, now: datetime, status: str = "", sort: str = "-date", **filters) -> int:
    """How many orders `account_order_list` lists with the same arguments (`sort` changes no count).

    The default list (expired hidden) is counted in two parts: the orders neither unpaid nor expired straight from
    an index of them (orders.Order.Meta), then the unpaid ones (few) read and decided one by one. Filtering every
    order on whether it expired cost three times as much for a customer with thousands of orders.
    """
    if status:
        return account_order_list(account=account, now=now, status=status, **filters).count()
    orders = _listed(Order.objects.filter(account=account), account=account, **filters)
    settled = orders.filter(SETTLED)
    unpaid = list(orders.filter(status=OrderStatus.NOT_PAID).values_list("pk", "status", "cancel_reason", "expires_at"))
    return settled.count() + len(unpaid) - len(expired_ids(unpaid, now=now))


def prefetch_for_withdrawal(orders: list[Order]) -> list[Order]:
    """What `withdrawal_eligibility` reads, fetched once for a page of orders rather than once per order."""
    prefetch_related_objects(orders, *WITHDRAWAL_PREFETCH)
    return orders


def withdrawable_ids(orders: list[Order]) -> set[int]:
    """Of `orders`, whose lines decide (`orders.withdrawal.order_rule` left them open), the ids of those with a
    line that can still be withdrawn: what the list shows a withdraw link for.

    The same rule as `withdrawal_eligibility` (a line neither cancelled nor excluded), read as plain values in
    two queries for a whole page, since a list needs no refund amount.
    """
    if not orders:
        return set()
    ids = [order.pk for order in orders]
    consents: dict[int, dict] = {}
    for order_id, kind, given_at in Consent.objects.filter(order__in=ids).values_list("order_id", "kind", "given_at"):
        consents.setdefault(order_id, {})[kind] = given_at  # ordered by time: the latest of a kind counts
    lines = OrderLine.objects.filter(order__in=ids, cancelled_at__isnull=True).values_list(
        "order_id", "plan__excludable", "delivered_at"
    )
    return {
        order_id
        for order_id, excludable, delivered_at in lines
        if not line_excluded(excludable=excludable, delivered_at=delivered_at, consents=consents.get(order_id, {}))
    }


# Statements written once for the dashboard's tile and the refunds banner of every order page: the ORM took two
# to five times as long to build and compile them as the database took to run them (docs/performance.md).
_TABLES = {
    "order": Order._meta.db_table,
    "event": OrderEvent._meta.db_table,
    "refund": Refund._meta.db_table,
    "subsidiary": Subsidiary._meta.db_table,
}
# Read from the index of "View my orders" (account, -created_at, -id), with the subsidiary's time zone.
LATEST_ORDER_SQL = (
    "SELECT {columns}, (SELECT time_zone FROM {subsidiary} WHERE code = {order}.subsidiary_id) AS time_zone"
    " FROM {order} WHERE account_id = %s ORDER BY created_at DESC, id DESC LIMIT 1"
).format(**_TABLES, columns=columns(Order))
LATEST_EVENT_SQL = (
    "SELECT {columns} FROM {event} WHERE order_id = %s ORDER BY created_at DESC, id DESC LIMIT 1"
).format(**_TABLES, columns=columns(OrderEvent))
_REFUNDS_NEEDING_IBAN = (
    "SELECT {columns} FROM {refund} WHERE status = %s AND order_id IN (SELECT id FROM {order} WHERE account_id = %s)"
).format(**_TABLES, columns=columns(Refund))
ACCOUNT_REFUNDS_NEEDING_IBAN_SQL = _REFUNDS_NEEDING_IBAN + " ORDER BY id"
ORDER_REFUNDS_NEEDING_IBAN_SQL = _REFUNDS_NEEDING_IBAN + " AND order_id = %s ORDER BY id"


def latest_order(*, account, now: datetime) -> Order | None:
    """The account's most recent order (the dashboard's "Most recent order" tile), with `time_zone` (its
    subsidiary's), `is_expired` (mark_expiry) and the payment in progress as `with_payment_in_progress` gives it,
    looked up only for an unpaid order not expired: the only one whose badge shows it."""
    order = first(Order, LATEST_ORDER_SQL, [account.pk])
    if order is None:
        return None
    mark_expiry([order], now=now)
    held = None
    if order.status == OrderStatus.NOT_PAID and not order.is_expired:
        held = held_payments().filter(order=order).values_list("pk", "expected_at").first()
    order.payment_in_progress, order.payment_expected_at = held or (None, None)
    return order


def refunds_needing_iban(*, account, order_id: int | None = None) -> list[Refund]:
    """The account's refunds waiting for the IBAN to send them to (the panel's banner), of one order if given."""
    if order_id is None:
        return list(Refund.objects.raw(ACCOUNT_REFUNDS_NEEDING_IBAN_SQL, [Refund.Status.NEEDS_IBAN, account.pk]))
    return list(Refund.objects.raw(ORDER_REFUNDS_NEEDING_IBAN_SQL, [Refund.Status.NEEDS_IBAN, account.pk, order_id]))


def latest_event(order: Order) -> OrderEvent | None:
    """The order's most recent history event (the dashboard's "Most recent order" tile)."""
    return first(OrderEvent, LATEST_EVENT_SQL, [order.pk])


# --- ordering: the account's carts ------------------------------------------------------------------


def account_cart(*, account: User, now: datetime) -> Cart | None:
    """The account's current cart: its most recent one that is neither checked out nor expired."""
    return (
        account.carts.filter(subsidiary_id=account.subsidiary_id, checked_out_at__isnull=True, expires_at__gt=now)
        .select_related("subsidiary", "account")
        .order_by("-created_at")
        .first()
    )


def account_cart_by_id(*, account: User, cart_id: str) -> Cart | None:
    """One of the account's carts, whatever its state (the checkout form names the cart it showed)."""
    try:
        pk = uuid.UUID(cart_id)
    except (TypeError, ValueError, AttributeError):
        return None
    return account.carts.select_related("subsidiary", "account").filter(pk=pk).first()


def cart_order(*, account: User, cart: Cart) -> Order | None:
    """The purchase order a cart became, if it was checked out (a double submit lands here)."""
    return Order.objects.filter(account=account, cart=cart).first()
