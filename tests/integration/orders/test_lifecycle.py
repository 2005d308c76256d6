"""An order's life through a real Celery worker and a real Redis broker: validation with documents, a renewal,
and Redis restarted with tasks queued (issue 5, Tests).

Every test here runs on its own private redis-server (the module's `redis_url` overrides conftest's session
one), so that the Redis-restart test can stop and start its broker without touching anyone else's.
"""

import shutil
import signal
import subprocess
import time
from datetime import timedelta

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import PaymentMethod
from core import tasks as core_tasks
from core.localtime import local_today
from core.models import OutboxEmail
from orders import tasks as order_tasks
from orders.models import Invoice, Order, OrderKind, OrderStatus, Payment, Refund, Service, SupportingDocument
from orders.services.payments import order_pay
from orders.services.validation import order_request_documents, order_validate
from orders.withdrawal import period_end
from tests.support.factories import PaymentMethodFactory, PricingFactory, UserFactory, place_order
from tests.support.orders import (
    assert_delivered_once,
    assert_refunded_once,
    backdate_refund,
    ledger_refunds,
    order_status,
    paid_order,
    trusted_account,
    withdraw,
)
from tests.support.processes import free_port, redis_answers, reset_broker_connections, stop
from tests.support.worker import another_worker, wait_for_task, wait_until

S = OrderStatus
pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "sandbox"]),
]

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


# --- a private, restartable redis-server -----------------------------------------------------------


class PrivateRedis:
    """A redis-server on 127.0.0.1:<port> that keeps nothing on disk: a restart loses every message."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self) -> None:
        server = shutil.which("redis-server")
        if not server:
            pytest.fail("redis-server not found; run bin/install")
        logfile = self.workdir / f"redis-{self.port}.log"
        options = {"port": str(self.port), "bind": "127.0.0.1", "save": "", "appendonly": "no", "daemonize": "no"}
        options |= {"dir": str(self.workdir), "logfile": str(logfile)}
        self.proc = subprocess.Popen(
            [server, *(item for name, value in options.items() for item in (f"--{name}", value))],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not redis_answers(self.url):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = logfile.read_text(errors="replace") if logfile.exists() else ""
                pytest.fail(f"could not start a private redis-server on port {self.port}:\n{log}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@pytest.fixture
def private_redis(tmp_path):
    workdir = tmp_path / "redis"
    workdir.mkdir()
    server = PrivateRedis(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(private_redis):
    """Overrides conftest's session `redis_url` for this module: celery_worker_process uses this broker."""
    return private_redis.url


# --- helpers ---------------------------------------------------------------------------------------


def emails(order_id: int, template: str):
    return OutboxEmail.objects.filter(order_id=order_id, template=template)


def email_sent(order_id: int, template: str) -> bool:
    rows = list(emails(order_id, template).values_list("status", flat=True))
    return len(rows) == 1 and rows[0] == OutboxEmail.Status.SENT


def pay(order, account) -> Payment:
    method = PaymentMethod.objects.filter(account=account).first() or PaymentMethodFactory(account=account)
    payment = order_pay(order_id=order.pk, account=account, method=method)
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


# --- a. validation with documents: requested, uploaded, validated, delivered ------------------------


def test_an_order_through_validation_with_documents(celery_worker_process, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"  # the upload is stored by this process, not by the worker
    worker = celery_worker_process
    account = UserFactory()
    staff = UserFactory(is_staff=True)
    order = place_order(account=account)
    pay(order, account)
    assert order_status(order.pk) == S.CHECKING  # a first order goes to manual validation

    order_request_documents(order_id=order.pk, staff=staff, today=timezone.localdate())
    assert order_status(order.pk) == S.DOCUMENTS_REQUESTED
    wait_until(
        lambda: email_sent(order.pk, "documents_requested"),
        worker=worker,
        what="the documents-requested email to be sent",
    )

    client.force_login(account)
    url = reverse("orders:documents", args=[order.pk])
    upload = SimpleUploadedFile("passport.pdf", PDF, content_type="application/pdf")
    response = client.post(url, {"files": [upload]})
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse("orders:tracking", args=[order.pk])
    assert order_status(order.pk) == S.CHECKING  # back in the validation queue
    (document,) = SupportingDocument.objects.filter(order=order)
    assert document.original_name == "passport.pdf"

    order_validate(order_id=order.pk, staff=staff)
    wait_until(lambda: order_status(order.pk) == S.DELIVERED, worker=worker, what="the order to be delivered")
    assert_delivered_once(order.pk)
    wait_until(lambda: email_sent(order.pk, "order_delivered"), worker=worker, what="the delivered email")
    # A duplicate delivery message sends no second email.
    wait_for_task(worker, order_tasks.deliver_order.delay(order.pk))
    assert emails(order.pk, "order_delivered").count() == 1
    assert emails(order.pk, "documents_requested").count() == 1


# --- b. a renewal: created by the beat job, paid, delivered: the period is extended ----------------


def test_a_service_is_renewed_through_the_worker(celery_worker_process):
    worker = celery_worker_process
    account = trusted_account()
    order = place_order(account=account, pricings=[PricingFactory(months=3, duration="P3M")])
    pay(order, account)  # a trusted account: straight to delivery
    wait_until(lambda: order_status(order.pk) == S.DELIVERED, worker=worker, what="the first order's delivery")
    (service,) = Service.objects.filter(origin_line__order=order)
    assert service.months == 3

    ends = local_today(account.subsidiary.time_zone, timezone.now()) + timedelta(days=10)
    assert Service.objects.filter(pk=service.pk).update(period_end=ends) == 1  # the period ends in 10 days

    assert wait_for_task(worker, order_tasks.create_renewals.delay()) == "1"
    (renewal,) = Order.objects.filter(kind=OrderKind.RENEWAL, lines__renewed_service=service)
    assert renewal.status == S.NOT_PAID
    assert wait_for_task(worker, order_tasks.create_renewals.delay()) == "0"  # its renewal is open already
    wait_until(lambda: email_sent(renewal.pk, "renewal_created"), worker=worker, what="the renewal email")

    pay(renewal, account)
    wait_until(lambda: order_status(renewal.pk) == S.DELIVERED, worker=worker, what="the renewal's delivery")

    service.refresh_from_db()
    assert service.period_end == period_end(ends, 3)  # extended from its previous end, not from today
    assert Service.objects.filter(account=account, origin_line__order=renewal).count() == 0  # no new service
    assert wait_for_task(worker, order_tasks.create_renewals.delay()) == "0"
    assert Order.objects.filter(kind=OrderKind.RENEWAL).count() == 1


# --- c. Redis restarted (without persistence) with tasks queued: the sweeps lose nothing committed ---


def test_redis_restarted_with_tasks_queued_loses_nothing_committed(
    celery_worker_process, private_redis, tmp_path, settings
):
    from controlpanel import celery_app

    first = celery_worker_process
    staff = UserFactory(is_staff=True)
    withdrawn = paid_order()  # in `checking`, paid with a sandbox card
    validated = paid_order()
    # Let the worker finish what the payments enqueued, then stop it: from now on messages wait in Redis.
    wait_until(
        lambda: not OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING).exists(),
        worker=first,
        what="the payment emails to be sent",
    )
    first.kill(signal.SIGTERM)
    assert first.proc.wait(20) == 0

    withdrawal = withdraw(withdrawn)  # commits, then queues pay_refund
    refund = Refund.objects.get(withdrawal=withdrawal)
    order_validate(order_id=validated.pk, staff=staff)  # commits, then queues deliver_order
    assert order_status(validated.pk) == S.DELIVERING
    client = private_redis.client()
    queued = client.llen("celery")
    assert queued >= 2, f"expected the messages to wait in Redis: {client.keys()}"

    private_redis.restart()  # no persistence: every queued message is gone
    assert private_redis.client().dbsize() == 0
    reset_broker_connections(celery_app)  # this process's pooled connections went to the old server

    # The beat sweeps run minutes later.
    hour_ago = timezone.now() - timedelta(hours=1)
    backdate_refund(refund.pk)
    assert Order.objects.filter(pk=validated.pk).update(updated_at=hour_ago) == 1
    assert OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING).update(created_at=hour_ago) >= 1
    Order.objects.filter(paid_at__isnull=False, invoice__isnull=True).update(paid_at=hour_ago)

    with another_worker(first, tmp_path) as second:
        time.sleep(1)  # had any message survived, the new worker would have taken it by now
        assert "Task orders.tasks.pay_refund[" not in second.log_text()
        assert "Task orders.tasks.deliver_order[" not in second.log_text()
        assert Refund.objects.get(pk=refund.pk).status == Refund.Status.PENDING and not ledger_refunds().exists()

        assert wait_for_task(second, order_tasks.recover_refunds.delay()) == "1"
        assert wait_for_task(second, order_tasks.recover_deliveries.delay()) == "1"
        wait_for_task(second, core_tasks.resend_pending_emails.delay())
        wait_for_task(second, order_tasks.recover_invoices.delay())
        wait_until(
            lambda: Refund.objects.get(pk=refund.pk).status == Refund.Status.PAID,
            worker=second,
            what="the sweep's refund",
        )
        wait_until(lambda: order_status(validated.pk) == S.DELIVERED, worker=second, what="the sweep's delivery")
        wait_until(
            lambda: not OutboxEmail.objects.exclude(status=OutboxEmail.Status.SENT).exists(),
            worker=second,
            what="every committed email to be sent",
        )
        wait_until(
            lambda: Invoice.objects.filter(order__in=[withdrawn, validated]).count() == 2,
            worker=second,
            what="both invoices",
        )
        # The sweeps run again on their schedule: nothing left, nothing done twice.
        assert wait_for_task(second, order_tasks.recover_refunds.delay()) == "0"
        assert wait_for_task(second, order_tasks.recover_deliveries.delay()) == "0"
        assert wait_for_task(second, core_tasks.resend_pending_emails.delay()) == "0"

    assert_refunded_once(withdrawn, refund.pk)
    assert_delivered_once(validated.pk)
    assert emails(validated.pk, "order_delivered").count() == 1
