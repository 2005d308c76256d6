"""The order lifecycle: the only code that writes an order's status.

Every transition checks the transition table, changes the row conditionally (`UPDATE … WHERE
status = expected`, after a row lock on PostgreSQL) and records its event in the same transaction;
nothing else. Emails, tasks, refunds and the bump of the order's page versions (orders.page_versions)
belong to the services (orders.services), which compose a whole action around a transition in one
transaction. Callers get `TransitionError` for anything the table forbids.
The last move of a cancellation, the only one the table allows a cancelling order, is the conditional
UPDATE alone (its lock is the UPDATE's): the refund worker takes it for every withdrawal.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, JSONField, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk_sql import insert_select
from core.errors import Conflict
from core.localtime import add_working_days, local_date

from . import history
from .models import WITHDRAWABLE_STATUSES, CancelReason, Order, OrderEvent, OrderStatus
from .selectors import unpaid_expired_q

S = OrderStatus

ALLOWED: dict[str, set[str]] = {
    S.NOT_PAID: {S.CHECKING, S.DELIVERING, S.CANCELLED},
    S.CHECKING: {S.DOCUMENTS_REQUESTED, S.DELIVERING, S.CANCELLING},
    S.DOCUMENTS_REQUESTED: {S.CHECKING, S.CANCELLING},
    S.DELIVERING: {S.DELIVERED, S.UNKNOWN, S.CANCELLING},
    # A failed delivery is still "in delivery" for the consumer: withdrawing stays possible.
    S.UNKNOWN: {S.DELIVERING, S.CANCELLING},
    S.DELIVERED: {S.CANCELLING},
    S.CANCELLING: {S.CANCELLED},
    S.CANCELLED: set(),
}
# Which cancel reasons each cancelling/cancelled move may carry, by source status.
REASONS = {
    (S.NOT_PAID, S.CANCELLED): {CancelReason.EXPIRED},
    (S.CHECKING, S.CANCELLING): {CancelReason.REFUSED, CancelReason.WITHDRAWN},
    (S.DOCUMENTS_REQUESTED, S.CANCELLING): {CancelReason.REFUSED, CancelReason.WITHDRAWN},
    (S.DELIVERING, S.CANCELLING): {CancelReason.WITHDRAWN},
    (S.UNKNOWN, S.CANCELLING): {CancelReason.WITHDRAWN},
    (S.DELIVERED, S.CANCELLING): {CancelReason.WITHDRAWN},
}


class TransitionError(Conflict):
    """The order's status does not allow this action (or another request changed it first)."""


def can_transition(current: str, target: str, reason: str = "") -> bool:
    """Whether the table allows current → target with this cancel reason (empty for other moves)."""
    if target not in ALLOWED.get(current, set()):
        return False
    if (current, target) in REASONS:
        return reason in REASONS[(current, target)]
    return target == S.CANCELLED or reason == ""


def _event(
    order_id: int,
    label: str,
    *,
    from_status: str = "",
    to_status: str = "",
    actor=None,
    channel: str = OrderEvent.Channel.SYSTEM,
    data: dict | None = None,
) -> OrderEvent:
    return OrderEvent(
        order_id=order_id,
        label=label,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        channel=channel,
        data=data or {},
        created_at=timezone.now(),
    )


def record_event(order: Order, label: str, **kwargs) -> OrderEvent:
    """An event that changes no status (payment initiated, documents uploaded…)."""
    event = _event(order.pk, label, **kwargs)
    event.save()
    return event


def _refused(current: str, target: str) -> TransitionError:
    return TransitionError(
        _("This order cannot go from “%(current)s” to “%(target)s”.")
        % {"current": S(current).label, "target": S(target).label}
    )


def _transition(
    *,
    order_id: int,
    sources: set[str],
    to: str,
    labels: list[str],
    reason: str = "",
    actor=None,
    channel: str = OrderEvent.Channel.SYSTEM,
    data: dict | None = None,
    fields: dict | None = None,
) -> Order:
    """Move one order from one of `sources` (the action's own) to `to`, checked against the table.

    No savepoint: a refused move raises once the block is left, having written nothing, so a
    caller's transaction stays usable. The returned order holds what the row holds at commit (it is
    locked until then), without reading it again.
    """
    with transaction.atomic(savepoint=False):
        order = Order.objects.locked().select_related("subsidiary").get(pk=order_id)
        current = order.status
        allowed, updated = current in sources and can_transition(current, to, reason), 0
        if allowed:
            now = timezone.now()
            values = {"status": to, "cancel_reason": reason, **(fields or {})}
            updated = Order.objects.filter(pk=order_id, status=current).update(
                version=F("version") + 1, updated_at=now, **values
            )
            if updated == 1:
                OrderEvent.objects.bulk_create(
                    _event(order_id, label, from_status=current, to_status=to, actor=actor, channel=channel, data=data)
                    for label in labels
                )
    if not allowed:
        raise _refused(current, to)
    if updated != 1:
        raise TransitionError(_("This order was changed by another request; reload it and try again."))
    for name, value in {**values, "version": order.version + 1, "updated_at": now}.items():
        setattr(order, name, value)
    return order


# --- payment ---------------------------------------------------------------------------------------


def order_confirm_payment(*, order_id: int, payment_id: int, needs_review: list[str], now: datetime) -> Order:
    """Funds confirmed: the contract is concluded today (local date); validation or delivery next."""
    order = Order.objects.select_related("subsidiary").get(pk=order_id)
    sub = order.subsidiary
    concluded_on = local_date(now, sub.time_zone)
    fields = {"paid_at": now, "concluded_on": concluded_on}
    data = {"payment_id": payment_id}
    labels = [history.PAYMENT_RECEIVED, history.PAYMENT_CONFIRMED, history.FRAUD_CHECK]
    if needs_review:
        fields["validation_due_on"] = add_working_days(concluded_on, settings.VALIDATION_DUE_WORKING_DAYS, sub.country)
        return _transition(
            order_id=order_id,
            sources={S.NOT_PAID},
            to=S.CHECKING,
            labels=[*labels, history.FRAUD_MANUAL_REVIEW],
            fields=fields,
            data={**data, "risk": needs_review},
        )
    return _transition(
        order_id=order_id,
        sources={S.NOT_PAID},
        to=S.DELIVERING,
        labels=[*labels, history.ORDER_ACCEPTED, history.DELIVERY],
        fields=fields,
        data=data,
    )


# --- expiry ----------------------------------------------------------------------------------------


def expirable_orders(now: datetime):
    return Order.objects.filter(unpaid_expired_q(now))


def _record_expiry_events(*, order_ids: list[int], now: datetime) -> None:
    """One INSERT … SELECT of the batch's events: bulk_create would build and prepare a model per row."""
    insert_select(
        OrderEvent,
        rows=Order.objects.filter(pk__in=order_ids),
        columns={
            "order": "pk",
            "label": Value(history.ORDER_EXPIRED),
            "from_status": Value(S.NOT_PAID),
            "to_status": Value(S.CANCELLED),
            "channel": Value(OrderEvent.Channel.SYSTEM),
            "data": Value({}, output_field=JSONField()),
            "created_at": Value(now, output_field=DateTimeField()),
        },
    )


def orders_expire_batch(*, now: datetime, batch_size: int) -> list[int]:
    """Expire up to `batch_size` unpaid orders past their expiry, in the caller's transaction; their ids.

    Set-based: a fixed number of statements (lock, update, events) whatever the batch's size. The rows
    it locks are past their expiry, so nobody else should be waiting for them.
    """
    ids = list(
        expirable_orders(now)
        .order_by("pk")
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("pk", flat=True)[:batch_size]
    )
    if not ids:
        return ids
    updated = Order.objects.filter(pk__in=ids, status=S.NOT_PAID).update(
        status=S.CANCELLED, cancel_reason=CancelReason.EXPIRED, version=F("version") + 1, updated_at=now
    )
    if updated != len(ids):  # the row locks make this impossible; never record what did not happen
        raise TransitionError(_("The expiry sweep met a concurrent change; it will run again."))
    _record_expiry_events(order_ids=ids, now=now)
    return ids


# --- validation ------------------------------------------------------------------------------------


def order_request_documents(*, order_id: int, staff, today) -> Order:
    order = Order.objects.select_related("subsidiary").get(pk=order_id)
    due = add_working_days(today, settings.DOCUMENTS_DUE_WORKING_DAYS, order.subsidiary.country)
    return _transition(
        order_id=order_id,
        sources={S.CHECKING},
        to=S.DOCUMENTS_REQUESTED,
        labels=[history.FRAUD_DOCS_REQUESTED],
        actor=staff,
        channel=OrderEvent.Channel.STAFF,
        fields={"documents_due_on": due},
    )


def order_documents_received(*, order_id: int, actor, channel: str = OrderEvent.Channel.PANEL) -> Order:
    return _transition(
        order_id=order_id,
        sources={S.DOCUMENTS_REQUESTED},
        to=S.CHECKING,
        labels=[history.DOCUMENTS_UPLOADED],
        actor=actor,
        channel=channel,
        fields={"documents_due_on": None},
    )


def order_validate(*, order_id: int, staff) -> Order:
    return _transition(
        order_id=order_id,
        sources={S.CHECKING},
        to=S.DELIVERING,
        labels=[history.ORDER_ACCEPTED, history.DELIVERY],
        actor=staff,
        channel=OrderEvent.Channel.STAFF,
    )


def order_refuse(*, order_id: int, staff=None, note: str = "") -> Order:
    """Refused by staff, or automatically when no documents came in time (the refund is the service's:
    orders.services.validation.order_refuse_and_refund)."""
    channel = OrderEvent.Channel.STAFF if staff else OrderEvent.Channel.SYSTEM
    return _transition(
        order_id=order_id,
        sources={S.CHECKING, S.DOCUMENTS_REQUESTED},
        to=S.CANCELLING,
        reason=CancelReason.REFUSED,
        labels=[history.FRAUD_REFUSED],
        actor=staff,
        channel=channel,
        data={"note": note},
    )


# --- delivery --------------------------------------------------------------------------------------


def order_mark_delivered(*, order_id: int, now: datetime) -> Order:
    return _transition(
        order_id=order_id,
        sources={S.DELIVERING},
        to=S.DELIVERED,
        labels=[history.INVOICE_IN_PROGRESS],
        fields={"delivered_at": now},
    )


def order_delivery_failed(*, order_id: int, error: str) -> Order:
    return _transition(
        order_id=order_id, sources={S.DELIVERING}, to=S.UNKNOWN, labels=[history.DELIVERY_FAILED], data={"error": error}
    )


def order_retry_delivery(*, order_id: int, staff) -> Order:
    return _transition(
        order_id=order_id,
        sources={S.UNKNOWN},
        to=S.DELIVERING,
        labels=[history.DELIVERY_RETRIED],
        actor=staff,
        channel=OrderEvent.Channel.STAFF,
    )


# --- cancellation ----------------------------------------------------------------------------------


def order_start_withdrawal(*, order_id: int, actor, channel: str, data: dict | None = None) -> Order:
    """Every remaining line withdrawn: the order waits for its refund in `cancelling`."""
    return _transition(
        order_id=order_id,
        sources=WITHDRAWABLE_STATUSES,
        to=S.CANCELLING,
        reason=CancelReason.WITHDRAWN,
        labels=[history.WITHDRAWAL_REQUESTED],
        actor=actor,
        channel=channel,
        data=data,
    )


def order_finish_cancellation(*, order_id: int) -> None:
    """Every refund paid (or nothing to refund): the order is cancelled for good, for the reason it was cancelling.

    The refund worker takes this step for every withdrawal, so it is lighter than the other moves: the
    table allows a cancelling order nothing else and the reason stays, so one conditional UPDATE (which
    locks the row) and its event do the whole move; nothing is read, and nothing is returned.
    """
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        updated = Order.objects.filter(pk=order_id, status=S.CANCELLING).update(
            status=S.CANCELLED, version=F("version") + 1, updated_at=now
        )
        if updated:
            event = _event(order_id, history.ORDER_CANCELLED, from_status=S.CANCELLING, to_status=S.CANCELLED)
            event.save(force_insert=True)
    if not updated:
        raise _refused(Order.objects.values_list("status", flat=True).get(pk=order_id), S.CANCELLED)
