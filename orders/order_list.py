""" "View my orders" read in SQL written once (core.raw_sql): a count and a page of plain rows.

Built by the ORM, the page's query and its count cost about 5 ms of Python per request for 1 ms of the
database's work, and each order became a model instance with 26 columns and its subsidiary's 20. The
statements below are the same text on every request (PostgreSQL prepares them, `DB_PREPARE_THRESHOLD`) and
their rows are `ListedOrder`s holding what a row shows and decides from: the status badge, the "…" menu
(orders.views.menu) and the order-level withdrawal rule (orders.withdrawal.order_rule).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from accounts.models import Subsidiary
from core.localtime import end_of_local_day
from core.raw_sql import column, instant, literal, rows

from .models import CancelReason, Invoice, Order, OrderStatus, Payment
from .selectors import expired_ids, expired_sql, held_payment_sql

# The list's sorts: their columns, each read from an index in that order (orders.Order.Meta), the id breaking ties.
LIST_SORTS = {"date": ("created_at", "id"), "number": ("id",), "amount": ("total_gross", "id")}
ORDER = Order._meta.db_table


@dataclass(frozen=True, slots=True)
class ListedSubsidiary:
    time_zone: str
    country: str


@dataclass(slots=True)
class ListedOrder:
    """A row of the list, with the attributes of an `Order` that its templates and rules read."""

    pk: int
    status: str
    cancel_reason: str
    kind: str
    created_at: datetime
    expires_at: datetime | None
    paid_at: datetime | None
    concluded_on: date | None
    withdrawal_info_given: bool
    billing: dict
    currency: str
    total_gross: Decimal
    invoice_number: str | None  # None until invoiced
    payment_in_progress: int | None  # the debit that holds it (orders.selectors.with_payment_in_progress)
    payment_expected_at: datetime | None
    subsidiary: ListedSubsidiary
    is_expired: bool = False  # decided by orders.selectors.mark_expiry

    @property
    def number(self) -> str:
        return str(self.pk)


_ORDER_COLUMNS = (  # ListedOrder's first fields, in order
    "id",
    "status",
    "cancel_reason",
    "kind",
    "created_at",
    "expires_at",
    "paid_at",
    "concluded_on",
    "withdrawal_info_given",
    "billing",
    "currency",
    "total_gross",
)
_ROW_COLUMNS = [
    *(column(Order, name) for name in _ORDER_COLUMNS),
    column(Invoice, "number"),
    (None, held_payment_sql("id", f'"{ORDER}"."id"')),
    (Payment._meta.get_field("expected_at"), held_payment_sql("expected_at", f'"{ORDER}"."id"')),
    column(Subsidiary, "time_zone"),
    column(Subsidiary, "country"),
]
# LIMIT and OFFSET are written into the text (one statement per page number, as the ORM does): given as parameters,
# PostgreSQL's plan for the prepared statement took 0.4 ms more than this text's.
_ROWS_SQL = (
    f'SELECT {", ".join(sql for _, sql in _ROW_COLUMNS)} FROM "{ORDER}" '
    f'INNER JOIN "{Subsidiary._meta.db_table}" ON "{Subsidiary._meta.db_table}"."code" = "{ORDER}"."subsidiary_id" '
    f'LEFT OUTER JOIN "{Invoice._meta.db_table}" ON "{Invoice._meta.db_table}"."order_id" = "{ORDER}"."id" '
    "WHERE {where} ORDER BY {order} LIMIT {limit:d} OFFSET {offset:d}"
)
# The orders counted straight from the index of them (order_account_settled_idx: neither unpaid nor expired,
# the condition of orders.models.order.SETTLED), then the unpaid ones, few, read for their expiry.
_NOT_PAID = f'"{ORDER}"."status" = {literal(OrderStatus.NOT_PAID)}'
_SETTLED = (
    f"NOT ({_NOT_PAID}) AND NOT "
    f'("{ORDER}"."cancel_reason" = {literal(CancelReason.EXPIRED)} '
    f'AND "{ORDER}"."status" = {literal(OrderStatus.CANCELLED)})'
)
_UNPAID_COLUMNS = [column(Order, name) for name in ("id", "status", "cancel_reason", "expires_at")]
_DEFAULT_COUNT_SQL = (
    f'SELECT COUNT(*), NULL, NULL, NULL, NULL FROM "{ORDER}" WHERE {{where}} AND {_SETTLED} '
    f'UNION ALL SELECT NULL, {", ".join(sql for _, sql in _UNPAID_COLUMNS)} FROM "{ORDER}" '
    f"WHERE {{where}} AND {_NOT_PAID}"
)


class AccountOrderList:
    """The account's orders the list shows, filtered and sorted; a `Paginator` counts it and slices a page.

    Expired orders are hidden unless asked for ("expired", or "all"); dates are local dates of the account's
    subsidiary, both ends included; `number` is part of an order's number.
    """

    def __init__(
        self,
        *,
        account,
        now: datetime,
        status: str = "",
        date_from: date | None = None,
        date_to: date | None = None,
        number: str = "",
        sort: str = "-date",
    ):
        self.now, self.status = now, status
        self.where, self.params = _conditions(account, date_from=date_from, date_to=date_to, number=number)
        direction = " DESC" if sort.startswith("-") else ""
        self.order = ", ".join(f'"{ORDER}"."{name}"{direction}' for name in LIST_SORTS[sort.removeprefix("-")])

    def _filtered(self) -> tuple[str, list]:
        """The conditions with the status filter's."""
        if self.status == "all":
            return self.where, self.params
        sql, params = expired_sql(self.now)
        if self.status == "expired":
            return f"{self.where} AND {sql}", [*self.params, *params]
        if self.status:
            return f'{self.where} AND NOT {sql} AND "{ORDER}"."status" = %s', [*self.params, *params, self.status]
        return f"{self.where} AND NOT {sql}", [*self.params, *params]

    def count(self) -> int:
        """The default list (expired hidden) is counted in two parts, in one statement: the orders neither unpaid
        nor expired from their index alone, then the unpaid ones (few) decided in Python. Filtering every order on
        whether it expired cost three times as much for a customer with thousands of orders."""
        if self.status:
            where, params = self._filtered()
            return rows(f'SELECT COUNT(*) FROM "{ORDER}" WHERE {where}', params, None)[0][0]
        sql = _DEFAULT_COUNT_SQL.format(where=self.where)
        found = rows(sql, [*self.params, *self.params], None, *(field for field, _ in _UNPAID_COLUMNS))
        settled = next(row[0] for row in found if row[0] is not None)
        unpaid = [row[1:] for row in found if row[0] is None]
        return settled + len(unpaid) - len(expired_ids(unpaid, now=self.now))

    def __getitem__(self, window: slice) -> list[ListedOrder]:
        """The orders of one page, as `Paginator.page` asks for them (none, without a query, from an empty list)."""
        if window.stop <= window.start:
            return []
        where, params = self._filtered()
        sql = _ROWS_SQL.format(where=where, order=self.order, limit=window.stop - window.start, offset=window.start)
        found = rows(sql, params, *(field for field, _ in _ROW_COLUMNS))
        return [ListedOrder(*row[:-2], subsidiary=ListedSubsidiary(*row[-2:])) for row in found]  # time_zone, country


def _conditions(account, *, date_from: date | None, date_to: date | None, number: str) -> tuple[str, list]:
    conditions, params = [f'"{ORDER}"."account_id" = %s'], [account.pk]
    if date_from or date_to:  # the subsidiary is a query of its own: only when dates ask for it
        tz_name = account.subsidiary.time_zone
        if date_from:
            conditions.append(f'"{ORDER}"."created_at" >= %s')
            params.append(instant(end_of_local_day(date_from - timedelta(days=1), tz_name)))
        if date_to:
            conditions.append(f'"{ORDER}"."created_at" < %s')
            params.append(instant(end_of_local_day(date_to, tz_name)))
    if number:
        conditions.append(f'CAST("{ORDER}"."id" AS VARCHAR(20)) LIKE %s ESCAPE \'\\\'')
        escaped = number.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    return " AND ".join(conditions), params
