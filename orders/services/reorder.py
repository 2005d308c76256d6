"""Reorder: an expired purchase order cannot be paid any more, so its products go into a new cart.

Prices are those of today's catalogue, quoted again by the cart; products no longer sold are left
out and reported, never silently dropped.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import Conflict, InvalidInput

from ..models import Cart, Order, OrderLine
from ..selectors import expired_q
from .carts import cart_add_item, cart_assign, cart_create


@dataclass
class Reordered:
    cart: Cart
    skipped: list[str] = field(default_factory=list)  # descriptions of lines that can't be ordered any more


def order_reorder(*, order: Order, account: User, now: datetime | None = None) -> Reordered:
    """A new cart in the account's subsidiary, assigned to it: one item per DURATION line of the order."""
    now = now or timezone.now()
    if order.account_id != account.pk:
        raise InvalidInput(_("This order does not exist."), field="orderId")
    if not Order.objects.filter(expired_q(now), pk=order.pk).exists():
        raise Conflict(_("Only an expired purchase order can be reordered."))
    lines = list(order.lines.filter(kind=OrderLine.Kind.DURATION).select_related("plan").order_by("group"))
    with transaction.atomic():
        cart = cart_create(
            subsidiary_code=account.subsidiary_id, description=_("Reorder of %s") % order.number, now=now
        )
        cart = cart_assign(cart=cart, account=account, now=now)
        skipped = []
        for line in lines:
            try:
                cart_add_item(
                    cart=cart,
                    plan_code=line.plan.plan_code,
                    duration=line.duration,
                    pricing_mode=line.pricing_mode,
                    quantity=line.quantity,
                    configurations=line.configurations,
                    domain=line.domain,
                    now=now,
                )
            except InvalidInput:
                skipped.append(line.description)
        if len(skipped) == len(lines):  # raising inside the block rolls the empty cart back
            raise Conflict(_("None of the products of this order can be ordered any more."))
    return Reordered(cart=cart, skipped=skipped)
