"""Reads: every customer-facing query starts from the account, so nobody reaches another's order."""

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    BooleanField,
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
from django.shortcuts import get_object_or_404

from accounts.models import User
from catalog.models import Plan
from core.raw_sql import instant, values
from payments.kinds import PaymentKind

from .models import CancelReason, Cart, Consent, Order, OrderEvent, OrderLine, OrderStatus, Payment, Refund
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


def expired_sql(now: datetime) -> tuple[str, list]:
    """`expired_q(now)` written as SQL once, for "View my orders" (`not_expired`, orders.order_list): the ORM took
    longer to build and compile that expression (its `Exists`) than the database took to run it. The same
    condition, column for column."""
    order, payment = Order._meta.db_table, Payment._meta.db_table
    sql = (
        f'(("{order}"."cancel_reason" = %s AND "{order}"."status" = %s) OR '
        f'("{order}"."expires_at" <= %s AND "{order}"."status" = %s AND '
        f'(NOT EXISTS (SELECT 1 FROM "{payment}" held WHERE held."status" = %s AND NOT (held."kind" = %s) '
        f'AND held."order_id" = "{order}"."id") OR "{order}"."expires_at" <= %s)))'
    )
    hold_limit = now - timedelta(days=settings.PAYMENT_HOLD_DAYS)
    params = [
        CancelReason.EXPIRED.value,
        OrderStatus.CANCELLED.value,
        instant(now),
        OrderStatus.NOT_PAID.value,
        Payment.Status.PENDING.value,
        PaymentKind.BANK_TRANSFER.value,
        instant(hold_limit),
    ]
    return sql, params


def not_expired(now: datetime) -> RawSQL:
    """`~expired_q(now)` as a filter of a queryset, from `expired_sql`."""
    sql, params = expired_sql(now)
    return RawSQL(f"NOT {sql}", params, output_field=BooleanField())


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

# Only what `withdrawal_eligibility` reads of the consents: each holds the long legal text it agreed to.
ELIGIBILITY_CONSENTS = Prefetch("consents", queryset=Consent.objects.only("order_id", "kind", "given_at"))
# Lines with their plans in one query, ordered within each order without joining the orders again.
WITHDRAWAL_PREFETCH = (
    Prefetch("lines", queryset=OrderLine.objects.select_related("plan").order_by("order_id", "group", "kind")),
    ELIGIBILITY_CONSENTS,
)


def prefetch_for_withdrawal(orders: list[Order]) -> list[Order]:
    """What `withdrawal_eligibility` reads, fetched once for a page of orders rather than once per order."""
    prefetch_related_objects(orders, *WITHDRAWAL_PREFETCH)
    return orders


def withdrawable_ids(orders: list) -> set[int]:
    """Of `orders`, whose lines decide (`orders.withdrawal.order_rule` left them open), the ids of those with a
    line that can still be withdrawn: what the list shows a withdraw link for.

    The same rule as `withdrawal_eligibility` (a line neither cancelled nor excluded), read as plain values in
    one statement for a whole page, since a list needs no refund amount: the open lines with their plan's
    `excludable` (`kind` NULL), then the consents, by time so that the latest of a kind counts.
    """
    if not orders:
        return set()
    ids = [order.pk for order in orders]
    line, plan, consent = OrderLine._meta.db_table, Plan._meta.db_table, Consent._meta.db_table
    in_ids = ", ".join(["%s"] * len(ids))
    sql = (
        f'SELECT "{line}"."order_id", NULL, "{plan}"."excludable", "{line}"."delivered_at" FROM "{line}" '
        f'INNER JOIN "{plan}" ON "{plan}"."id" = "{line}"."plan_id" '
        f'WHERE "{line}"."cancelled_at" IS NULL AND "{line}"."order_id" IN ({in_ids}) '
        f'UNION ALL SELECT "{consent}"."order_id", "{consent}"."kind", NULL, "{consent}"."given_at" FROM "{consent}" '
        f'WHERE "{consent}"."order_id" IN ({in_ids}) ORDER BY 4'
    )
    at = OrderLine._meta.get_field("delivered_at")  # given_at converts alike: both are instants
    lines, consents = [], {}
    for order_id, kind, excludable, when in values(sql, [*ids, *ids], [None, None, None, at]):
        if kind is None:
            lines.append((order_id, excludable, when))
        else:
            consents.setdefault(order_id, {})[kind] = when
    return {
        order_id
        for order_id, excludable, delivered_at in lines
        if not line_excluded(excludable=excludable, delivered_at=delivered_at, consents=consents.get(order_id, {}))
    }


def refunds_needing_iban(*, account, order_id: int | None = None) -> list[Refund]:
    """The account's refunds waiting for the IBAN to send them to (the panel's banner), of one order if given."""
    refunds = Refund.objects.filter(order__account=account, status=Refund.Status.NEEDS_IBAN)
    if order_id is not None:
        refunds = refunds.filter(order_id=order_id)
    return list(refunds.order_by("pk"))


def latest_event(order: Order) -> OrderEvent | None:
    """The order's most recent history event (the dashboard's "Most recent order" tile)."""
    return order.events.order_by("-created_at", "-id").first()


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
