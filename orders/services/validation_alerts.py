"""Reminders and escalation of the manual validation queue (design.md section 3).

On a case's due day (the local date of its subsidiary) the validators get a reminder; once the due
day has passed, the superusers (and settings.VALIDATION_ESCALATION_EMAILS) get an escalation. Only
cases waiting for staff (`checking`) count: a case waiting for the customer's documents has its
own deadline (orders.services.validation_queue). Each alert is sent once per case and recipient:
the outbox keys (`validation-reminder:<order>:<address>`, `validation-escalation:<order>:<address>`)
record it, so the beat job may run as often as it likes. Each staff member reads them in their own
language; the extra escalation addresses in the default language (settings.LANGUAGE_CODE).
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.groups import VALIDATORS
from accounts.models import User
from core.models import OutboxEmail
from core.outbox import email_enqueue

from ..models import Order, OrderStatus
from .validation_queue import _per_subsidiary_today

REMINDER = "validation_reminder"
ESCALATION = "validation_escalation"


def _not_sent(template: str) -> Exists:
    return ~Exists(OutboxEmail.objects.filter(order_id=OuterRef("pk"), template=template))


def cases_due_today(*, now: datetime) -> QuerySet:
    """Cases waiting for staff whose due date is their subsidiary's local today, not reminded yet."""
    return (
        Order.objects.filter(status=OrderStatus.CHECKING, validation_due_on__isnull=False)
        .filter(_per_subsidiary_today("validation_due_on", now, lookup="exact"))
        .filter(_not_sent(REMINDER))
        .order_by("validation_due_on", "pk")
    )


def cases_overdue(*, now: datetime) -> QuerySet:
    """Cases waiting for staff whose due date has passed (local dates), not escalated yet."""
    return (
        Order.objects.filter(status=OrderStatus.CHECKING, validation_due_on__isnull=False)
        .filter(_per_subsidiary_today("validation_due_on", now, lookup="lt"))
        .filter(_not_sent(ESCALATION))
        .order_by("validation_due_on", "pk")
    )


def staff_recipients(users: QuerySet, extra: list[str] = ()) -> dict[str, str]:
    """Address → language of each user with an email, then the extra addresses in the default language."""
    recipients = dict(users.exclude(email="").order_by("pk").values_list("email", "language"))
    return {**{address: settings.LANGUAGE_CODE for address in extra}, **recipients}


def validator_addresses() -> dict[str, str]:
    return staff_recipients(User.objects.filter(groups__name=VALIDATORS, is_active=True, is_staff=True))


def escalation_addresses() -> dict[str, str]:
    users = User.objects.filter(is_superuser=True, is_active=True)
    return staff_recipients(users, getattr(settings, "VALIDATION_ESCALATION_EMAILS", []))


def _alert(order: Order, *, template: str, prefix: str, addresses: dict[str, str]) -> int:
    context = {
        "order_number": order.number,
        "subsidiary": order.subsidiary_id,
        "due_on": order.validation_due_on.isoformat(),
        "case_path": reverse("admin:orders_validationcase_change", args=[order.pk]),
    }
    with transaction.atomic():
        for address, language in sorted(addresses.items()):
            email_enqueue(
                key=f"{prefix}:{order.pk}:{address}",
                template=template,
                to=address,
                language=language,
                context=context,
                order_id=order.pk,
            )
    return len(addresses)


def validation_alerts_send(*, now: datetime | None = None, limit: int = 500) -> dict:
    """The beat job: the due-day reminders, then the escalations; returns how many cases of each."""
    now = now or timezone.now()
    done = {"reminded": 0, "escalated": 0}
    validators = validator_addresses()
    if validators:
        for order in cases_due_today(now=now)[:limit]:
            _alert(order, template=REMINDER, prefix="validation-reminder", addresses=validators)
            done["reminded"] += 1
    escalation = escalation_addresses()
    if escalation:
        for order in cases_overdue(now=now)[:limit]:
            _alert(order, template=ESCALATION, prefix="validation-escalation", addresses=escalation)
            done["escalated"] += 1
    return done
