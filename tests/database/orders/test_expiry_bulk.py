"""The expiry sweep's emails, written per batch (one INSERT, one sending task): the same emails as one by one."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import OutboxEmail
from core.outbox import _render
from orders import history
from orders.models import Order, OrderEvent, OrderStatus
from orders.notifications import notify_order_expired
from orders.services.expiry import orders_expire
from tests.support.factories import UserFactory, place_order, subsidiary

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run a block and then its on-commit work (the email tasks), as the worker would after commit."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def due_orders(*accounts):
    placed = timezone.now() - timedelta(days=settings.ORDER_VALIDITY_DAYS + 1)
    return [place_order(account=account, now=placed) for account in accounts]


def expired_emails():
    return OutboxEmail.objects.filter(template="order_expired")


def test_bulk_emails_are_the_emails_notify_order_expired_writes():
    """Field by field and rendered, for customers in both languages and several subsidiaries."""
    accounts = [
        UserFactory(language="en"),
        UserFactory(language="fr"),
        UserFactory(language="en", subsidiary=subsidiary("GB"), country="GB"),
        UserFactory(language="fr", subsidiary=subsidiary("TN"), country="TN"),
    ]
    orders = due_orders(*accounts)
    single = {}
    for placed in orders:
        # As the sweep loaded them before it wrote its emails in one INSERT per batch.
        order = Order.objects.select_related("account", "subsidiary").get(pk=placed.pk)
        with transaction.atomic():
            email = notify_order_expired(order)
            single[order.pk] = (email.key, email.template, email.to, email.language, email.context, _render(email))
            transaction.set_rollback(True)  # only its content is kept: the sweep writes the real one
    assert not expired_emails().exists()

    assert orders_expire(now=timezone.now()) == len(orders)

    bulk = {email.order_id: email for email in expired_emails()}
    assert set(bulk) == set(single)
    for order_id, (key, template, to, language, context, message) in single.items():
        email = bulk[order_id]
        assert (email.key, email.template, email.to, email.language, email.context) == (
            key,
            template,
            to,
            language,
            context,
        )
        rendered = _render(email)
        assert (rendered.subject, rendered.body, rendered.to) == (message.subject, message.body, message.to)
        assert rendered.alternatives == message.alternatives
    assert {bulk[order.pk].language for order in orders} == {"en", "fr"}


def test_each_order_gets_one_email_in_its_language_across_batches_and_sweeps(run_on_commit, mailoutbox):
    english, french = UserFactory(language="en"), UserFactory(language="fr")
    orders = due_orders(english, french, english, french, english)
    now = timezone.now()

    assert run_on_commit(lambda: orders_expire(now=now, batch_size=2)) == 5
    assert run_on_commit(lambda: orders_expire(now=now)) == 0

    assert expired_emails().count() == 5
    assert set(expired_emails().values_list("status", flat=True)) == {OutboxEmail.Status.SENT}
    assert len(mailoutbox) == 5
    for order in orders:
        [message] = [m for m in mailoutbox if f" {order.pk} " in m.subject]
        expected = "a expiré" if order.account.language == "fr" else "has expired"
        assert expected in message.subject and message.to == [order.account.email]


def test_an_email_written_before_the_sweep_is_neither_written_nor_sent_twice(run_on_commit, mailoutbox):
    """A key already in the outbox is skipped by the batch's INSERT; the batch's task sends it once."""
    first, second = due_orders(UserFactory(), UserFactory())
    with transaction.atomic():
        notify_order_expired(first)  # pending, its own message lost (no on-commit run)

    assert run_on_commit(lambda: orders_expire(now=timezone.now())) == 2

    assert expired_emails().filter(order_id=first.pk).count() == 1
    assert expired_emails().filter(order_id=second.pk).count() == 1
    assert sorted(m.to[0] for m in mailoutbox) == sorted([first.account.email, second.account.email])


def test_a_batch_rolled_back_and_run_again_writes_one_email_and_one_event_per_order(run_on_commit, mailoutbox):
    """A worker killed before the batch commits: nothing of it stays, and the next run does it once."""
    orders = due_orders(UserFactory(), UserFactory(), UserFactory())
    now = timezone.now()
    with transaction.atomic():
        assert orders_expire(now=now) == 3
        transaction.set_rollback(True)
    assert not expired_emails().exists() and not mailoutbox

    assert run_on_commit(lambda: orders_expire(now=now)) == 3

    for order in orders:
        order.refresh_from_db()
        assert order.status == OrderStatus.CANCELLED
        assert OrderEvent.objects.filter(order=order, label=history.ORDER_EXPIRED).count() == 1
        assert expired_emails().filter(order_id=order.pk).count() == 1
    assert len(mailoutbox) == 3


def test_an_account_without_an_address_gets_no_email_and_its_order_still_expires():
    silent = UserFactory(email="")
    [order, other] = due_orders(silent, UserFactory())
    assert orders_expire(now=timezone.now()) == 2
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert list(expired_emails().values_list("order_id", flat=True)) == [other.pk]


def test_a_batch_costs_the_same_queries_whatever_its_size():
    """Set-based: lock, update, events, emails; the count does not grow with the orders in the batch."""
    now = timezone.now()
    due_orders(UserFactory())
    with CaptureQueriesContext(connection) as one:
        assert orders_expire(now=now) == 1
    due_orders(*(UserFactory() for _ in range(6)))
    with CaptureQueriesContext(connection) as six:
        assert orders_expire(now=now) == 6
    assert len(six.captured_queries) == len(one.captured_queries)
