"""Withdrawal refunds exactly once through a real Celery worker, a real Redis broker and the sandbox ledger.

What the unit tests cannot show (issue 4): a worker killed with SIGKILL in the middle of the refund task,
before or after the gateway wrote its ledger row, and a new worker finishing it through the beat sweep with
exactly one refund at the gateway; and Redis down when the withdrawal commits: the withdrawal and its refund
are recorded anyway, the customer gets no error, and the sweep pays the refund later.
"""

import json
import os
import signal
import time
from pathlib import Path

import pytest
from django.urls import reverse

from orders import tasks as order_tasks
from orders.models import Order, OrderStatus, Refund, Withdrawal
from orders.services.validation import order_refuse_and_refund
from payments.sandbox import SandboxGateway
from tests.support.orders import (
    assert_refunded_once,
    backdate_refund,
    ledger_refunds,
    paid_order,
    transfer_paid_order,
    withdraw,
)
from tests.support.processes import reset_broker_connections
from tests.support.worker import another_worker, forget_unacked, wait_for_task, wait_until

S = OrderStatus
pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "sandbox"]),
]

GATEWAY_DIR_ENV = "TEST_GATEWAY_DIR"
GATEWAY_HOLD_ENV = "TEST_GATEWAY_HOLD"  # "before" or "after" the ledger write
DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every publish fails like a stopped Redis


class SlowRefundGateway(SandboxGateway):
    """Test-only, runs in the worker: the sandbox, but `refund` blocks while $TEST_GATEWAY_DIR/hold exists.

    Selected with PAYMENT_GATEWAY=tests.integration.orders.test_refunds.SlowRefundGateway in the worker's environment.
    $TEST_GATEWAY_HOLD says where it blocks: "before" the sandbox writes its ledger row, or "after" it (the
    provider has refunded, our database does not know yet). Each call is logged to `calls.log`.
    """

    def refund(self, **kwargs):
        directory = Path(os.environ[GATEWAY_DIR_ENV])
        hold_before = os.environ[GATEWAY_HOLD_ENV] == "before"
        self._log(directory, "start", kwargs["idempotency_key"])
        if hold_before:
            self._hold(directory)
        result = super().refund(**kwargs)
        self._log(directory, "recorded", result.reference)
        if not hold_before:
            self._hold(directory)
        return result

    @staticmethod
    def _log(directory: Path, what: str, value: str) -> None:
        with (directory / "calls.log").open("a") as log:
            log.write(f"{what} {value} {os.getpid()}\n")

    @staticmethod
    def _hold(directory: Path) -> None:
        deadline = time.monotonic() + 120  # bounded, in case the test dies without releasing it
        while (directory / "hold").exists() and time.monotonic() < deadline:
            time.sleep(0.05)


# --- helpers ---------------------------------------------------------------------------------------


def refund_status(refund_id: int) -> str:
    return Refund.objects.values_list("status", flat=True).get(pk=refund_id)


def unacked_refunds(redis_url: str, refund_id: int) -> dict[str, str]:
    """Messages of ``pay_refund(refund_id)`` a consumer took and never acknowledged (kombu's Redis `unacked`
    hash: they come back only after the visibility timeout, 1 h by default)."""
    import redis
    from kombu.transport.redis import Channel

    client = redis.Redis.from_url(redis_url)
    found = {}
    for tag, raw in client.hgetall(Channel.unacked_key).items():
        headers = json.loads(raw)[0].get("headers") or {}
        if headers.get("task") == "orders.tasks.pay_refund" and headers.get("argsrepr") == f"({refund_id},)":
            found[tag.decode()] = headers["id"]
    return found


# --- a. a worker killed mid-refund; a new worker and the sweep finish it, one gateway refund ----------


@pytest.mark.parametrize("hold", ["before", "after"])
def test_a_worker_killed_mid_refund_is_recovered_with_one_gateway_refund(
    hold, request, monkeypatch, tmp_path, redis_url
):
    directory = tmp_path / "gateway"
    directory.mkdir()
    monkeypatch.setenv("PAYMENT_GATEWAY", f"{__name__}.SlowRefundGateway")
    monkeypatch.setenv(GATEWAY_DIR_ENV, str(directory))
    monkeypatch.setenv(GATEWAY_HOLD_ENV, hold)
    first = request.getfixturevalue("celery_worker_process")  # after setenv: it copies os.environ
    calls_log = directory / "calls.log"

    def calls(what: str) -> list[str]:
        rows = calls_log.read_text().splitlines() if calls_log.exists() else []
        return [row for row in rows if row.startswith(f"{what} ")]

    order = paid_order()  # this process's gateway is the plain sandbox (settings were read before setenv)
    (directory / "hold").touch()  # the provider takes "forever" to answer
    withdrawal = withdraw(order)  # commits, then enqueues pay_refund to the real worker
    refund = Refund.objects.get(withdrawal=withdrawal)
    assert refund.status == Refund.Status.PENDING

    if hold == "before":
        wait_until(lambda: calls("start"), worker=first, what="the worker to call the gateway")
        assert not ledger_refunds().exists()  # killed before the provider refunded anything
    else:
        wait_until(lambda: calls("recorded"), worker=first, what="the gateway to write its ledger row")
        assert ledger_refunds().count() == 1  # the provider refunded; our database does not know yet
    assert Refund.objects.get(pk=refund.pk).attempts == 1

    first.kill(signal.SIGKILL)
    assert first.proc.wait(10) == -signal.SIGKILL
    (directory / "hold").unlink()
    orphans = unacked_refunds(redis_url, refund.pk)
    try:
        # acks_late: the message was never acknowledged, but Redis hands it out again only after the
        # visibility timeout (1 h); recovery must come from the database.
        assert len(orphans) == 1, f"expected the killed task's message in Redis's unacked hash: {orphans}"
        assert refund_status(refund.pk) == Refund.Status.PENDING
        assert Order.objects.get(pk=order.pk).status == S.CANCELLING

        with another_worker(first, tmp_path) as second:
            assert wait_for_task(second, order_tasks.recover_refunds.delay()) == "0"  # too fresh yet
            backdate_refund(refund.pk)
            assert wait_for_task(second, order_tasks.recover_refunds.delay()) == "1"
            wait_until(
                lambda: refund_status(refund.pk) == Refund.Status.PAID,
                worker=second,
                what="the new worker to pay the refund",
            )
            # The sweep runs again on its schedule, and a duplicate message arrives: nothing is paid twice.
            assert wait_for_task(second, order_tasks.recover_refunds.delay()) == "0"
            wait_for_task(second, order_tasks.pay_refund.delay(refund.pk))
    finally:
        forget_unacked(redis_url, orphans)

    assert_refunded_once(order, refund.pk)
    # The gateway was called twice with the same key (the killed call and the new worker's), and paid once.
    assert len(calls("start")) == 2
    assert {row.split()[1] for row in calls("start")} == {refund.idempotency_key}
    assert len({row.split()[2] for row in calls("start")}) == 2  # two different worker processes
    assert Refund.objects.get(pk=refund.pk).attempts == 2


# --- b. Redis down when the withdrawal commits; the sweep recovers the refund ----------------------


def test_redis_down_at_commit_the_withdrawal_is_recorded_and_the_sweep_pays_the_refund(celery_worker_process, client):
    from controlpanel import celery_app

    worker = celery_worker_process
    order = paid_order()
    client.force_login(order.account)
    working_broker = celery_app.conf.broker_url

    celery_app.conf.broker_url = DEAD_BROKER  # Redis stops: every publish from this process fails
    reset_broker_connections(celery_app)
    try:
        # As Celery fails when Redis is down (kombu's OperationalError once its publish retries are spent).
        with pytest.raises(Exception) as down:
            order_tasks.pay_refund.delay(0)
        assert type(down.value).__module__.startswith("kombu"), down.value
        response = client.post(
            f"/orders/{order.pk}/withdraw/", {"confirm": "on", "reason": "unused", "comment": "Redis is down"}
        )
    finally:
        celery_app.conf.broker_url = working_broker  # Redis is back
        reset_broker_connections(celery_app)

    # The customer sees the withdrawal recorded, not an error page: the enqueue failed after the commit.
    assert response.status_code == 302, response.content[:500]
    withdrawal = Withdrawal.objects.get(order=order)
    assert withdrawal.comment == "Redis is down"
    refund = Refund.objects.get(withdrawal=withdrawal)
    assert refund.status == Refund.Status.PENDING
    assert Order.objects.get(pk=order.pk).status == S.CANCELLING
    time.sleep(1)  # had any message gone out, the worker would have taken it by now
    assert "Task orders.tasks.pay_refund[" not in worker.log_text()
    assert refund_status(refund.pk) == Refund.Status.PENDING and not ledger_refunds().exists()

    backdate_refund(refund.pk)  # the beat sweep runs minutes later
    assert wait_for_task(worker, order_tasks.recover_refunds.delay()) == "1"
    wait_until(lambda: refund_status(refund.pk) == Refund.Status.PAID, worker=worker, what="the sweep's refund")
    assert wait_for_task(worker, order_tasks.recover_refunds.delay()) == "0"

    assert_refunded_once(order, refund.pk)


# --- c. a refund to a transfer payer waits for the IBAN; once given, the worker pays it ------------


def test_a_refund_waiting_for_an_iban_is_paid_by_the_worker_once_the_customer_gives_one(celery_worker_process, client):
    worker = celery_worker_process
    order = transfer_paid_order()
    order_refuse_and_refund(order_id=order.pk)
    refund = Refund.objects.get(order=order)
    assert refund.status == Refund.Status.NEEDS_IBAN
    time.sleep(1)  # nothing is sent to the worker meanwhile: the refund waits, it does not fail
    assert refund_status(refund.pk) == Refund.Status.NEEDS_IBAN and not ledger_refunds().exists()

    client.force_login(order.account)
    iban_page = reverse("orders:refund_iban", args=[order.pk, refund.pk])
    assert client.post(iban_page, {"iban": "FR76 3000 6000 0112 3456 7890 189"}).status_code == 302

    wait_until(lambda: refund_status(refund.pk) == Refund.Status.PAID, worker=worker, what="the refund to be paid")
    (tx,) = ledger_refunds()
    assert (tx.idempotency_key, tx.kind, tx.amount) == (refund.idempotency_key, "bankTransfer", refund.amount)
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (S.CANCELLED, "refused")
