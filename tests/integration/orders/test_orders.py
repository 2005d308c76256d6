"""The order lifecycle end to end through a real Celery worker, a real Redis broker and the test databases.

What the unit tests cannot show: the delivery is enqueued on commit to the broker and done by another
process; the beat sweeps (expiry, delivery recovery) work through the worker and are idempotent; and
a worker killed with SIGKILL in the middle of a delivery loses nothing and duplicates nothing, because
the database, not the broker, is the truth (design.md sections 3 and 6; reliability notes A6, A8 F2).
"""

import json
import os
import re
import signal
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from orders import history
from orders import tasks as order_tasks
from orders.models import CancelReason, Order, OrderEvent, OrderLine, OrderStatus, Payment, Service
from orders.provisioning import SandboxProvisioner
from orders.services.payments import order_pay
from orders.services.validation import order_validate
from orders.task_names import DELIVER_ORDER
from payments.kinds import PaymentKind
from payments.models import SandboxTransaction
from tests.support.factories import PaymentMethodFactory, PricingFactory, UserFactory, pay_order, place_order
from tests.support.orders import assert_delivered_once, labels, order_status, trusted_account
from tests.support.worker import another_worker, forget_unacked, wait_for_task, wait_until

S = OrderStatus
pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "sandbox"]),
]

PROVISIONER_DIR_ENV = "TEST_PROVISIONER_DIR"


@pytest.fixture
def celery_worker_include():
    """The worker imports this module, so that settings.PROVISIONER can name SlowProvisioner below."""
    return [__name__]


class SlowProvisioner(SandboxProvisioner):
    """Test-only, runs in the worker: logs each call and blocks on a line while its hold file exists.

    Selected with PROVISIONER=tests.integration.orders.test_orders.SlowProvisioner in the worker's environment;
    talks to the test through files in $TEST_PROVISIONER_DIR (`calls.log`, `hold-<line id>`).
    """

    def provision(self, *, line):
        directory = Path(os.environ[PROVISIONER_DIR_ENV])
        with (directory / "calls.log").open("a") as log:
            log.write(f"{line.pk} {os.getpid()}\n")
        hold = directory / f"hold-{line.pk}"
        deadline = time.monotonic() + 120  # bounded, in case the test dies without releasing it
        while hold.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return super().provision(line=line)


# --- helpers ---------------------------------------------------------------------------------------


def backdate(order_id: int, *, by: timedelta) -> None:
    """Pretend the order has not moved for a while (not a status write: only `updated_at`)."""
    assert Order.objects.filter(pk=order_id).update(updated_at=timezone.now() - by) == 1


def two_item_pricings():
    """Two cart items: one with an installation fee (INSTALLATION + DURATION lines), one without."""
    return [PricingFactory(installation_fee=Decimal("9.99")), PricingFactory(price=Decimal("4.99"))]


def unacked_deliveries(redis_url: str, order_id: int) -> dict[str, str]:
    """Messages of ``deliver_order(order_id)`` that a consumer took and never acknowledged (kombu's Redis
    `unacked` hash: they come back only after the visibility timeout, 1 h by default)."""
    import redis
    from kombu.transport.redis import Channel

    client = redis.Redis.from_url(redis_url)
    found = {}
    for tag, raw in client.hgetall(Channel.unacked_key).items():
        payload = json.loads(raw)[0]
        headers = payload.get("headers") or {}
        if headers.get("task") == "orders.tasks.deliver_order" and headers.get("argsrepr") == f"({order_id},)":
            found[tag.decode()] = headers["id"]
    return found


# --- a. payment → delivery on commit → the worker delivers ----------------------------------------


def test_a_paid_order_is_delivered_by_the_worker(celery_worker_process):
    worker = celery_worker_process
    account = trusted_account()
    order = place_order(account=account, pricings=two_item_pricings())
    method = PaymentMethodFactory(account=account)

    payment = order_pay(order_id=order.pk, account=account, method=method)  # real sandbox charge, then commit

    assert payment.status == Payment.Status.SUCCEEDED
    assert SandboxTransaction.objects.filter(operation=SandboxTransaction.Operation.CHARGE).count() == 1
    assert order_status(order.pk) in {S.DELIVERING, S.DELIVERED}  # the worker may already be done
    wait_until(lambda: order_status(order.pk) == S.DELIVERED, worker=worker, what="the order to be delivered")
    assert_delivered_once(order.pk)
    assert re.search(r"Task orders\.tasks\.deliver_order\[[0-9a-f-]+\] succeeded", worker.log_text())
    assert labels(order.pk)[:6] == [
        history.ORDER_STARTED,
        history.PAYMENT_RECEIVED,
        history.PAYMENT_CONFIRMED,
        history.FRAUD_CHECK,
        history.ORDER_ACCEPTED,
        history.DELIVERY,
    ]

    # A duplicate message (acks_late redelivery, a sweep racing the first message) delivers nothing twice.
    wait_for_task(worker, order_tasks.deliver_order.delay(order.pk))
    assert_delivered_once(order.pk)


# --- b. the expiry sweep through the worker, twice -------------------------------------------------


def test_the_expiry_sweep_expires_stale_orders_once(celery_worker_process):
    worker = celery_worker_process
    now = timezone.now()
    account = UserFactory()
    pricing = PricingFactory()
    stale = [place_order(account=account, pricings=[pricing], now=now - timedelta(days=8)) for _ in range(3)]
    fresh = place_order(account=account, pricings=[pricing], now=now - timedelta(days=1))
    held = place_order(account=account, pricings=[pricing], now=now - timedelta(days=8))
    # A direct debit in progress holds its order until expiry + 5 days.
    Payment.objects.create(
        order=held,
        kind=PaymentKind.SEPA,
        amount=held.total_gross,
        currency=held.currency,
        idempotency_key=f"held-{held.pk}",
    )

    assert wait_for_task(worker, order_tasks.expire_unpaid_orders.delay()) == "3"
    assert wait_for_task(worker, order_tasks.expire_unpaid_orders.delay()) == "0"

    for order in stale:
        order.refresh_from_db()
        assert (order.status, order.cancel_reason) == (S.CANCELLED, CancelReason.EXPIRED)
        events = OrderEvent.objects.filter(order=order, label=history.ORDER_EXPIRED)
        assert [(e.from_status, e.to_status) for e in events] == [(S.NOT_PAID, S.CANCELLED)]
    for order in (fresh, held):
        assert order_status(order.pk) == S.NOT_PAID
        assert history.ORDER_EXPIRED not in labels(order.pk)


# --- c. a delivery whose message was lost is recovered by the sweep --------------------------------


def test_a_lost_delivery_message_is_recovered_by_the_sweep(celery_worker_process, monkeypatch):
    worker = celery_worker_process
    staff = UserFactory(is_staff=True)
    lost, recent = (pay_order(place_order(pricings=two_item_pricings())) for _ in range(2))  # both in `checking`
    dropped = []
    # The on-commit enqueue never reaches the broker (as when Redis is down at commit): nothing is published.
    monkeypatch.setattr("core.publish.publish", lambda name, *args, countdown=None: dropped.append((name, args)))
    for order in (lost, recent):
        assert order_validate(order_id=order.pk, staff=staff).status == S.DELIVERING
    monkeypatch.undo()
    deliveries = [(name, args) for name, args in dropped if name == DELIVER_ORDER]
    assert deliveries == [(DELIVER_ORDER, (lost.pk,)), (DELIVER_ORDER, (recent.pk,))]  # published on commit
    backdate(lost.pk, by=timedelta(hours=1))  # the beat sweep runs later; `recent` only just moved

    assert wait_for_task(worker, order_tasks.recover_deliveries.delay()) == "1"

    wait_until(lambda: order_status(lost.pk) == S.DELIVERED, worker=worker, what="the lost delivery to be recovered")
    assert_delivered_once(lost.pk)
    # A delivery that moved recently may still have its message in flight: the sweep leaves it alone.
    assert order_status(recent.pk) == S.DELIVERING
    assert not Service.objects.filter(origin_line__order=recent).exists()


# --- d. a worker killed mid-delivery; a new worker and the sweep finish the job --------------------


def test_a_worker_killed_mid_delivery_is_recovered_without_duplicates(request, monkeypatch, tmp_path, redis_url):
    directory = tmp_path / "provisioner"
    directory.mkdir()
    monkeypatch.setenv("PROVISIONER", f"{__name__}.SlowProvisioner")
    monkeypatch.setenv(PROVISIONER_DIR_ENV, str(directory))
    first = request.getfixturevalue("celery_worker_process")  # after setenv: it copies os.environ

    staff = UserFactory(is_staff=True)
    order = pay_order(place_order(pricings=two_item_pricings()))
    assert order.status == S.CHECKING
    line1, line2 = order.lines.filter(kind=OrderLine.Kind.DURATION).order_by("group")
    (directory / f"hold-{line2.pk}").touch()  # the second line's machine takes "forever" to install
    calls_log = directory / "calls.log"

    def provisioning_calls() -> Counter:
        rows = calls_log.read_text().splitlines() if calls_log.exists() else []
        return Counter(int(row.split()[0]) for row in rows)

    order_validate(order_id=order.pk, staff=staff)  # enqueues deliver_order on commit, for real
    wait_until(lambda: provisioning_calls()[line2.pk] == 1, worker=first, what="the worker to start on line 2")
    # Mid-task: the first line is delivered and committed, the second is being provisioned.
    assert Service.objects.filter(origin_line=line1).count() == 1
    assert not Service.objects.filter(origin_line=line2).exists()

    first.kill(signal.SIGKILL)
    assert first.proc.wait(10) == -signal.SIGKILL
    (directory / f"hold-{line2.pk}").unlink()
    orphans = unacked_deliveries(redis_url, order.pk)
    try:
        # acks_late: the message was never acknowledged, but Redis hands it out again only after the
        # visibility timeout (1 h); recovery must come from the database.
        assert len(orphans) == 1, f"expected the killed task's message in Redis's unacked hash: {orphans}"
        assert order_status(order.pk) == S.DELIVERING

        with another_worker(first, tmp_path) as second:
            backdate(order.pk, by=timedelta(hours=1))  # the beat sweep runs minutes later
            assert wait_for_task(second, order_tasks.recover_deliveries.delay()) == "1"
            wait_until(
                lambda: order_status(order.pk) == S.DELIVERED,
                worker=second,
                what="the new worker to finish the delivery",
            )
            # The sweep runs again on its schedule: nothing left to do, nothing done twice.
            assert wait_for_task(second, order_tasks.recover_deliveries.delay()) == "0"
    finally:
        forget_unacked(redis_url, orphans)

    assert_delivered_once(order.pk)
    assert provisioning_calls() == Counter({line1.pk: 1, line2.pk: 2})  # line 1 was not provisioned again
    assert Service.objects.count() == 2
