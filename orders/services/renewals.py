"""Renewal orders: a purchase order that extends an active service by one more period.

A renewal order has one DURATION line whose `renewed_service` is the service; delivering that line
extends the service's period from its previous end (`orders.services.delivery`). It is priced from
the plan's current pricing in the account's subsidiary for the service's number of months, without
installation fee, with VAT computed like any checkout (`orders.pricing.quote_items`). Renewals are
never withdrawable, so no consent is recorded.

`services_due_for_renewal` is what the beat job calls: services whose period ends within
`settings.RENEWAL_LEAD_DAYS` local days and that have no open renewal order.
"""

import logging
import operator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Subsidiary
from catalog.models import Pricing
from core.errors import Conflict
from core.localtime import local_date, local_today

from .. import history
from ..lifecycle import expirable_orders, record_event
from ..models import Order, OrderKind, OrderLine, OrderStatus, Service
from ..notifications import notify_renewal_created
from ..page_versions import order_pages_changed
from ..pricing import quote_items
from .checkout import order_from_quote

logger = logging.getLogger(__name__)

RENEWAL_PRICING_MODE = "default"
# Paid renewals not yet delivered: the service's period is about to be extended.
IN_PROGRESS = [OrderStatus.CHECKING, OrderStatus.DOCUMENTS_REQUESTED, OrderStatus.DELIVERING, OrderStatus.UNKNOWN]


@dataclass(frozen=True)
class _RenewalItem:
    """What `quote_items` needs of a cart item."""

    pricing: Pricing
    quantity: int = 1
    configurations: dict = field(default_factory=dict)
    domain: str = ""  # the service keeps its name: a renewal chooses none


def _unpaid_open(now: datetime) -> Q:
    """Awaiting payment and not expired (the sweep's own rule, so a debit in progress still holds it)."""
    return Q(status=OrderStatus.NOT_PAID) & ~Q(pk__in=expirable_orders(now).values("pk"))


def open_renewal_orders(*, service: Service | None = None, now: datetime) -> QuerySet:
    """Renewal orders still under way: unpaid and payable, or paid and not yet delivered."""
    orders = Order.objects.filter(kind=OrderKind.RENEWAL).filter(_unpaid_open(now) | Q(status__in=IN_PROGRESS))
    if service is not None:
        orders = orders.filter(lines__renewed_service=service).distinct()
    return orders


def renewal_pricing(service: Service) -> Pricing:
    """The plan's `default` pricing for the service's months in the account's subsidiary."""
    subsidiary = service.account.subsidiary
    pricing = (
        Pricing.objects.select_related("plan", "subsidiary")
        .filter(
            plan_id=service.plan_id, subsidiary=subsidiary, months=service.months, pricing_mode=RENEWAL_PRICING_MODE
        )
        .order_by("duration")
        .first()
    )
    if pricing is None:
        raise Conflict(
            _(
                "Plan “%(plan)s” has no %(months)d-month price in subsidiary %(subsidiary)s; "
                "service %(service)s cannot be renewed."
            )
            % {
                "plan": service.plan.plan_code,
                "months": service.months,
                "subsidiary": subsidiary.code,
                "service": service.name,
            }
        )
    return pricing


def service_renew(*, service: Service, now: datetime) -> Order:
    """The unpaid renewal order of `service`: the open one if there is one, else a new one."""
    with transaction.atomic():
        # Serialises two renewals of one service (PostgreSQL; SQLite transactions are IMMEDIATE).
        service = (
            Service.objects.select_for_update(of=("self",))
            .select_related("plan", "account__subsidiary")
            .get(pk=service.pk)
        )
        if service.status != Service.Status.ACTIVE:
            raise Conflict(_("Service %(service)s is not active; it cannot be renewed.") % {"service": service.name})
        if not (service.renews and service.plan.renews):
            raise Conflict(_("Service %(service)s does not renew.") % {"service": service.name})
        existing = open_renewal_orders(service=service, now=now)
        unpaid = existing.filter(status=OrderStatus.NOT_PAID).order_by("-created_at", "-pk").first()
        if unpaid is not None:
            return unpaid
        if existing.exists():
            raise Conflict(
                _("A renewal of service %(service)s has been paid and is being processed.") % {"service": service.name}
            )
        order = _create_renewal(service=service, pricing=renewal_pricing(service), now=now)
        order_pages_changed(order_ids=[order.pk])
    return order


def _create_renewal(*, service: Service, pricing: Pricing, now: datetime) -> Order:
    account = service.account
    subsidiary = account.subsidiary
    # The renewal offer: the same price for the same period, never the installation fee again.
    offer = Pricing(
        plan=pricing.plan,
        subsidiary=subsidiary,
        duration=pricing.duration,
        months=pricing.months,
        pricing_mode=pricing.pricing_mode,
        price=pricing.price,
        installation_fee=Decimal(0),
        commitment=pricing.commitment,
    )
    quote = quote_items(
        items=[_RenewalItem(pricing=offer)],
        subsidiary=subsidiary,
        account=account,
        language=account.language,
        on=local_today(subsidiary.time_zone, now),
    )
    (line,) = quote.lines
    with override(account.language):
        description = _("%(description)s – renewal of %(service)s") % {
            "description": line.description,
            "service": service.name,
        }
    order = order_from_quote(
        account=account,
        subsidiary=subsidiary,
        quote=quote,
        now=now,
        kind=OrderKind.RENEWAL,
        renewed_service=service,
        descriptions=[description],
    )
    record_event(order, history.ORDER_STARTED, data={"renewed_service": service.pk})
    return order


def services_due_for_renewal(*, now: datetime) -> QuerySet:
    """Active, renewing services whose period ends within RENEWAL_LEAD_DAYS local days (today included)
    and that have no open renewal order. A period that has already ended is no longer due: what
    happens to a lapsed service is the suspension's business, not the renewal's.
    """
    lead = timedelta(days=settings.RENEWAL_LEAD_DAYS)
    windows = []
    for tz in Subsidiary.objects.values_list("time_zone", flat=True).distinct().order_by("time_zone"):
        today = local_date(now, tz)
        windows.append(Q(account__subsidiary__time_zone=tz, period_end__gte=today, period_end__lte=today + lead))
    if not windows:
        return Service.objects.none()
    open_renewal = OrderLine.objects.filter(
        renewed_service=OuterRef("pk"),
        order__in=open_renewal_orders(now=now),
    )
    return (
        Service.objects.filter(reduce(operator.or_, windows))
        .filter(status=Service.Status.ACTIVE, renews=True, plan__renews=True)
        .exclude(Exists(open_renewal))
        .order_by("period_end", "pk")
    )


def renewals_create(*, now: datetime, limit: int = 500) -> list[int]:
    """The beat job: a renewal order (and its "renewal created" email) for each service due for renewal.

    Idempotent: `service_renew` returns a service's open unpaid renewal instead of making a second one,
    and the email's outbox key names the renewal order. A service that cannot be renewed (no price any
    more, …) is logged and skipped; the others go on. Returns the renewal orders' ids.
    """
    ids = []
    for service in services_due_for_renewal(now=now)[:limit]:
        try:
            with transaction.atomic():
                order = service_renew(service=service, now=now)
                notify_renewal_created(order)
        except Conflict as error:
            logger.warning("renewal of service %s skipped: %s", service.pk, error)
            continue
        ids.append(order.pk)
    return ids
