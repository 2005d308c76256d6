"""Suspension and deletion of services, through the provisioning interface (design.md section 3).

A service is suspended when its origin order is cancelled (expired, refused, withdrawn: `cancelling`
or `cancelled`), or when its period has ended (a local day of its subsidiary) without a renewal order
still under way, i.e. its renewal stayed unpaid. It is deleted SERVICE_DELETION_DAYS after its
suspension. Only `Service.status` is written here, never an order's status (orders.lifecycle).

`services_suspend_and_delete` is the beat sweep; `services_suspend_for_order` does one order's
services at once. Both are idempotent: each service is locked, its state checked again, the
provisioner called (its suspend/delete are idempotent by contract), then the status written; a
provisioning error leaves the service as it was for the next sweep.
"""

import logging
import operator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Subsidiary
from core.errors import ProvisioningError
from core.localtime import local_date

from ..models import OrderLine, OrderStatus, Service
from ..page_versions import order_pages_changed
from ..provisioning import get_provisioner
from .renewals import open_renewal_orders

logger = logging.getLogger(__name__)

CANCELLED_ORDER = [OrderStatus.CANCELLING, OrderStatus.CANCELLED]


@dataclass
class SweepResult:
    suspended: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _of_cancelled_orders() -> Q:
    """Services of cancelled orders, and of lines withdrawn on their own (a partial withdrawal)."""
    return Q(origin_line__order__status__in=CANCELLED_ORDER) | Q(origin_line__cancelled_at__isnull=False)


def _lapsed(now: datetime) -> Q:
    """The period has ended (before the subsidiary's local today) and no renewal is under way."""
    windows = [
        Q(account__subsidiary__time_zone=tz, period_end__lt=local_date(now, tz))
        for tz in Subsidiary.objects.values_list("time_zone", flat=True).distinct().order_by("time_zone")
    ]
    if not windows:
        return Q(pk__in=[])
    renewing = OrderLine.objects.filter(renewed_service=OuterRef("pk"), order__in=open_renewal_orders(now=now))
    return reduce(operator.or_, windows) & ~Q(Exists(renewing))


def services_to_suspend(*, now: datetime) -> QuerySet:
    return (
        Service.objects.filter(status=Service.Status.ACTIVE)
        .filter(_of_cancelled_orders() | _lapsed(now))
        .order_by("period_end", "pk")
    )


def services_to_delete(*, now: datetime) -> QuerySet:
    limit = now - timedelta(days=settings.SERVICE_DELETION_DAYS)
    return Service.objects.filter(status=Service.Status.SUSPENDED, suspended_at__lte=limit).order_by(
        "suspended_at", "pk"
    )


def _apply(service_id: int, *, eligible: QuerySet, to: str, now: datetime) -> bool:
    """Lock the service, check it is still `eligible`, call the provisioner, write the new status."""
    with transaction.atomic():
        service = (
            eligible.select_for_update(of=("self",), skip_locked=True)
            .select_related("origin_line")
            .filter(pk=service_id)
            .first()
        )
        if service is None:  # done meanwhile by another sweep, or no longer eligible
            return False
        provisioner = get_provisioner()
        if to == Service.Status.SUSPENDED:
            provisioner.suspend(service=service)
            Service.objects.filter(pk=service.pk).update(status=to, suspended_at=now)
        else:
            provisioner.delete(service=service)
            Service.objects.filter(pk=service.pk).update(status=to, deleted_at=now)
        order_pages_changed(order_ids=[service.origin_line.order_id])  # the order it came from shows it
    return True


def _run(ids: list[int], *, eligible: QuerySet, to: str, now: datetime, done: list, failed: list) -> None:
    for service_id in ids:
        try:
            if _apply(service_id, eligible=eligible, to=to, now=now):
                done.append(service_id)
        except ProvisioningError as error:
            logger.warning("service %s: %s failed: %s", service_id, to, error)
            failed.append(service_id)


def services_suspend_and_delete(*, now: datetime | None = None, limit: int = 500) -> SweepResult:
    """The beat sweep: suspend what must be, then delete what has been suspended long enough."""
    now = now or timezone.now()
    result = SweepResult()
    to_suspend = services_to_suspend(now=now)
    ids = list(to_suspend.values_list("pk", flat=True)[:limit])
    _run(ids, eligible=to_suspend, to=Service.Status.SUSPENDED, now=now, done=result.suspended, failed=result.failed)
    to_delete = services_to_delete(now=now)
    ids = list(to_delete.values_list("pk", flat=True)[:limit])
    _run(ids, eligible=to_delete, to=Service.Status.DELETED, now=now, done=result.deleted, failed=result.failed)
    return result


def services_suspend_for_order(*, order_id: int, now: datetime | None = None) -> list[int]:
    """Suspend the active services of the order that it no longer pays for (cancelled order, withdrawn line)."""
    now = now or timezone.now()
    eligible = Service.objects.filter(status=Service.Status.ACTIVE, origin_line__order_id=order_id).filter(
        _of_cancelled_orders()
    )
    done: list[int] = []
    _run(
        list(eligible.values_list("pk", flat=True)),
        eligible=eligible,
        to=Service.Status.SUSPENDED,
        now=now,
        done=done,
        failed=[],
    )
    return done
