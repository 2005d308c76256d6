"""The manual validation queue: which cases wait, which are overdue, who works on which.

Decisions themselves (validate, request documents, refuse) are orders.services.validation; this
module finds the cases and hands them out. "Today" is the local date of each order's subsidiary (core.localtime).
"""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Subsidiary
from core.localtime import local_today

from ..models import OPEN_CASE_STATUSES, Order, OrderStatus

# How many times "take next" moves on when another validator took the case it aimed at.
TAKE_ATTEMPTS = 20


def _per_subsidiary_today(field: str, now: datetime, lookup: str = "lt") -> Q:
    """`field` compared with each subsidiary's local today, as one condition (no per-row Python)."""
    condition = Q(pk__in=[])
    for code, tz_name in Subsidiary.objects.values_list("code", "time_zone"):
        condition |= Q(subsidiary_id=code, **{f"{field}__{lookup}": local_today(tz_name, now)})
    return condition


def overdue_q(now: datetime) -> Q:
    """Open cases whose validation due date is before their subsidiary's local today."""
    return Q(status__in=OPEN_CASE_STATUSES) & _per_subsidiary_today("validation_due_on", now)


def is_overdue(order: Order, now: datetime | None = None) -> bool:
    return (
        order.status in OPEN_CASE_STATUSES
        and order.validation_due_on is not None
        and order.validation_due_on < local_today(order.subsidiary.time_zone, now)
    )


def validation_cases() -> QuerySet:
    """Every order that went to manual review, oldest due first (decided ones stay for their history)."""
    return Order.objects.filter(validation_due_on__isnull=False).order_by("validation_due_on", "pk")


def open_cases() -> QuerySet:
    return validation_cases().filter(status__in=OPEN_CASE_STATUSES)


def case_take_next(*, staff) -> Order | None:
    """Assign the oldest-due unassigned case waiting for staff to `staff`; None when there is none.

    The assignment is a conditional UPDATE (`… WHERE assigned_to IS NULL`): two validators asking at
    once never get the same case; the one whose UPDATE finds it taken moves on to the next.
    """
    waiting = open_cases().filter(status=OrderStatus.CHECKING, assigned_to__isnull=True)
    for _attempt in range(TAKE_ATTEMPTS):
        candidate = waiting.values_list("pk", flat=True).first()
        if candidate is None:
            return None
        if waiting.filter(pk=candidate).update(assigned_to=staff, updated_at=timezone.now()):
            return Order.objects.get(pk=candidate)
    return None


def case_assign(*, order_id: int, staff, open_only: bool = True) -> bool:
    """Take one given case, unless someone else has it; True if it is now `staff`'s.

    `open_only=False` records who decided a case nobody had taken.
    """
    cases = Order.objects.filter(pk=order_id)
    if open_only:
        cases = cases.filter(status__in=OPEN_CASE_STATUSES)
    updated = cases.filter(Q(assigned_to__isnull=True) | Q(assigned_to=staff)).update(
        assigned_to=staff, updated_at=timezone.now()
    )
    return bool(updated)


def case_release(*, order_id: int, staff) -> bool:
    """Give a case back to the queue (only its assignee does)."""
    return bool(Order.objects.filter(pk=order_id, assigned_to=staff).update(assigned_to=None))


def overdue_document_requests(*, now: datetime) -> QuerySet:
    """Cases still waiting for documents after their due date (10 working days), in local dates."""
    return Order.objects.filter(status=OrderStatus.DOCUMENTS_REQUESTED).filter(
        _per_subsidiary_today("documents_due_on", now)
    )
