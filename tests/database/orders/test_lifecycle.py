"""The transition table, every allowed and forbidden move, and what each transition records."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders import history, lifecycle
from orders.followup import step_statuses
from orders.lifecycle import ALLOWED, TransitionError, can_transition
from orders.models import CancelReason, Order, OrderEvent, OrderStatus
from orders.services.delivery import order_retry_delivery
from orders.services.expiry import orders_expire
from tests.support.factories import PlanFactory, PricingFactory, UserFactory, pay_order, place_order

S = OrderStatus
pytestmark = pytest.mark.django_db


def test_table_matches_the_design():
    assert {
        S.NOT_PAID: {S.CHECKING, S.DELIVERING, S.CANCELLED},
        S.CHECKING: {S.DOCUMENTS_REQUESTED, S.DELIVERING, S.CANCELLING},
        S.DOCUMENTS_REQUESTED: {S.CHECKING, S.CANCELLING},
        S.DELIVERING: {S.DELIVERED, S.UNKNOWN, S.CANCELLING},
        S.UNKNOWN: {S.DELIVERING, S.CANCELLING},
        S.DELIVERED: {S.CANCELLING},
        S.CANCELLING: {S.CANCELLED},
        S.CANCELLED: set(),
    } == ALLOWED


@pytest.mark.parametrize("current", S.values)
@pytest.mark.parametrize("target", S.values)
def test_every_pair_is_allowed_only_if_the_table_says_so(current, target):
    reasons = ["", *CancelReason.values]
    allowed = any(can_transition(current, target, r) for r in reasons)
    assert allowed == (target in ALLOWED[current])


def test_cancel_reasons_are_tied_to_their_source():
    assert can_transition(S.NOT_PAID, S.CANCELLED, CancelReason.EXPIRED)
    assert not can_transition(S.NOT_PAID, S.CANCELLED, CancelReason.WITHDRAWN)  # unpaid orders expire instead
    assert can_transition(S.CHECKING, S.CANCELLING, CancelReason.REFUSED)
    assert not can_transition(S.DELIVERED, S.CANCELLING, CancelReason.REFUSED)
    assert can_transition(S.DELIVERED, S.CANCELLING, CancelReason.WITHDRAWN)
    assert not can_transition(S.CHECKING, S.DELIVERING, CancelReason.REFUSED)


def _labels(order):
    return list(order.events.values_list("label", flat=True))


def test_first_order_goes_to_manual_validation_with_a_due_date():
    order = place_order()
    assert order.status == S.NOT_PAID and _labels(order) == [history.ORDER_STARTED]
    now = timezone.now()
    order = pay_order(order, now=now)
    assert order.status == S.CHECKING
    assert order.paid_at == now and order.concluded_on is not None
    assert order.validation_due_on > order.concluded_on
    assert _labels(order)[-4:] == [
        history.PAYMENT_RECEIVED,
        history.PAYMENT_CONFIRMED,
        history.FRAUD_CHECK,
        history.FRAUD_MANUAL_REVIEW,
    ]
    event = order.events.last()
    assert (event.from_status, event.to_status) == (S.NOT_PAID, S.CHECKING)
    assert "first_order" in event.data["risk"]


def test_trusted_order_is_delivered_without_staff(django_capture_on_commit_callbacks):
    account = UserFactory()
    pay_order(place_order(account=account))  # the first order goes to validation
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = pay_order(place_order(account=account))
    order.refresh_from_db()
    assert callbacks  # the delivery task (and emails), enqueued on commit and run in-process here
    assert order.status == S.DELIVERED
    assert order.lines.filter(delivered_at__isnull=True).count() == 0
    assert history.INVOICE_IN_PROGRESS in _labels(order)


def test_validation_documents_and_refusal():
    staff = UserFactory(is_staff=True)
    order = pay_order(place_order())
    today = timezone.localdate()
    order = lifecycle.order_request_documents(order_id=order.pk, staff=staff, today=today)
    assert order.status == S.DOCUMENTS_REQUESTED and order.documents_due_on > today
    order = lifecycle.order_documents_received(order_id=order.pk, actor=order.account)
    assert order.status == S.CHECKING and order.documents_due_on is None
    order = lifecycle.order_refuse(order_id=order.pk, staff=staff, note="fraud")
    assert (order.status, order.cancel_reason) == (S.CANCELLING, CancelReason.REFUSED)
    lifecycle.order_finish_cancellation(order_id=order.pk)
    order.refresh_from_db()
    assert (order.status, order.cancel_reason, order.version) == (S.CANCELLED, CancelReason.REFUSED, 6)
    assert _labels(order)[-1] == history.ORDER_CANCELLED
    staff_events = order.events.filter(actor=staff)
    assert {e.channel for e in staff_events} == {OrderEvent.Channel.STAFF}


def test_staff_validation_then_failed_delivery_and_retry(django_capture_on_commit_callbacks):
    staff = UserFactory(is_staff=True)
    order = pay_order(place_order())
    order = lifecycle.order_validate(order_id=order.pk, staff=staff)
    assert order.status == S.DELIVERING
    order = lifecycle.order_delivery_failed(order_id=order.pk, error="no capacity")
    assert order.status == S.UNKNOWN
    with django_capture_on_commit_callbacks(execute=True):
        order = order_retry_delivery(order_id=order.pk, staff=staff)
    order.refresh_from_db()
    assert order.status == S.DELIVERED


def test_forbidden_transitions_raise_and_change_nothing():
    order = place_order()
    version = order.version
    with pytest.raises(TransitionError):
        lifecycle.order_validate(order_id=order.pk, staff=None)
    with pytest.raises(TransitionError):
        lifecycle.order_start_withdrawal(order_id=order.pk, actor=order.account, channel="panel")
    with pytest.raises(TransitionError):
        lifecycle.order_mark_delivered(order_id=order.pk, now=timezone.now())
    order.refresh_from_db()
    assert order.status == S.NOT_PAID and order.version == version
    assert _labels(order) == [history.ORDER_STARTED]


def test_a_second_identical_transition_is_refused():
    order = pay_order(place_order())
    lifecycle.order_refuse(order_id=order.pk)
    with pytest.raises(TransitionError):
        lifecycle.order_refuse(order_id=order.pk)
    assert order.events.filter(label=history.FRAUD_REFUSED).count() == 1


def test_withdrawal_from_delivered_then_cancelled(django_capture_on_commit_callbacks):
    account = UserFactory()
    pay_order(place_order(account=account))
    with django_capture_on_commit_callbacks(execute=True):
        order = pay_order(place_order(account=account))
    order = lifecycle.order_start_withdrawal(order_id=order.pk, actor=account, channel="panel")
    assert (order.status, order.cancel_reason) == (S.CANCELLING, CancelReason.WITHDRAWN)
    lifecycle.order_finish_cancellation(order_id=order.pk)
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (S.CANCELLED, CancelReason.WITHDRAWN)
    with pytest.raises(TransitionError, match="from “Cancelled” to “Cancelled”"):
        lifecycle.order_finish_cancellation(order_id=order.pk)
    assert order.events.filter(label=history.ORDER_CANCELLED).count() == 1


def test_risk_rules_each_fire():
    account = UserFactory()
    pay_order(place_order(account=account))
    # amount at the EUR threshold
    big = PricingFactory(price=Decimal("500.00"))
    assert pay_order(place_order(account=account, pricings=[big])).status == S.CHECKING
    # a plan that always needs validation
    strict = PricingFactory(plan=PlanFactory(always_validate=True))
    assert pay_order(place_order(account=account, pricings=[strict])).status == S.CHECKING
    # billing country differs from the subsidiary's
    abroad = UserFactory(country="BE")
    pay_order(place_order(account=abroad))
    order = pay_order(place_order(account=abroad))
    assert order.status == S.CHECKING and "country" in order.events.last().data["risk"]


def test_expiry_sweep_is_set_based_and_idempotent():
    now = timezone.now()
    stale = [place_order(now=now - timedelta(days=8)) for _ in range(3)]
    fresh = place_order(now=now - timedelta(days=6))
    paid = pay_order(place_order(now=now - timedelta(days=8)))
    assert orders_expire(now=now, batch_size=2) == 3
    assert orders_expire(now=now) == 0
    for order in stale:
        order.refresh_from_db()
        assert (order.status, order.cancel_reason) == (S.CANCELLED, CancelReason.EXPIRED)
        assert order.events.filter(label=history.ORDER_EXPIRED).count() == 1
    fresh.refresh_from_db()
    paid.refresh_from_db()
    assert fresh.status == S.NOT_PAID and paid.status == S.CHECKING


def test_a_debit_in_progress_holds_expiry_for_five_days():
    from orders.models import Payment

    now = timezone.now()
    order = place_order(now=now - timedelta(days=8))
    Payment.objects.create(
        order=order, kind="sepaDirectDebit", amount=order.total_gross, currency="EUR", idempotency_key="sepa-hold"
    )
    transfer = place_order(now=now - timedelta(days=8))
    Payment.objects.create(
        order=transfer,
        kind="bankTransfer",
        amount=transfer.total_gross,
        currency="EUR",
        idempotency_key="transfer-no-hold",
    )
    assert orders_expire(now=now) == 1  # the transfer does not hold
    order.refresh_from_db()
    assert order.status == S.NOT_PAID
    assert orders_expire(now=now + timedelta(days=5)) == 1
    order.refresh_from_db()
    assert order.status == S.CANCELLED


@pytest.mark.parametrize(
    ("status", "reason", "before", "expected"),
    [
        (S.NOT_PAID, "", "", ["DOING", "TODO", "TODO", "TODO"]),
        (S.CHECKING, "", "", ["DOING", "TODO", "TODO", "TODO"]),
        (S.DOCUMENTS_REQUESTED, "", "", ["DOING", "TODO", "TODO", "TODO"]),
        (S.DELIVERING, "", "", ["DONE", "DONE", "DOING", "TODO"]),
        (S.UNKNOWN, "", "", ["DONE", "DONE", "ERROR", "TODO"]),
        (S.DELIVERED, "", "", ["DONE", "DONE", "DONE", "DONE"]),
        (S.CANCELLED, "expired", "", ["ERROR", "TODO", "TODO", "TODO"]),
        (S.CANCELLING, "refused", "", ["ERROR", "TODO", "TODO", "TODO"]),
        (S.CANCELLED, "refused", "", ["ERROR", "TODO", "TODO", "TODO"]),
        (S.CANCELLING, "withdrawn", S.DELIVERED, ["DONE", "DONE", "DONE", "DONE"]),
        (S.CANCELLED, "withdrawn", S.DELIVERING, ["DONE", "DONE", "TODO", "TODO"]),
        (S.CANCELLING, "withdrawn", S.CHECKING, ["TODO", "TODO", "TODO", "TODO"]),
    ],
)
def test_follow_up_steps_per_status(status, reason, before, expected):
    assert step_statuses(status, reason, before) == expected


def test_follow_up_places_events_and_hides_ours_from_the_api(django_capture_on_commit_callbacks):
    from orders.followup import follow_up

    account = UserFactory()
    pay_order(place_order(account=account))
    with django_capture_on_commit_callbacks(execute=True):
        order = pay_order(place_order(account=account))
    order = lifecycle.order_start_withdrawal(order_id=order.pk, actor=account, channel="panel")
    steps = follow_up(order)
    assert [s.step for s in steps] == ["VALIDATING", "VALIDATED", "DELIVERING", "AVAILABLE"]
    assert [e.label for e in steps[1].history] == [history.ORDER_ACCEPTED]
    all_labels = {e.label for s in steps for e in s.history}
    assert history.WITHDRAWAL_REQUESTED in all_labels
    api_labels = {e.label for s in follow_up(order, ovh_only=True) for e in s.history}
    assert history.WITHDRAWAL_REQUESTED not in api_labels and api_labels <= history.OVH_LABELS
    assert Order.objects.get(pk=order.pk).status == S.CANCELLING
