"""Beat heartbeat, broker queue depth and refunds at risk (orders/monitoring.py), on the real database and a real
Redis broker: `manage.py check_workers` exits 1 and logs at ERROR on an alert, /health/workers answers 503."""

import logging
import shutil
import subprocess
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from orders import tasks
from orders.models import Heartbeat, Payment, Refund
from orders.monitoring import broker_eviction_policy, heartbeat_record, workers_check
from tests.support.factories import pay_order, place_order
from tests.support.processes import free_port, redis_answers, restore_broker, stop, use_broker

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def redis_broker(redis_url):
    """This process's Celery app on the Redis broker, its task queue empty before and after."""
    from controlpanel import celery_app

    saved = use_broker(celery_app, redis_url)
    _purge()
    try:
        yield redis_url
    finally:
        _purge()
        restore_broker(celery_app, saved)


def _purge() -> None:
    from controlpanel import celery_app

    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")


def _enqueue(count: int) -> None:
    """Messages waiting in the default queue, as tasks nobody consumes yet."""
    from controlpanel import celery_app

    with celery_app.connection_for_write() as conn:
        queue = conn.SimpleQueue("celery")
        for _ in range(count):
            queue.put({"waiting": True})
        queue.close()


def _refund(*, due_in_days: int, status: str = Refund.Status.PENDING) -> Refund:
    order = pay_order(place_order())
    payment = order.payments.get(status=Payment.Status.SUCCEEDED)
    return Refund.objects.create(
        order=order,
        cause=Refund.Cause.REFUSAL,
        payment=payment,
        kind=payment.kind,
        amount=payment.amount,
        vat_amount=Decimal(0),
        currency=order.currency,
        status=status,
        due_on=timezone.now().date() + timedelta(days=due_in_days),
        idempotency_key=f"monitoring-{order.pk}",
    )


def _stale(settings) -> None:
    heartbeat_record(hostname="w1", now=timezone.now() - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS + 5))


def test_the_heartbeat_task_records_when_it_ran():
    before = timezone.now()
    tasks.beat_heartbeat.delay()
    assert Heartbeat.objects.get(name="beat").at >= before


def test_fresh_heartbeat_and_empty_queue_are_ok(redis_broker, client, capsys):
    heartbeat_record(hostname="celery@w1")
    report = workers_check()
    assert report.ok, report.alerts
    assert report.queue_depth == 0 and report.heartbeat_hostname == "celery@w1"
    call_command("check_workers")
    assert capsys.readouterr().out.rstrip().endswith("OK")
    response = client.get("/health/workers")
    assert response.status_code == 200
    assert response.json() == {"heartbeat": "ok", "broker": "ok", "queue": "ok", "refunds": "ok"}


def test_stale_or_missing_heartbeat_alerts(redis_broker, settings, client, caplog):
    assert "heartbeat" in workers_check().alerts  # none recorded yet
    _stale(settings)
    report = workers_check()
    assert list(report.alerts) == ["heartbeat"]
    assert "beat itself is not sending" in report.alerts["heartbeat"]  # the queue is empty
    with caplog.at_level(logging.ERROR, logger="orders.monitoring"), pytest.raises(CommandError) as raised:
        call_command("check_workers")
    assert raised.value.returncode == 1
    assert [(r.levelno, r.check) for r in caplog.records if r.name == "orders.monitoring"] == [
        (logging.ERROR, "heartbeat")
    ]
    response = client.get("/health/workers")
    assert response.status_code == 503
    assert response.json()["heartbeat"] == "stale"


def test_deep_queue_alerts(redis_broker, settings, client):
    settings.QUEUE_DEPTH_ALERT = 3
    heartbeat_record(hostname="w1")
    _enqueue(3)
    assert workers_check().ok  # at the limit
    _enqueue(1)
    report = workers_check()
    assert report.queue_depth == 4
    assert list(report.alerts) == ["queue"]
    assert client.get("/health/workers").json()["queue"] == "deep"


def test_unreachable_broker_alerts(settings):
    from controlpanel import celery_app

    heartbeat_record(hostname="w1")
    saved = use_broker(celery_app, f"redis://127.0.0.1:{free_port()}/0")
    try:
        report = workers_check()
    finally:
        restore_broker(celery_app, saved)
    assert report.queue_depth is None
    assert list(report.alerts) == ["broker"]


def test_refund_due_soon_alerts_only_when_it_could_be_late(redis_broker, settings):
    heartbeat_record(hostname="w1")
    _refund(due_in_days=20)  # due later than REFUND_ALERT_HOURS: not counted
    due = _refund(due_in_days=1)
    report = workers_check()
    assert report.ok, report.alerts  # just created, the workers keep up: it will be paid
    assert (report.refunds_due_soon, report.next_refund_due) == (1, due.due_on)

    _stale(settings)
    report = workers_check()
    assert set(report.alerts) == {"heartbeat", "refunds_at_risk"}
    assert "the workers are not keeping up" in report.alerts["refunds_at_risk"]

    heartbeat_record(hostname="w1")
    Refund.objects.filter(pk=due.pk).update(status=Refund.Status.FAILED)  # finance has to retry it
    report = workers_check()
    assert list(report.alerts) == ["refunds_at_risk"]
    assert report.refunds_stuck == 1


def test_late_refund_alerts(redis_broker, client):
    heartbeat_record(hostname="w1")
    _refund(due_in_days=-2)
    report = workers_check()
    assert list(report.alerts) == ["refunds_late"] and report.refunds_late == 1
    assert client.get("/health/workers").json()["refunds"] == "late"


def test_eviction_policy_other_than_noeviction_is_warned(redis_broker, caplog):
    """CONFIG SET is global to the Redis server: set and restored at once, in a finally."""
    import redis
    from celery.signals import worker_ready

    heartbeat_record(hostname="w1")
    server = redis.Redis.from_url(redis_broker)
    original = server.config_get("maxmemory-policy")["maxmemory-policy"]
    try:
        server.config_set("maxmemory-policy", "allkeys-lru")
        report = workers_check()
        with caplog.at_level(logging.WARNING, logger="orders.monitoring"):
            worker_ready.send(sender=None)  # what a worker does when it starts
    finally:
        server.config_set("maxmemory-policy", original)
    assert report.ok and report.eviction_policy == "allkeys-lru"
    assert len(report.warnings) == 1 and "allkeys-lru" in report.warnings[0]
    assert [r.levelno for r in caplog.records if r.name == "orders.monitoring"] == [logging.WARNING]
    assert server.config_get("maxmemory-policy")["maxmemory-policy"] == original


def test_eviction_policy_unreadable_on_a_managed_redis(tmp_path):
    """Managed Redis services often disable CONFIG: the policy is "unknown" and warned about, nothing fails."""
    from controlpanel import celery_app

    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    server = subprocess.Popen(
        [
            *(shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(tmp_path), "--rename-command", "CONFIG", ""),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    saved = use_broker(celery_app, url)
    try:
        deadline = time.monotonic() + 10
        while not redis_answers(url):
            assert time.monotonic() < deadline and server.poll() is None, "the private redis-server did not start"
            time.sleep(0.05)
        assert broker_eviction_policy() == "unknown"
        report = workers_check()
    finally:
        restore_broker(celery_app, saved)
        stop(server)
    assert "CONFIG GET refused" in report.warnings[0]
    assert "broker" not in report.alerts
