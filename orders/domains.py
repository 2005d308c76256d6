"""Domain names: the name a customer chooses for a domain plan, checked, then asked of the registry.

A domain plan's code is the extension it registers (`fr`, `com`): `example.fr` is ordered with plan `fr`. The
registry is the provisioner's (orders.provisioning; the sandbox's answers are deterministic). A name is also
taken while a service bears it, or while an order that is neither cancelled nor expired is buying it.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Subsidiary
from catalog.models import Family, Plan, Pricing
from core.errors import InvalidInput

from .models import Order, OrderLine, OrderStatus, Service
from .provisioning import get_provisioner
from .selectors import expired_q

MAX_LENGTH = 253
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class DomainAnswer:
    """The registry's answer for one name: the plan that registers it, its pricings here, and whether it is free."""

    name: str
    plan: Plan
    pricings: list[Pricing]
    available: bool


def domain_name_clean(name) -> str:
    """The name in lower case ASCII (an internationalised name in its xn-- form); InvalidInput when malformed."""
    text = (name if isinstance(name, str) else "").strip().rstrip(".").lower()
    try:
        ascii_name = text.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_name = ""
    labels = ascii_name.split(".")
    if len(labels) < 2 or len(ascii_name) > MAX_LENGTH or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidInput(
            _("“%(name)s” is not a valid domain name: use letters, digits and hyphens, e.g. my-shop.fr.")
            % {"name": str(name)[:MAX_LENGTH]},
            field="domain",
        )
    return ascii_name


def domain_taken(name: str, *, now: datetime) -> bool:
    """A service bears the name, or an order still under way is buying it."""
    if Service.objects.filter(name=name).exists():
        return True
    buying = (
        OrderLine.objects.filter(domain=name, cancelled_at__isnull=True)
        .exclude(order__status__in=[OrderStatus.CANCELLING, OrderStatus.CANCELLED])
        .exclude(order__in=Order.objects.filter(expired_q(now)).values("pk"))
    )
    return buying.exists()


def domain_lookup(*, subsidiary: Subsidiary, name, now: datetime | None = None) -> DomainAnswer:
    """Check the name, find the plan of its extension sold in the subsidiary, and ask whether it is free."""
    name = domain_name_clean(name)
    extension = name.split(".", 1)[1]
    pricings = list(
        Pricing.objects.select_related("plan")
        .filter(subsidiary=subsidiary, plan__family=Family.DOMAIN, plan__active=True, plan__plan_code=extension)
        .order_by("pricing_mode", "months", "pk")
    )
    if not pricings:
        raise InvalidInput(
            _("Domain names ending in .%(extension)s are not sold here.") % {"extension": extension}, field="domain"
        )
    available = not domain_taken(name, now=now or timezone.now()) and get_provisioner().domain_available(name=name)
    return DomainAnswer(name=name, plan=pricings[0].plan, pricings=pricings, available=available)


def domain_unavailable(name: str) -> InvalidInput:
    return InvalidInput(_("The domain name %(name)s is not available.") % {"name": name}, field="domain")
