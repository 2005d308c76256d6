"""The withdrawal function (art. 11a): one service for the panel, the one-time link, the API and staff.

It withdraws every withdrawable line at once, freezes each line's refund at the request, records one
withdrawal (a second one for the order is refused by a unique constraint), moves the order to
`cancelling` when no line is left, creates the refund and writes the acknowledgement email, all in
one transaction.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput
from core.localtime import local_date
from core.outbox import email_enqueue
from core.publish import publish_on_commit
from payments.iban import normalise_iban
from payments.kinds import PaymentKind

from .. import history, lifecycle
from ..legal import legal_text
from ..models import Order, OrderEvent, OrderLine, Payment, Refund, RetractionReason, Withdrawal, WithdrawalLine
from ..page_versions import order_pages_changed
from ..task_names import SUSPEND_ORDER_SERVICES
from ..withdrawal import Eligibility, withdrawal_eligibility
from .consents import Evidence
from .refund_destinations import refund_request_destination, refund_set_destination
from .refunds import refund_create, vat_part

MAX_COMMENT = Withdrawal._meta.get_field("comment").max_length


@dataclass(frozen=True)
class WithdrawalRequest:
    """What the customer (or staff, for a letter) submitted."""

    confirmed: bool
    reason: str = ""
    comment: str = ""
    iban: str = ""


def _check_request(request: WithdrawalRequest, *, language: str) -> None:
    if not request.confirmed:
        raise InvalidInput(
            _("Tick “%(label)s” to confirm your withdrawal.") % {"label": legal_text("label_checkbox", language)},
            field="confirm",
        )
    if request.reason and request.reason not in RetractionReason.values:
        raise InvalidInput(_("Choose one of the reasons offered, or none."), field="reason")
    if len(request.comment) > MAX_COMMENT:
        raise InvalidInput(_("The comment is limited to %(max)d characters.") % {"max": MAX_COMMENT}, field="comment")


def _refund_destination(payment: Payment, iban: str) -> str:
    """A bank transfer is refunded to an IBAN the customer gives; other means are refunded to themselves."""
    if payment.kind != PaymentKind.BANK_TRANSFER:
        return ""
    normalised = normalise_iban(iban)
    if normalised is None:
        raise InvalidInput(
            _("Give the IBAN of the account to refund (this order was paid by bank transfer)."), field="iban"
        )
    return normalised


def order_withdraw(
    *,
    order_id: int,
    request: WithdrawalRequest,
    evidence: Evidence,
    channel: str,
    requested_at: datetime | None = None,
    now: datetime | None = None,
) -> Withdrawal:
    """Withdraw an order. `requested_at` is when it was sent (staff: the date of the letter or email)."""
    now = now or timezone.now()
    requested_at = requested_at or now
    if requested_at > now:
        raise InvalidInput(_("The date the withdrawal was sent cannot be in the future."), field="requested_at")
    with transaction.atomic():
        order = Order.objects.locked().select_related("subsidiary", "account").get(pk=order_id)
        _check_request(request, language=order.language)
        if Withdrawal.objects.filter(order=order).exists():
            raise Conflict(_("This order has already been withdrawn."))
        eligibility = withdrawal_eligibility(order, now=requested_at)
        if not eligibility.eligible:
            raise Conflict(eligibility.reason)
        payment = order.payments.get(status=Payment.Status.SUCCEEDED)
        iban = _refund_destination(payment, request.iban)
        try:
            with transaction.atomic():
                withdrawal = _record(order, eligibility, request, evidence, channel, requested_at)
        except IntegrityError:
            raise Conflict(_("This order has already been withdrawn.")) from None
        _cancel_lines(order, eligibility, withdrawal, evidence, channel, now)
        publish_on_commit(SUSPEND_ORDER_SERVICES, order.pk)
        if withdrawal.refund_total > 0:
            refund = refund_create(
                order=order,
                cause=Refund.Cause.WITHDRAWAL,
                withdrawal=withdrawal,
                payment=payment,
                amount=withdrawal.refund_total,
                vat_amount=sum(line.vat_amount for line in withdrawal.lines.all()),
                requested_on=withdrawal.requested_on,
                ask_for_iban=not iban,
            )
            if iban:
                _give_refund_destination(refund, iban, withdrawal, evidence, channel)
        elif not order.lines.filter(cancelled_at__isnull=True).exists():
            lifecycle.order_finish_cancellation(order_id=order.pk)
        _acknowledge(order, withdrawal, eligibility)
        order_pages_changed(order_ids=[order.pk])
    return withdrawal


def _give_refund_destination(refund: Refund, iban: str, withdrawal: Withdrawal, evidence: Evidence, channel: str):
    """The customer's IBAN; one staff copied from a letter or an email waits for a second finance person."""
    if channel == Withdrawal.Channel.STAFF:
        refund_request_destination(
            refund_id=refund.pk,
            iban=iban,
            customer_request=_("Withdrawal sent on %(date)s (email or letter)") % {"date": withdrawal.requested_on},
            staff=evidence.actor,
        )
    else:
        event_channel = channel if channel in OrderEvent.Channel.values else OrderEvent.Channel.PANEL
        refund_set_destination(refund_id=refund.pk, iban=iban, actor=evidence.actor, channel=event_channel)


def _record(order, eligibility: Eligibility, request, evidence: Evidence, channel: str, requested_at) -> Withdrawal:
    withdrawable = [line for line in eligibility.lines if line.withdrawable]
    withdrawal = Withdrawal.objects.create(
        order=order,
        requested_at=requested_at,
        requested_on=local_date(requested_at, order.subsidiary.time_zone),
        channel=channel,
        actor=evidence.actor,
        reason=request.reason,
        comment=request.comment,
        email=order.account.email,
        refund_total=sum(line.refund for line in withdrawable),
    )
    WithdrawalLine.objects.bulk_create(
        WithdrawalLine(
            withdrawal=withdrawal,
            line=line.line,
            amount=line.refund,
            vat_amount=vat_part(line.refund, line.line.vat_rate, order.currency),
        )
        for line in withdrawable
    )
    return withdrawal


def _cancel_lines(
    order, eligibility: Eligibility, withdrawal: Withdrawal, evidence: Evidence, channel: str, now: datetime
) -> None:
    """Cancel the withdrawn lines; the order goes to `cancelling` only when none is left."""
    ids = [line.line.pk for line in eligibility.lines if line.withdrawable]
    OrderLine.objects.filter(pk__in=ids, cancelled_at__isnull=True).update(cancelled_at=now)
    event_channel = channel if channel in OrderEvent.Channel.values else OrderEvent.Channel.PANEL
    data = {"withdrawal_id": withdrawal.pk, "lines": ids, "refund_total": str(withdrawal.refund_total)}
    if order.lines.filter(cancelled_at__isnull=True).exists():
        lifecycle.record_event(
            order,
            history.WITHDRAWAL_REQUESTED,
            actor=evidence.actor,
            channel=event_channel,
            data={**data, "partial": True},
        )
    else:
        lifecycle.order_start_withdrawal(order_id=order.pk, actor=evidence.actor, channel=event_channel, data=data)


def _acknowledge(order: Order, withdrawal: Withdrawal, eligibility: Eligibility) -> None:
    """The acknowledgement on a durable medium, without delay (art. 11(3)): content, date and time."""
    lines = [
        {
            "description": line.line.description,
            "withdrawn": line.withdrawable,
            "refund": str(line.refund),
            "reason": line.reason,
        }
        for line in eligibility.lines
    ]
    email_enqueue(
        key=f"withdrawal-ack:{withdrawal.pk}",
        template="withdrawal_acknowledgement",
        to=withdrawal.email,
        language=order.language,
        order_id=order.pk,
        context={
            "order_number": order.number,
            "name": order.billing.get("name", ""),
            "requested_at": withdrawal.requested_at.isoformat(),
            "recorded_at": timezone.now().isoformat(),
            "time_zone": order.subsidiary.time_zone,
            "lines": lines,
            "refund_total": str(withdrawal.refund_total),
            "currency": order.currency,
            "reason": withdrawal.get_reason_display() if withdrawal.reason else "",
            "comment": withdrawal.comment,
        },
    )
