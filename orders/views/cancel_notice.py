"""What happened to an order after its steps: expired, refused or withdrawn, each in its own words, when, and
for a withdrawal which lines went and where the refund stands. The tracking page shows it above the four steps,
which keep what was done before (design.md §3): a withdrawn order's "Done" steps then read as history.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from payments.iban import masked_iban
from payments.kinds import PaymentKind

from .. import history
from ..models import CancelReason, Order, Refund, Withdrawal
from ..templatetags.panel import ldate, ldatetime


@dataclass(frozen=True)
class RefundState:
    refund: Refund
    destination: str  # where the money goes back: the card or account that paid, or the IBAN given


@dataclass(frozen=True)
class CancelNotice:
    reason: str  # expired, refused or withdrawn: the notice's CSS class
    title: str
    text: str
    withdrawn_lines: list[str]
    kept_lines: list[str]


def _line(line) -> str:
    return f"{line.quantity} × {line.description}"


def _destination(refund: Refund) -> str:
    if refund.kind == PaymentKind.BANK_TRANSFER:
        if refund.iban:
            return _("bank transfer to the account %(iban)s") % {"iban": masked_iban(refund.iban)}
        return _("bank transfer, once you give us your IBAN")
    method = refund.payment.method
    return method.label if method else str(PaymentKind(refund.kind).label)


def refund_states(order: Order) -> list[RefundState]:
    """Every refund of the order with where it goes, oldest first (shown with or without a notice, and the money
    that arrived too late to an expired order goes back too). Asks only when the order has some: `has_refunds`
    (orders.selectors.account_order)."""
    if not order.has_refunds:
        return []
    refunds = order.refunds.select_related("payment__method", "credit_note").order_by("created_at", "pk")
    return [RefundState(refund, _destination(refund)) for refund in refunds]


def _refusal_text(order: Order, events: list, tz: str) -> tuple[str, str]:
    refusal = next((e for e in reversed(events) if e.label == history.FRAUD_REFUSED), None)
    when = ldatetime(refusal.created_at, tz) if refusal else ""
    if refusal is not None and not history.refused_by_staff(refusal):
        return _("Order cancelled: supporting documents not received"), _(
            "We asked for supporting documents by %(due)s and did not receive them, so the order was cancelled "
            "on %(when)s. Your payment is refunded in full."
        ) % {"due": ldate(order.documents_due_on), "when": when}
    return _("Order refused"), _(
        "After checking, we could not accept this order. It was cancelled on %(when)s and your payment is "
        "refunded in full."
    ) % {"when": when}


def _withdrawal_notice(order: Order, withdrawal: Withdrawal, lines: list, tz: str) -> CancelNotice:
    gone = {w.line_id for w in withdrawal.lines.all()}
    whole = order.cancel_reason == CancelReason.WITHDRAWN
    return CancelNotice(
        reason=CancelReason.WITHDRAWN,
        title=_("You withdrew from this order") if whole else _("You withdrew from part of this order"),
        text=_("Your withdrawal was received on %(when)s. The steps below show what had been done before it.")
        % {"when": ldatetime(withdrawal.requested_at, tz)},
        withdrawn_lines=[_line(line) for line in lines if line.pk in gone],
        kept_lines=[_line(line) for line in lines if line.pk not in gone and not line.cancelled_at],
    )


def cancel_notice(order: Order, events: list, lines: list) -> CancelNotice | None:
    """The notice for an expired, refused or (even partly) withdrawn order; None for any other.

    Expects the order's `events` and `lines`, and `withdrawal_id` (orders.selectors.account_order).
    """
    tz = order.subsidiary.time_zone
    if order.is_expired:
        return CancelNotice(
            reason=CancelReason.EXPIRED,
            title=_("Order expired"),
            text=_(
                "This purchase order was not paid by %(when)s, so it expired and nothing was charged. "
                "To get the same services, reorder it from the “…” menu."
            )
            % {"when": ldatetime(order.expires_at, tz)},
            withdrawn_lines=[],
            kept_lines=[],
        )
    if order.cancel_reason == CancelReason.REFUSED:
        title, text = _refusal_text(order, events, tz)
        return CancelNotice(CancelReason.REFUSED, title, text, [], [])
    if order.paid_at is None or order.withdrawal_id is None:
        return None
    return _withdrawal_notice(order, Withdrawal.objects.get(pk=order.withdrawal_id), lines, tz)
