"""Where a refund goes: back through the means that paid (design.md section 4).

Only a refund of a bank transfer has a destination of its own, an IBAN. The customer gives it (the withdrawal's
panel form and API); finance may enter one only with the customer's written request recorded, and it takes
effect once a second, different finance person approves it. Only an unpaid refund's destination changes (a
failed one too, retried by finance); a paid one's never. A refund waiting for its IBAN goes ahead as soon as it
has one: the worker pays it after commit (and the recovery sweep, should that message be lost).
Every change is an order event naming who did what, with the IBAN masked but for its last four characters.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput
from core.publish import publish_on_commit
from payments.iban import masked_iban, normalise_iban
from payments.kinds import PaymentKind

from .. import history, lifecycle
from ..models import Order, OrderEvent, Refund, RefundDestinationChange
from ..page_versions import order_pages_changed
from ..task_names import PAY_REFUND

CHANGEABLE = (Refund.Status.PENDING, Refund.Status.FAILED, Refund.Status.NEEDS_IBAN)
MAX_REQUEST = RefundDestinationChange._meta.get_field("customer_request").max_length


def _locked_refund(refund_id: int) -> Refund:
    """The order locked first, as every change to an order's money does; then its refund, which must be unpaid."""
    order_id = Refund.objects.filter(pk=refund_id).values_list("order_id", flat=True).get()
    Order.objects.locked().filter(pk=order_id).get()
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.payment.kind != PaymentKind.BANK_TRANSFER:
        raise Conflict(
            _("Only a refund of a bank transfer goes to an IBAN; this one goes back to the means that paid.")
        )
    if refund.status not in CHANGEABLE:
        raise Conflict(_("A paid refund's destination cannot change."))
    return refund


def _iban(value: str) -> str:
    iban = normalise_iban(value)
    if iban is None:
        raise InvalidInput(_("This IBAN is not valid."), field="iban")
    return iban


def _set_iban(refund: Refund, iban: str) -> None:
    # Conditional: a refund paid meanwhile keeps the destination it was paid to.
    if not Refund.objects.filter(pk=refund.pk, status__in=CHANGEABLE).update(iban=iban):
        raise Conflict(_("A paid refund's destination cannot change."))
    refund.iban = iban
    if Refund.objects.filter(pk=refund.pk, status=Refund.Status.NEEDS_IBAN).update(status=Refund.Status.PENDING):
        refund.status = Refund.Status.PENDING
        publish_on_commit(PAY_REFUND, refund.pk)


def refund_set_destination(*, refund_id: int, iban: str, actor, channel: str) -> Refund:
    """The customer gives the IBAN of a bank-transfer refund (panel or API); staff go through a request instead."""
    if channel not in (OrderEvent.Channel.PANEL, OrderEvent.Channel.API):
        raise Conflict(_("Staff change a refund's IBAN through a request that a second finance person approves."))
    iban = _iban(iban)
    with transaction.atomic():
        refund = _locked_refund(refund_id)
        _set_iban(refund, iban)
        lifecycle.record_event(
            refund.order,
            history.REFUND_IBAN_GIVEN,
            actor=actor,
            channel=channel,
            data={"refund_id": refund.pk, "iban": masked_iban(iban)},
        )
        order_pages_changed(order_ids=[refund.order_id])
    return refund


def refund_request_destination(*, refund_id: int, iban: str, customer_request: str, staff) -> RefundDestinationChange:
    """Finance enters an IBAN on the customer's written request; it waits for a second finance person."""
    iban, customer_request = _iban(iban), customer_request.strip()
    if not customer_request:
        raise InvalidInput(
            _("Record the customer's written request (its reference, date and channel)."), field="customer_request"
        )
    if len(customer_request) > MAX_REQUEST:
        raise InvalidInput(
            _("The request is limited to %(max)d characters.") % {"max": MAX_REQUEST}, field="customer_request"
        )
    with transaction.atomic():
        refund = _locked_refund(refund_id)
        try:
            with transaction.atomic():
                change = RefundDestinationChange.objects.create(
                    refund=refund,
                    iban=iban,
                    customer_request=customer_request,
                    requested_by=staff,
                    requested_at=timezone.now(),
                )
        except IntegrityError:
            raise Conflict(_("A change of this refund's IBAN is already waiting for approval.")) from None
        lifecycle.record_event(
            refund.order,
            history.REFUND_IBAN_CHANGE_REQUESTED,
            actor=staff,
            channel=OrderEvent.Channel.STAFF,
            data={
                "refund_id": refund.pk,
                "change_id": change.pk,
                "iban": masked_iban(iban),
                "customer_request": customer_request,
            },
        )
        order_pages_changed(order_ids=[refund.order_id])
    return change


def refund_approve_destination(*, change_id: int, staff) -> RefundDestinationChange:
    """A second finance person approves a pending change; then, and only then, the refund's IBAN changes."""
    with transaction.atomic():
        refund_id = RefundDestinationChange.objects.filter(pk=change_id).values_list("refund_id", flat=True).get()
        refund = _locked_refund(refund_id)
        change = RefundDestinationChange.objects.get(pk=change_id)
        if change.status != RefundDestinationChange.Status.PENDING:
            raise Conflict(_("This change was already approved."))
        if change.requested_by_id == staff.pk:
            raise Conflict(_("A second finance person must approve a change you requested."))
        _set_iban(refund, change.iban)
        change.status, change.approved_by, change.approved_at = (
            RefundDestinationChange.Status.APPROVED,
            staff,
            timezone.now(),
        )
        change.save(update_fields=["status", "approved_by", "approved_at"])
        lifecycle.record_event(
            refund.order,
            history.REFUND_IBAN_CHANGE_APPROVED,
            actor=staff,
            channel=OrderEvent.Channel.STAFF,
            data={
                "refund_id": refund.pk,
                "change_id": change.pk,
                "iban": masked_iban(change.iban),
                "requested_by": change.requested_by_id,
            },
        )
        order_pages_changed(order_ids=[refund.order_id])
    return change
