"""Delivery: each DURATION line becomes a service (or extends one, for a renewal) through the provisioner.

A worker delivers (orders.tasks.deliver_order); the actions that start a delivery (a payment confirmed,
a validation, finance retrying) publish it here once their transaction commits.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.localtime import local_date
from core.publish import publish, publish_on_commit

from .. import lifecycle
from ..models import Order, OrderLine, OrderStatus, Service
from ..notifications import notify_order_delivered
from ..page_versions import order_pages_changed
from ..provisioning import Provisioned, get_provisioner
from ..task_names import DELIVER_ORDER
from ..withdrawal import period_end

# A delivery untouched for this long lost its message.
STALE_DELIVERY = timedelta(minutes=2)


def delivery_publish_on_commit(order_id: int) -> None:
    """Deliver once the caller's transaction commits; the sandbox takes SANDBOX_DELIVERY_SECONDS, like a real
    machine being installed."""
    publish_on_commit(DELIVER_ORDER, order_id, countdown=settings.SANDBOX_DELIVERY_SECONDS)


def _record_delivery(*, line: OrderLine, provisioned: Provisioned, now: datetime) -> None:
    """The service and the period, on the DURATION line and the INSTALLATION line that shares it."""
    with transaction.atomic():
        line = (
            OrderLine.objects.select_for_update(of=("self",))
            .select_related("order__subsidiary", "renewed_service")
            .get(pk=line.pk)
        )
        if line.delivered_at is not None:
            return
        order = line.order
        changed = [order.pk]
        if line.renewed_service is not None:
            # A renewal extends a service that its origin order's pages show too.
            service = Service.objects.select_for_update(of=("self",)).select_related("origin_line").get(
                pk=line.renewed_service_id
            )
            changed.append(service.origin_line.order_id)
            start = service.period_end
            service.period_end = period_end(start, line.months)
            if service.status == Service.Status.SUSPENDED:  # a late renewal, paid: the provisioner resumed it
                service.status, service.suspended_at = Service.Status.ACTIVE, None
            service.save(update_fields=["period_end", "status", "suspended_at"])
        else:
            start = local_date(now, order.subsidiary.time_zone)
            Service.objects.create(
                account_id=order.account_id,
                plan_id=line.plan_id,
                origin_line=line,
                name=provisioned.name,
                months=line.months,
                period_start=start,
                period_end=period_end(start, line.months),
                renews=line.plan.renews,
                access_details=provisioned.access_details,
            )
        OrderLine.objects.filter(order=order, group=line.group).update(
            period_start=start, period_end=period_end(start, line.months), delivered_at=now
        )
        order_pages_changed(order_ids=changed)


def order_deliver(*, order_id: int, now: datetime | None = None) -> Order:
    """Deliver what is left of an order in delivery; running it again delivers nothing twice."""
    order = Order.objects.get(pk=order_id)
    if order.status != OrderStatus.DELIVERING:
        return order
    provisioner = get_provisioner()
    pending = order.lines.filter(kind=OrderLine.Kind.DURATION, delivered_at__isnull=True, cancelled_at__isnull=True)
    for line in pending.select_related("plan"):
        provisioned = provisioner.provision(line=line)  # outside any transaction: it talks to infrastructure
        _record_delivery(line=line, provisioned=provisioned, now=now or timezone.now())
    if not order.lines.filter(delivered_at__isnull=True, cancelled_at__isnull=True).exists():
        with transaction.atomic():
            order = lifecycle.order_mark_delivered(order_id=order.pk, now=now or timezone.now())
            notify_order_delivered(order)
            order_pages_changed(order_ids=[order.pk])
    return order


def order_delivery_give_up(*, order_id: int, error: str) -> Order:
    """The provisioner failed on every retry: the order waits in `unknown` for staff to retry it."""
    with transaction.atomic():
        order = lifecycle.order_delivery_failed(order_id=order_id, error=error)
        order_pages_changed(order_ids=[order_id])
    return order


def order_retry_delivery(*, order_id: int, staff) -> Order:
    """Staff retry a failed delivery: back in delivery, and a worker tries again after commit."""
    with transaction.atomic():
        order = lifecycle.order_retry_delivery(order_id=order_id, staff=staff)
        delivery_publish_on_commit(order_id)
        order_pages_changed(order_ids=[order_id])
    return order


def deliveries_recover(*, now: datetime | None = None) -> int:
    """The beat sweep: publish again the deliveries whose message was lost (Redis down at commit, worker killed)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.SANDBOX_DELIVERY_SECONDS) - STALE_DELIVERY
    ids = list(Order.objects.filter(status=OrderStatus.DELIVERING, updated_at__lte=stale).values_list("pk", flat=True))
    for order_id in ids:
        publish(DELIVER_ORDER, order_id)
    return len(ids)
