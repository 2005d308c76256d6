"""Reads: every customer-facing query starts from the account, so nobody reaches another's order."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
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
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import PaymentMethod, Subsidiary, User
from catalog.models import Plan
from core.raw_sql import Columns, instant, literal, rows
from payments.kinds import PaymentKind

from .models import (
    CancelReason,
    Cart,
    Consent,
    Invoice,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    Refund,
    Withdrawal,
)
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


def held_payment_sql(column: str, order_id: str) -> str:
    """A column of the debit in progress that holds the order whose id is `order_id` (an SQL expression), as a
    scalar subquery (`held_payments`' condition written in SQL): one index lookup per order read."""
    return (
        f'(SELECT held."{column}" FROM "{Payment._meta.db_table}" held WHERE held."order_id" = {order_id} '
        f'AND held."status" = {literal(Payment.Status.PENDING)} '
        f'AND NOT (held."kind" = {literal(PaymentKind.BANK_TRANSFER)}) LIMIT 1)'
    )


def expiry(status: str, cancel_reason: str, expires_at: datetime | None, *, now: datetime) -> bool | None:
    """Whether `expired_q(now)` matches an order, decided from its own columns; None when only a debit in progress
    can tell (unpaid, past expiry but still inside the hold period: a debit holds it open)."""
    if status == OrderStatus.CANCELLED and cancel_reason == CancelReason.EXPIRED:
        return True
    if status == OrderStatus.NOT_PAID and expires_at is not None and expires_at <= now:
        return True if expires_at <= now - timedelta(days=settings.PAYMENT_HOLD_DAYS) else None
    return False


def expired_when_held(
    status: str, cancel_reason: str, expires_at: datetime | None, *, held: bool, now: datetime
) -> bool:
    """`expiry`'s verdict for an order read along with whether a debit in progress holds it: past its expiry but
    inside the hold period, it is expired unless one does."""
    verdict = expiry(status, cancel_reason, expires_at, now=now)
    return not held if verdict is None else verdict


def expired_ids(orders: Iterable[tuple[int, str, str, datetime | None]], *, now: datetime) -> set[int]:
    """The ids of the orders that `expired_q(now)` matches, given each as (id, status, cancel_reason, expires_at).

    Decided in Python from the orders' own columns (`expiry`): the expression costs more to build and compile than
    the rest of a page's query. Only an unpaid order past expiry but still inside the hold period needs to know
    whether a debit holds it: one query for all such orders (none on most pages).
    """
    expired, undecided = set(), []
    for pk, status, cancel_reason, expires_at in orders:
        verdict = expiry(status, cancel_reason, expires_at, now=now)
        if verdict is None:
            undecided.append(pk)
        elif verdict:
            expired.add(pk)
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


# --- one order, for its own pages (tracking, purchase order, pay…) and the API ------------------------------
# Written in SQL: building these statements with the ORM took several times PostgreSQL's time to run them, and
# each runs on every visit (psycopg prepares a statement once it has run a few times on a connection).

ORDER, SUBSIDIARY, ACCOUNT = Columns(Order, "o"), Columns(Subsidiary, "s"), Columns(User, "u")
# With the order: its invoice's number; its payment in progress or received (at most one, orders.Payment's
# constraint `one_active_payment`); its withdrawal's id; when the consents that decide its withdrawal were given
# (at most one of each kind); whether it has refunds. Each a lookup by an index on the order's id.
# What `withdrawal_eligibility` reads of the consents (orders.withdrawal.line_excluded, line_refund).
DECISIVE_CONSENTS = (Consent.Kind.EXPRESS_REQUEST.value, Consent.Kind.EXCLUDABLE_ACK.value)
ORDER_EXTRAS = {  # in the order of the SELECT below
    "invoice_number": Invoice._meta.get_field("number"),
    "payment_id": Payment._meta.get_field("id"),
    "payment_kind": Payment._meta.get_field("kind"),
    "payment_status": Payment._meta.get_field("status"),
    "payment_expected_at": Payment._meta.get_field("expected_at"),
    "withdrawal_id": Withdrawal._meta.get_field("id"),
    **{kind: Consent._meta.get_field("given_at") for kind in DECISIVE_CONSENTS},
    "has_refunds": BooleanField(),
}


def _consent_given(kind: str) -> str:
    return (
        f'(SELECT c."given_at" FROM "{Consent._meta.db_table}" c '
        f'WHERE c."order_id" = o."id" AND c."kind" = {literal(kind)})'
    )


def _order_sql(*, with_account: bool) -> str:
    """The order with its subsidiary and `ORDER_EXTRAS`, by id; `with_account` joins its account (staff's reads),
    else the statement names the account (a customer's)."""
    active = ", ".join(literal(status) for status in Payment.ACTIVE)
    selected = [
        ORDER.sql,
        SUBSIDIARY.sql,
        'i."number", p."id", p."kind", p."status", p."expected_at", w."id"',
        *(_consent_given(kind) for kind in DECISIVE_CONSENTS),
        f'EXISTS (SELECT 1 FROM "{Refund._meta.db_table}" r WHERE r."order_id" = o."id")',
        *([ACCOUNT.sql] if with_account else []),
    ]
    joins = [
        f'JOIN "{Subsidiary._meta.db_table}" s ON s."{Subsidiary._meta.pk.column}" = o."subsidiary_id"',
        *([f'JOIN "{User._meta.db_table}" u ON u."id" = o."account_id"'] if with_account else []),
        f'LEFT JOIN "{Invoice._meta.db_table}" i ON i."order_id" = o."id"',
        f'LEFT JOIN "{Payment._meta.db_table}" p ON p."order_id" = o."id" AND p."status" IN ({active})',
        f'LEFT JOIN "{Withdrawal._meta.db_table}" w ON w."order_id" = o."id"',
    ]
    where = 'o."id" = %s' if with_account else 'o."id" = %s AND o."account_id" = %s'
    columns, joined = ", ".join(selected), " ".join(joins)
    return f'SELECT {columns} FROM "{Order._meta.db_table}" o {joined} WHERE {where}'


ACCOUNT_ORDER_SQL = _order_sql(with_account=False)
ANY_ORDER_SQL = _order_sql(with_account=True)


def _order_or_404(sql: str, params: list, *, now: datetime, account: User | None = None) -> Order:
    parts = (ORDER, SUBSIDIARY, *ORDER_EXTRAS.values()) + (() if account else (ACCOUNT,))
    found = rows(sql, params, *parts)
    if not found:
        raise Http404("No order matches the given query.")
    order, subsidiary, *values = found[0]
    order.subsidiary = subsidiary
    extra = dict(zip(ORDER_EXTRAS, values, strict=False))
    order.account = account or values[-1]
    order.invoice_number = extra["invoice_number"]
    # A payment that holds the order (`held_payments`): the badge, the menu, and whether it expired.
    held = extra["payment_status"] == Payment.Status.PENDING and extra["payment_kind"] != PaymentKind.BANK_TRANSFER
    order.payment_in_progress = extra["payment_id"] if held else None
    order.payment_expected_at = extra["payment_expected_at"] if held else None
    order.is_expired = expired_when_held(order.status, order.cancel_reason, order.expires_at, held=held, now=now)
    order.withdrawal_id = extra["withdrawal_id"]
    order.consents_given = {kind: extra[kind] for kind in DECISIVE_CONSENTS if extra[kind] is not None}
    order.has_refunds = extra["has_refunds"]
    return order


def account_order(*, account: User, order_id: int, now: datetime) -> Order:
    """One of the account's orders, or 404 (another customer's order does not exist for them).

    As `account_orders` gives it (`subsidiary`, `invoice_number`, `payment_in_progress`, `payment_expected_at`,
    `is_expired`), with `account`, and what its pages need to decide without another query: `withdrawal_id` (or
    None), `consents_given` (what `withdrawal_eligibility` reads of its consents: kind → when) and `has_refunds`.
    """
    return _order_or_404(ACCOUNT_ORDER_SQL, [order_id, account.pk], now=now, account=account)


def any_order(*, order_id: int, now: datetime) -> Order:
    """Any customer's order, as `account_order` gives it (staff's reads, orders.views.access), or 404."""
    return _order_or_404(ANY_ORDER_SQL, [order_id], now=now)


LINE, PLAN = Columns(OrderLine, "l"), Columns(Plan, "pl")
LINES_SQL = (
    f'SELECT {LINE.sql}, {PLAN.sql} FROM "{OrderLine._meta.db_table}" l'
    f' JOIN "{Plan._meta.db_table}" pl ON pl."id" = l."plan_id" WHERE l."order_id" = %s ORDER BY l."group", l."kind"'
)
EVENT = Columns(OrderEvent, "e")
EVENTS_SQL = (
    f'SELECT {EVENT.sql} FROM "{OrderEvent._meta.db_table}" e WHERE e."order_id" = %s ORDER BY e."created_at", e."id"'
)
METHOD = Columns(PaymentMethod, "m")
METHODS_SQL = (
    f'SELECT {METHOD.sql} FROM "{PaymentMethod._meta.db_table}" m'
    ' WHERE m."account_id" = %s ORDER BY m."is_default" DESC, m."created_at"'  # PaymentMethod.Meta.ordering
)


def order_lines(order: Order) -> list[OrderLine]:
    """The order's lines with their plans, in their order (what `withdrawal_eligibility` and the pages read)."""
    lines = []
    for line, plan in rows(LINES_SQL, [order.pk], LINE, PLAN):
        line.plan = plan
        lines.append(line)
    return lines


def order_events(order: Order) -> list[OrderEvent]:
    """The order's history, oldest first."""
    return [event for (event,) in rows(EVENTS_SQL, [order.pk], EVENT)]


def payment_methods(account: User) -> list[PaymentMethod]:
    """The account's saved payment methods, the default first."""
    return [method for (method,) in rows(METHODS_SQL, [account.pk], METHOD)]


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
    for order_id, kind, excludable, when in rows(sql, [*ids, *ids], None, None, None, at):
        if kind is None:
            lines.append((order_id, excludable, when))
        else:
            consents.setdefault(order_id, {})[kind] = when
    return {
        order_id
        for order_id, excludable, delivered_at in lines
        if not line_excluded(excludable=excludable, delivered_at=delivered_at, consents=consents.get(order_id, {}))
    }


# Statements written once for the dashboard's tile and the refunds banner: the ORM took two to five times as
# long to build and compile them as the database took to run them (docs/performance.md).
REFUND = Columns(Refund, "r")
_REFUNDS_NEEDING_IBAN = (
    f'SELECT {REFUND.sql} FROM "{Refund._meta.db_table}" r WHERE r."status" = %s '
    f'AND r."order_id" IN (SELECT o."id" FROM "{Order._meta.db_table}" o WHERE o."account_id" = %s)'
)
ACCOUNT_REFUNDS_NEEDING_IBAN_SQL = _REFUNDS_NEEDING_IBAN + ' ORDER BY r."id"'
ORDER_REFUNDS_NEEDING_IBAN_SQL = _REFUNDS_NEEDING_IBAN + ' AND r."order_id" = %s ORDER BY r."id"'
# The latest order from the index of "View my orders" (account, -created_at, -id), with the subsidiary's time zone,
# its latest event (an index lookup through the subquery; none yet: NULLs), whether any of the account's refunds
# waits for an IBAN (rarely: they are read only then) and the debit in progress that holds it, in one statement.
LATEST_ORDER_SQL = (
    f'SELECT {ORDER.sql}, (SELECT s."time_zone" FROM "{Subsidiary._meta.db_table}" s '
    f'WHERE s."code" = o."subsidiary_id"), {EVENT.sql}, EXISTS ({_REFUNDS_NEEDING_IBAN}), '
    f"{held_payment_sql('id', 'o."id"')}, {held_payment_sql('expected_at', 'o."id"')} "
    f'FROM "{Order._meta.db_table}" o LEFT OUTER JOIN "{OrderEvent._meta.db_table}" e ON e."id" = '
    f'(SELECT latest."id" FROM "{OrderEvent._meta.db_table}" latest WHERE latest."order_id" = o."id" '
    'ORDER BY latest."created_at" DESC, latest."id" DESC LIMIT 1) '
    'WHERE o."account_id" = %s ORDER BY o."created_at" DESC, o."id" DESC LIMIT 1'
)


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard shows: the "Most recent order" tile and the refunds banner."""

    order: Order | None
    event: OrderEvent | None
    refunds_needing_iban: list[Refund]


def account_dashboard(*, account, now: datetime) -> Dashboard:
    """The account's most recent order and its latest history event, and its refunds waiting for an IBAN.
    The order has `time_zone` (its subsidiary's), `is_expired` (as `expired_q(now)` decides it) and, unpaid and not
    expired, the debit in progress that holds it as `with_payment_in_progress` gives it (its badge shows it)."""
    params = [Refund.Status.NEEDS_IBAN, account.pk, account.pk]
    parts = (ORDER, None, EVENT, BooleanField(), None, Payment._meta.get_field("expected_at"))
    found = rows(LATEST_ORDER_SQL, params, *parts)
    if not found:  # no order, so no refund either
        return Dashboard(order=None, event=None, refunds_needing_iban=[])
    order, order.time_zone, event, refunds_waiting, held_id, held_expected_at = found[0]
    order.is_expired = expired_when_held(
        order.status, order.cancel_reason, order.expires_at, held=held_id is not None, now=now
    )
    shown = order.status == OrderStatus.NOT_PAID and not order.is_expired
    order.payment_in_progress, order.payment_expected_at = (held_id, held_expected_at) if shown else (None, None)
    refunds = refunds_needing_iban(account=account) if refunds_waiting else []
    return Dashboard(order=order, event=event, refunds_needing_iban=refunds)


def refunds_needing_iban(*, account, order_id: int | None = None) -> list[Refund]:
    """The account's refunds waiting for the IBAN to send them to (the panel's banner), of one order if given."""
    if order_id is None:
        found = rows(ACCOUNT_REFUNDS_NEEDING_IBAN_SQL, [Refund.Status.NEEDS_IBAN, account.pk], REFUND)
    else:
        found = rows(ORDER_REFUNDS_NEEDING_IBAN_SQL, [Refund.Status.NEEDS_IBAN, account.pk, order_id], REFUND)
    return [refund for (refund,) in found]


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
