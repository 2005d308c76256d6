"""Right of withdrawal (design.md §4): the contract functions that the form, the API, staff and the
workers all share, so that a deadline or a refund is computed one way only.

- `withdrawal_deadline`: the last day of the 14-day period (Directive 2011/83/EU art. 9,
  Regulation 1182/71 art. 3(4)).
- `prorated_refund`: what is refunded of a line's gross paid amount for its service period.
- `period_end`: the end of a service period of whole calendar months.
- `withdrawal_eligibility`: whether an order, and each of its lines, can be withdrawn today, which
  rule blocks it otherwise, and what each line would refund.

Dates here are local dates in the subsidiary's time zone (see `core.localtime`).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, localcontext

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_lazy as _

from core.localtime import end_of_local_day, local_date, next_working_day_on_or_after
from core.money import quantize
from orders.models import WITHDRAWABLE_STATUSES, OrderKind

WITHDRAWAL_DAYS = 14


def withdrawal_deadline(concluded_on: date, country: str) -> date:
    """Last day to withdraw: 14 days from the day after conclusion, extended to the next working
    day of `country` when that day is a Saturday, a Sunday or a public holiday.

    The period ends at 24:00 local time on that day (`core.localtime.end_of_local_day`).
    """
    return next_working_day_on_or_after(concluded_on + timedelta(days=WITHDRAWAL_DAYS), country)


def prorated_refund(paid: Decimal, currency: str, start: date | None, end: date | None, requested_on: date) -> Decimal:
    """`paid` less the days of service used, rounded half-up once to the currency's precision.

    Days used count both the start (delivery) day and the request day. Without a service period
    (never delivered) the whole amount is refunded. The result lies between 0 and `paid` because
    the unused share is between 0 and 1 and rounding is monotone.
    """
    if paid < 0:
        raise ValueError("The amount paid must not be negative")
    if start is None or end is None:
        return quantize(paid, currency)
    if end <= start:
        raise ValueError(f"The service period must end after it starts ({start} → {end})")
    used, total = days_used(start, end, requested_on)
    with localcontext() as context:
        context.prec = 50
        refund = paid * (total - used) / total
    return quantize(refund, currency)


def days_used(start: date, end: date, requested_on: date) -> tuple[int, int]:
    """(days used, days in the period): the delivery day and the request day both count."""
    total = (end - start).days
    return min(total, max(0, (requested_on - start).days + 1)), total


def period_end(start: date, months: int) -> date:
    """End of a service period of `months` calendar months (Jan 31 + 1 month = Feb 28/29)."""
    return start + relativedelta(months=months)


# --- eligibility -----------------------------------------------------------------------------------

ORDER_RULES = {
    "not_consumer": _("The right of withdrawal is for individuals; this order was placed by a business account."),
    "renewal": _("Renewals cannot be withdrawn; the right of withdrawal applies to new orders only."),
    "not_paid": _(
        "Unpaid orders cannot be withdrawn: they are cancelled automatically when the purchase order expires."
    ),
    "cancelled": _("This order is already cancelled or being cancelled."),
    "period_over": _("The withdrawal period has ended."),
    "nothing_left": _("No line of this order can still be withdrawn."),
}
LINE_RULES = {
    "cancelled": _("Already cancelled."),
    "excluded": _(
        "Delivered at your express request, after you acknowledged that you would lose the right of "
        "withdrawal once it was delivered (domain names, SSL certificates)."
    ),
}


@dataclass(frozen=True)
class LineEligibility:
    line: object
    withdrawable: bool
    rule: str = ""
    refund: Decimal = Decimal(0)
    days_used: int | None = None  # set when the refund is prorated
    days_total: int | None = None

    @property
    def reason(self) -> str:
        return str(LINE_RULES[self.rule]) if self.rule else ""


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    rule: str = ""
    deadline: date | None = None
    deadline_at: datetime | None = None
    lines: list[LineEligibility] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return str(ORDER_RULES[self.rule]) if self.rule else ""

    @property
    def refund_total(self) -> Decimal:
        return sum((line.refund for line in self.lines if line.withdrawable), Decimal(0))


def order_deadline(order) -> date | None:
    """The last day of the period; 12 months longer where the information was not given (art. 10)."""
    if order.concluded_on is None:
        return None
    deadline = withdrawal_deadline(order.concluded_on, order.subsidiary.country)
    if not order.withdrawal_info_given:
        deadline = next_working_day_on_or_after(deadline + relativedelta(months=12), order.subsidiary.country)
    return deadline


def line_refund(
    line, *, currency: str, express_requested_at: datetime | None, info_given: bool, requested_on: date
) -> Decimal:
    """A line's full amount unless it was delivered at the customer's express request, made before delivery,
    after being informed (art. 14(4)); an installation line shares its rental's period."""
    requested_before = (
        express_requested_at is not None
        and line.delivered_at is not None
        and (express_requested_at <= line.delivered_at)
    )
    if not requested_before or not info_given:
        return quantize(line.gross_amount, currency)
    return prorated_refund(line.gross_amount, currency, line.period_start, line.period_end, requested_on)


def line_excluded(*, excludable: bool, delivered_at: datetime | None, consents: dict) -> bool:
    """An excludable service delivered after the customer both asked for it to start and acknowledged losing
    the right of withdrawal (`consents`: kind → when given) cannot be withdrawn."""
    express = consents.get("express_request")
    acknowledged = consents.get("excludable_ack")
    return bool(
        excludable
        and delivered_at is not None
        and express
        and acknowledged
        and express < delivered_at
        and acknowledged < delivered_at
    )


def _line_eligibility(line, *, currency: str, consents: dict, info_given: bool, requested_on: date) -> LineEligibility:
    if line.cancelled_at is not None:
        return LineEligibility(line, False, "cancelled")
    if line_excluded(excludable=line.plan.excludable, delivered_at=line.delivered_at, consents=consents):
        return LineEligibility(line, False, "excluded")
    refund = line_refund(
        line,
        currency=currency,
        express_requested_at=consents.get("express_request"),
        info_given=info_given,
        requested_on=requested_on,
    )
    if refund == line.gross_amount or line.period_start is None:
        return LineEligibility(line, True, refund=refund)
    used, total = days_used(line.period_start, line.period_end, requested_on)
    return LineEligibility(line, True, refund=refund, days_used=used, days_total=total)


def order_rule(order, *, now: datetime) -> Eligibility | None:
    """The verdict when the order alone decides it (no lines, no consents read), or None when its lines do.

    Lets a list fetch lines and consents only for the orders whose lines matter.
    """
    if order.billing.get("legal_form") != "individual":
        return Eligibility(False, "not_consumer")
    if order.kind == OrderKind.RENEWAL:
        return Eligibility(False, "renewal")
    if order.paid_at is None:
        return Eligibility(False, "not_paid")
    deadline = order_deadline(order)
    deadline_at = end_of_local_day(deadline, order.subsidiary.time_zone) if deadline else None
    if order.status not in WITHDRAWABLE_STATUSES:
        return Eligibility(False, "cancelled", deadline, deadline_at)
    if now >= deadline_at:
        return Eligibility(False, "period_over", deadline, deadline_at)
    return None


def withdrawal_eligibility(
    order, *, now: datetime, lines: list | None = None, consents: dict | None = None
) -> Eligibility:
    """Whether `order` can be withdrawn at `now`, which rule blocks it, and per line what happens.

    Expects `order` with `subsidiary`; reads its lines (with plans) and consents unless `order_rule` decides, or
    the caller read them already: `lines` (orders.selectors.order_lines), `consents` (kind → when given).
    """
    verdict = order_rule(order, now=now)
    if verdict is not None:
        return verdict
    deadline = order_deadline(order)
    deadline_at = end_of_local_day(deadline, order.subsidiary.time_zone)
    if consents is None:
        consents = {c.kind: c.given_at for c in order.consents.all()}
    requested_on = local_date(now, order.subsidiary.time_zone)
    lines = [
        _line_eligibility(
            line,
            currency=order.currency,
            consents=consents,
            info_given=order.withdrawal_info_given,
            requested_on=requested_on,
        )
        for line in (order.lines.all() if lines is None else lines)  # lists prefetch "lines__plan": orders.selectors
    ]
    if not any(line.withdrawable for line in lines):
        return Eligibility(False, "nothing_left", deadline, deadline_at, lines)
    return Eligibility(True, "", deadline, deadline_at, lines)
