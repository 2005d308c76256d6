"""Workers: the expiry sweep against bare SQL on the same rows, and the refund task against a no-op task.

(a) 100 000 due unpaid orders (set-based inserts), then interleaved rounds of: the bare SQL (one
UPDATE feeding one INSERT … SELECT of the events, committed), a restore, `orders_expire`
(which also writes the 100 000 expiry emails to the outbox), a restore. Each result is checked
before it counts. The orders expire in 2001, and both sides run with `now` in 2001, so nothing else
in the database is touched.

(b) A real Celery worker started like production (README: prefork, one process per CPU, DEBUG off, this run's
settings, the bench Redis database) drains N no-op tasks (each counts itself in Redis), then N
`pay_refund` tasks for N pending refunds built through the real services (checkout, a sandbox card
payment, a withdrawal), analyzed as autovacuum would have by then; the drain ends when the database says every
refund is paid, and each must be in the sandbox ledger exactly once. A warm-up round of each, then interleaved
rounds, median throughput of each.
"""

import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, connections, transaction
from django.db.models import Count, Max, Min

from accounts.models import Subsidiary, User
from core.models import OutboxEmail
from orders import history
from orders.models import CancelReason, Order, OrderEvent, OrderStatus
from orders.services.expiry import orders_expire

from .common import Ratio, ensure_databases

ORDERS = 100_000
CUSTOMERS = 1_000
ROUNDS = 3
PREFIX = "bench-expiry-"
CREATED = datetime(2001, 1, 1, tzinfo=UTC)
EXPIRES = CREATED + timedelta(days=7)
NOW = EXPIRES + timedelta(days=1)
SUBSIDIARIES = ("FR", "GB", "TN", "SN", "CA", "DE")


def _customers() -> list[User]:
    """Customers in several subsidiaries, half of them reading French."""
    User.objects.filter(username__startswith=PREFIX).delete()
    password = make_password(None)
    return User.objects.bulk_create(
        User(
            username=f"{PREFIX}{i}",
            handle=f"{PREFIX}{i}",
            email=f"{PREFIX}{i}@example.com",
            first_name="Bench",
            last_name=f"Customer {i}",
            password=password,
            language=("en", "fr")[i % 2],
            subsidiary_id=SUBSIDIARIES[i % len(SUBSIDIARIES)],
            country=SUBSIDIARIES[i % len(SUBSIDIARIES)],
            email_confirmed=True,
        )
        for i in range(CUSTOMERS)
    )


def _bench_orders():
    return Order.objects.filter(account__username__startswith=PREFIX)


def _seed_orders() -> tuple[int, int]:
    """ORDERS due unpaid orders spread over the customers, in one INSERT … SELECT; returns the id range.

    A previous run's orders are kept when they are all there (_restore resets them).
    """
    bounds = _bench_orders().aggregate(first=Min("pk"), last=Max("pk"), count=Count("pk"))
    if bounds["count"] == ORDERS and bounds["last"] - bounds["first"] == ORDERS - 1:
        return bounds["first"], bounds["last"]
    with connection.cursor() as cursor:
        # Earlier runs: the rows hanging off the bench's orders go first (set-based, no ORM cascade).
        for table in ("orders_outboxemail", "orders_orderevent"):
            cursor.execute(
                f"DELETE FROM {table} WHERE order_id IN (SELECT o.id FROM orders_order o JOIN accounts_user u"
                " ON u.id = o.account_id WHERE u.username LIKE %s)",
                [PREFIX + "%"],
            )
        cursor.execute(
            "DELETE FROM orders_order WHERE account_id IN (SELECT id FROM accounts_user WHERE username LIKE %s)",
            [PREFIX + "%"],
        )
    customers = _customers()
    currencies = dict(Subsidiary.objects.values_list("code", "currency"))
    rows = [
        {
            "id": c.pk,
            "language": c.language,
            "subsidiary": c.subsidiary_id,
            "currency": currencies[c.subsidiary_id],
            "billing": c.billing_snapshot(),
        }
        for c in customers
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO orders_order (kind, status, cancel_reason, created_at, expires_at, currency, language,
                billing, reverse_charge, total_net, total_reduction, total_vat, total_gross, withdrawal_info_given,
                version, updated_at, account_id, subsidiary_id)
            SELECT 'new', %(status)s, '', %(created)s, %(expires)s + (g %% 3600) * interval '1 second',
                c.value->>'currency', c.value->>'language', c.value->'billing', false, 10.00, 0, 2.00, 12.00,
                true, 1, %(created)s, (c.value->>'id')::bigint, c.value->>'subsidiary'
            FROM generate_series(0, %(orders)s - 1) AS g
            JOIN jsonb_array_elements(%(customers)s::jsonb) WITH ORDINALITY AS c(value, i)
                ON c.i = g %% %(count)s + 1
            RETURNING id
            """,
            {
                "status": OrderStatus.NOT_PAID,
                "created": CREATED,
                "expires": EXPIRES,
                "orders": ORDERS,
                "customers": json.dumps(rows),
                "count": len(rows),
            },
        )
        ids = [row[0] for row in cursor.fetchall()]
    return min(ids), max(ids)


def _restore(first: int, last: int) -> None:
    """Back to ORDERS due unpaid orders with no events and no emails, vacuumed like the first round."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM orders_outboxemail WHERE order_id BETWEEN %s AND %s", [first, last])
        cursor.execute("DELETE FROM orders_orderevent WHERE order_id BETWEEN %s AND %s", [first, last])
        cursor.execute(
            "UPDATE orders_order SET status = %s, cancel_reason = '', version = 1, updated_at = %s"
            " WHERE id BETWEEN %s AND %s",
            [OrderStatus.NOT_PAID, CREATED, first, last],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE orders_order, orders_orderevent, orders_outboxemail")


def _bare_sql() -> None:
    """What the sweep does, as bare SQL: one UPDATE feeding one INSERT … SELECT of the events."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH expired AS (
                UPDATE orders_order SET status = %(to)s, cancel_reason = %(reason)s, version = version + 1,
                    updated_at = %(now)s
                WHERE status = %(from)s AND expires_at <= %(now)s
                RETURNING id
            )
            INSERT INTO orders_orderevent (order_id, label, from_status, to_status, channel, data, created_at)
            SELECT id, %(label)s, %(from)s, %(to)s, %(channel)s, '{}', %(now)s FROM expired
            """,
            {
                "from": OrderStatus.NOT_PAID,
                "to": OrderStatus.CANCELLED,
                "reason": CancelReason.EXPIRED,
                "label": history.ORDER_EXPIRED,
                "channel": OrderEvent.Channel.SYSTEM,
                "now": NOW,
            },
        )


def _check(first: int, last: int, *, emails: int) -> None:
    """The run did the whole job, once: every order expired, one event each, and `emails` outbox rows."""
    orders = Order.objects.filter(pk__range=(first, last))
    expired = orders.filter(status=OrderStatus.CANCELLED, cancel_reason=CancelReason.EXPIRED).count()
    events = OrderEvent.objects.filter(order__gte=first, order__lte=last, label=history.ORDER_EXPIRED)
    outbox = OutboxEmail.objects.filter(order_id__gte=first, order_id__lte=last, template="order_expired")
    found = (expired, events.count(), events.values("order_id").distinct().count(), outbox.count())
    if found != (ORDERS, ORDERS, ORDERS, emails):
        raise AssertionError(f"expected {ORDERS} expired orders, events and orders with one, {emails} emails: {found}")


def _timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def expiry_ratio() -> Ratio:
    ensure_databases("default", "sandbox")
    first, last = _seed_orders()
    _restore(first, last)
    bare, sweep = [], []
    for _ in range(ROUNDS):
        bare.append(_timed(_bare_sql))
        _check(first, last, emails=0)
        _restore(first, last)
        sweep.append(_timed(lambda: orders_expire(now=NOW)))
        _check(first, last, emails=ORDERS)
        _restore(first, last)
    return Ratio(
        name=f"Expiry sweep of {ORDERS:,} orders with their emails vs bare SQL",
        measured=statistics.median(sweep),
        baseline=statistics.median(bare),
        unit="s",
        limit=5,
        at_least=False,
        note=f"median of {ROUNDS} interleaved rounds",
    )


# --- (b) the refund task against a no-op task on one worker -----------------------------------------

TASKS = 100
TASK_ROUNDS = 5
WORKER_READY_SECONDS = 60
DRAIN_SECONDS = 300


def _refunds_due(count: int, tag: str) -> list[int]:
    """`count` pending refunds, each the withdrawal of a card-paid order, built through the services."""
    from accounts.services import payment_method_add
    from catalog.models import Family, Plan, Pricing
    from orders.models import Refund
    from orders.services.carts import cart_add_item, cart_create
    from orders.services.checkout import cart_checkout
    from orders.services.consents import Evidence
    from orders.services.payments import order_pay
    from orders.services.withdrawals import WithdrawalRequest, order_withdraw
    from payments.kinds import PaymentKind

    account = User.objects.create(
        username=f"bench-refund-{tag}",
        handle=f"bench-refund-{tag}",
        email=f"bench-refund-{tag}@example.com",
        first_name="Bench",
        last_name="Refund",
        subsidiary_id="FR",
        country="FR",
        email_confirmed=True,
    )
    plan = Plan.objects.create(
        plan_code=f"bench-refund-{tag}", family=Family.WEB_HOSTING, name_en="Bench hosting", name_fr="Hébergement"
    )
    Pricing.objects.create(
        plan=plan,
        subsidiary_id="FR",
        duration="P1M",
        months=1,
        pricing_mode="default",
        price="10.00",
        installation_fee="0",
    )
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": datetime.now(UTC).year + 3}
    method = payment_method_add(account=account, kind=PaymentKind.CARD, details=card)
    evidence = Evidence(channel="panel", ip="127.0.0.1", actor=account)
    refunds = []
    for _ in range(count):
        cart = cart_create(subsidiary_code="FR", account=account)
        cart_add_item(cart=cart, plan_code=plan.plan_code, duration="P1M")
        order = cart_checkout(cart=cart, account=account, evidence=evidence)
        order_pay(order_id=order.pk, account=account, method=method)
        withdrawal = order_withdraw(
            order_id=order.pk,
            request=WithdrawalRequest(confirmed=True, reason="unused"),
            evidence=evidence,
            channel="panel",
        )
        refunds.append(Refund.objects.get(withdrawal=withdrawal, status=Refund.Status.PENDING).pk)
    return refunds


class _Worker:
    """`celery -A controlpanel worker` as the README runs it in production, plus the bench's task module."""

    def __init__(self, logfile):
        self.hostname = f"bench-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        # DEBUG off as in production (with it, Django also records every query); mail kept in memory.
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        cmd = [sys.executable, "-m", "celery", "-A", "controlpanel", "worker", "--loglevel=INFO"]
        cmd += ["-n", self.hostname, "-I", "bench.tasks"]
        self.logfile = logfile
        with open(logfile, "wb") as out:
            self.proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self) -> None:
        from controlpanel import celery_app

        deadline = time.monotonic() + WORKER_READY_SECONDS
        while not celery_app.control.ping(destination=[self.hostname], timeout=0.5):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bench worker did not start; see {self.logfile}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def _analyze(*aliases: str) -> None:
    """Statistics for the rows just written, as autovacuum keeps them in production.

    This machine's PostgreSQL runs without autovacuum (CI's configuration): without this, the planner takes
    the tables for a few pages and scans an order's lines and refunds where an index would find them.
    """
    for alias in aliases:
        with connections[alias].cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")


def _drain(done, what: str) -> float:
    """Seconds until `done()`: the completion is observed (a counter, the database), never assumed."""
    start = time.perf_counter()
    while not done():
        if time.perf_counter() - start > DRAIN_SECONDS:
            raise AssertionError(f"{what} not drained after {DRAIN_SECONDS} s")
        time.sleep(0.02)
    return time.perf_counter() - start


def _noop_round(client) -> float:
    from .tasks import noop

    counter = f"bench:noop:{uuid.uuid4().hex}"
    start = time.perf_counter()
    for _ in range(TASKS):
        noop.delay(counter)
    _drain(lambda: int(client.get(counter) or 0) >= TASKS, "the no-op tasks")
    elapsed = time.perf_counter() - start
    if int(client.get(counter)) != TASKS:
        raise AssertionError(f"{client.get(counter)} no-op tasks ran, not {TASKS}")
    client.delete(counter)
    return TASKS / elapsed


def _refund_round(refund_ids: list[int]) -> float:
    from orders.models import Refund
    from orders.tasks import pay_refund
    from payments.models import SandboxTransaction

    refunds = Refund.objects.filter(pk__in=refund_ids)

    def all_paid() -> bool:
        """One short statement (PostgreSQL's `= ANY` of one array): the ORM building a count of 100 ids on every
        poll took CPU from the worker it measures, which the no-op round's poll (a Redis GET) does not."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {Refund._meta.db_table} WHERE id = ANY(%s) AND status = %s",
                [refund_ids, Refund.Status.PAID],
            )
            return cursor.fetchone()[0] == len(refund_ids)

    start = time.perf_counter()
    for refund_id in refund_ids:
        pay_refund.delay(refund_id)
    _drain(all_paid, "the refund tasks")
    elapsed = time.perf_counter() - start
    paid = dict(refunds.values_list("idempotency_key", "gateway_reference"))
    ledger = list(
        SandboxTransaction.objects.filter(
            idempotency_key__in=paid, operation=SandboxTransaction.Operation.REFUND
        ).values_list("idempotency_key", "reference")
    )
    if len(ledger) != len(refund_ids) or dict(ledger) != paid:
        raise AssertionError(f"{len(ledger)} ledger refunds for {len(refund_ids)} refunds, or references differ")
    return len(refund_ids) / elapsed


def refund_ratio() -> Ratio:
    import redis

    from controlpanel import celery_app

    if not settings.REDIS_URL:
        raise RuntimeError("the refund benchmark needs REDIS_URL (bench/run sets it)")
    tag = uuid.uuid4().hex[:8]
    warm_up, *batches = [_refunds_due(TASKS, f"{tag}-{i}") for i in range(TASK_ROUNDS + 1)]
    celery_app.control.purge()  # what building them enqueued: each round enqueues its own refunds
    _analyze("default", "sandbox")
    client = redis.Redis.from_url(settings.REDIS_URL)
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    worker = _Worker(settings.VAR_DIR / "bench-worker.log")
    try:
        worker.wait_ready()
        # Warm-up, one round of each, not counted: the worker's processes import and connect (paying refunds opens
        # the sandbox ledger's connections too), and psycopg prepares the statements they repeat.
        _noop_round(client)
        _refund_round(warm_up)
        noop, refund = [], []
        for refund_ids in batches:
            noop.append(_noop_round(client))
            refund.append(_refund_round(refund_ids))
    finally:
        worker.stop()
    return Ratio(
        name=f"Refund task throughput vs no-op task ({TASKS} tasks, prefork worker)",
        measured=statistics.median(refund),
        baseline=statistics.median(noop),
        unit="tasks/s",
        limit=0.25,
        at_least=True,
        note=f"median of {TASK_ROUNDS} interleaved rounds",
    )


def run() -> list[Ratio]:
    return [expiry_ratio(), refund_ratio()]
