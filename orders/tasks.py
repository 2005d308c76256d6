"""Celery tasks: each takes ids, calls one service, and is safe to run twice (acks_late, retried)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import lifecycle
from .models import Cart, Order, OrderStatus
from .provisioning import ProvisioningError

# A delivery untouched for this long lost its message.
STALE_DELIVERY = timedelta(minutes=2)
RETRY = {"autoretry_for": (ProvisioningError,), "retry_backoff": 5, "retry_backoff_max": 300, "max_retries": 5}


def enqueue_delivery(order_id: int) -> None:
    """The sandbox takes SANDBOX_DELIVERY_SECONDS to deliver, like a real machine being installed."""
    deliver_order.apply_async((order_id,), countdown=settings.SANDBOX_DELIVERY_SECONDS)


@shared_task(acks_late=True, bind=True, **RETRY)
def deliver_order(self, order_id: int) -> None:
    from .services.delivery import order_deliver

    try:
        order_deliver(order_id=order_id)
    except ProvisioningError as error:
        if self.request.retries >= self.max_retries:
            lifecycle.order_delivery_failed(order_id=order_id, error=str(error))
            return
        raise


@shared_task(acks_late=True)
def expire_unpaid_orders() -> int:
    return lifecycle.expire_unpaid_orders(now=timezone.now())


@shared_task(acks_late=True)
def settle_pending_payments() -> int:
    from .services.payments import payments_reconcile

    return payments_reconcile()


@shared_task(acks_late=True)
def recover_deliveries() -> int:
    """Re-enqueue deliveries whose message was lost (Redis down at commit, worker killed)."""
    stale = timezone.now() - timedelta(seconds=settings.SANDBOX_DELIVERY_SECONDS) - STALE_DELIVERY
    ids = list(Order.objects.filter(status=OrderStatus.DELIVERING, updated_at__lte=stale).values_list("pk", flat=True))
    for order_id in ids:
        deliver_order.delay(order_id)
    return len(ids)


@shared_task(acks_late=True)
def delete_expired_carts() -> int:
    deleted, _ = Cart.objects.filter(expires_at__lte=timezone.now(), checked_out_at__isnull=True).delete()
    return deleted
