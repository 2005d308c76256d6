"""Unpaid orders: a reminder before they expire, then the expiry sweep, each customer told by email."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.models import OutboxEmail

from .. import lifecycle
from ..models import Order, OrderStatus, Payment
from ..notifications import notify_expiry_reminder, notify_orders_expired
from ..page_versions import order_pages_changed


def orders_expire(*, now: datetime, batch_size: int = 10_000) -> int:
    """Set-based, batched and idempotent (a second run finds nothing to do); how many orders expired.

    Each batch is one transaction of a fixed number of statements (lock, update, events, emails)
    whatever its size; 10 000 orders take a second or two (bench/workers.py measures it).
    """
    expired = 0
    while True:
        with transaction.atomic():
            ids = lifecycle.orders_expire_batch(now=now, batch_size=batch_size)
            if not ids:
                return expired
            notify_orders_expired(order_ids=ids)
            order_pages_changed(order_ids=ids)
            expired += len(ids)


def orders_to_remind(*, now: datetime):
    """Unpaid orders expiring within the reminder period, with no payment in progress, not reminded yet."""
    pending = Payment.objects.filter(order=OuterRef("pk"), status=Payment.Status.PENDING)
    reminded = OutboxEmail.objects.filter(order_id=OuterRef("pk"), template="expiry_reminder")
    return Order.objects.filter(
        status=OrderStatus.NOT_PAID,
        expires_at__gt=now,
        expires_at__lte=now + timedelta(days=settings.ORDER_EXPIRY_REMINDER_DAYS),
    ).exclude(Exists(pending) | Exists(reminded))


def expiry_reminders_send(*, now: datetime | None = None, limit: int = 1000) -> int:
    """The beat job: remind each order once, 2 days (ORDER_EXPIRY_REMINDER_DAYS) before it expires."""
    now = now or timezone.now()
    sent = 0
    for order in orders_to_remind(now=now).select_related("account", "subsidiary").order_by("expires_at")[:limit]:
        with transaction.atomic():
            if notify_expiry_reminder(order) is not None:
                sent += 1
    return sent
