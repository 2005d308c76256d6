"""Reads for the ordering pages: the catalog of the account's subsidiary and the account's current cart.

Everything starts from the account, so a customer only sees their subsidiary's offers and their own carts.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import ngettext

from accounts.models import User
from core.money import quantize
from core.vat import line_vat
from orders.models import Cart, Order
from orders.pricing import LineDraft, Quote, treatment_for
from orders.services.carts import cart_quote

from .models import Family, Plan, Pricing


@dataclass(frozen=True)
class Offer:
    """One pricing as the customer sees it: prices excl. VAT from the catalog, incl. VAT for this account."""

    pricing: Pricing
    duration: str
    price_gross: Decimal
    fee_gross: Decimal


@dataclass(frozen=True)
class PlanOffers:
    plan: Plan
    name: str
    offers: list[Offer]


@dataclass(frozen=True)
class FamilyGroup:
    family: str
    label: str
    plans: list[PlanOffers]


@dataclass(frozen=True)
class ItemLines:
    """The quote's lines of one cart item (installation, then duration), with the item to remove."""

    item_id: int
    lines: list[LineDraft]


@dataclass(frozen=True)
class CartView:
    cart: Cart
    quote: Quote
    items: list[ItemLines]
    revision: str  # changes when an item is added or removed or a price changes: what the customer confirmed
    has_excludable: bool


def duration_words(months: int) -> str:
    return ngettext("%(count)d month", "%(count)d months", months) % {"count": months}


def _gross(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """The price of one unit incl. VAT, rounded as a quote's line would be."""
    net = quantize(amount, currency)
    return net + line_vat(net, rate, currency)


def catalog_groups(*, account: User) -> list[FamilyGroup]:
    """Active plans sold in the account's subsidiary, by family; two queries whatever the number of plans."""
    subsidiary = account.subsidiary
    currency = subsidiary.currency
    rate = treatment_for(subsidiary, account).rate
    pricings = Pricing.objects.filter(subsidiary=subsidiary).order_by("months", "pricing_mode")
    plans = (
        Plan.objects.filter(active=True, pricings__subsidiary=subsidiary)
        .distinct()
        .prefetch_related(Prefetch("pricings", queryset=pricings, to_attr="local_pricings"))
    )
    by_family: dict[str, list[PlanOffers]] = {}
    for plan in plans:
        offers = [
            Offer(
                pricing=pricing,
                duration=duration_words(pricing.months),
                price_gross=_gross(pricing.price, rate, currency),
                fee_gross=_gross(pricing.installation_fee, rate, currency),
            )
            for pricing in plan.local_pricings
        ]
        by_family.setdefault(plan.family, []).append(PlanOffers(plan=plan, name=plan.name(), offers=offers))
    return [
        FamilyGroup(family=family, label=str(label), plans=by_family[family])
        for family, label in Family.choices
        if family in by_family
    ]


def account_cart(*, account: User, now: datetime) -> Cart | None:
    """The account's current cart: its most recent one that is neither checked out nor expired."""
    return (
        account.carts.filter(subsidiary_id=account.subsidiary_id, checked_out_at__isnull=True, expires_at__gt=now)
        .select_related("subsidiary", "account")
        .order_by("-created_at")
        .first()
    )


def account_cart_by_id(*, account: User, cart_id: str) -> Cart | None:
    """One of the account's carts, whatever its state (the checkout form names the cart it showed)."""
    try:
        pk = uuid.UUID(cart_id)
    except (TypeError, ValueError, AttributeError):
        return None
    return account.carts.select_related("subsidiary", "account").filter(pk=pk).first()


def cart_view(*, cart: Cart | None, language: str) -> CartView | None:
    if cart is None:
        return None
    quote = cart_quote(cart=cart, language=language)
    # cart_quote numbers its lines' groups 1, 2… in the items' default order (by id): the same order here.
    item_ids = list(cart.items.values_list("pk", flat=True))
    items = [
        ItemLines(item_id=item_id, lines=[line for line in quote.lines if line.group == group])
        for group, item_id in enumerate(item_ids, start=1)
    ]
    return CartView(
        cart=cart,
        quote=quote,
        items=items,
        revision=f"{'-'.join(map(str, item_ids))}:{quote.total_gross}",
        has_excludable=any(line.pricing.plan.excludable for line in quote.lines),
    )


def cart_order(*, account: User, cart: Cart) -> Order | None:
    """The purchase order a cart became, if it was checked out (a double submit lands here)."""
    return Order.objects.filter(account=account, cart=cart).first()
