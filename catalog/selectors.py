"""Reads for the catalog page: the plans and pricings sold in the account's subsidiary.

Everything starts from the account, so a customer only sees their subsidiary's offers. The VAT rate comes
from the caller (orders quotes with it), so the catalog shows exactly the prices a cart will show.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch
from django.utils.translation import ngettext

from accounts.models import User
from core.money import quantize
from core.vat import line_vat

from .models import Addon, Family, Plan, Pricing


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


def duration_words(months: int) -> str:
    return ngettext("%(count)d month", "%(count)d months", months) % {"count": months}


def _gross(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """The price of one unit incl. VAT, rounded as a quote's line would be."""
    net = quantize(amount, currency)
    return net + line_vat(net, rate, currency)


def catalog_groups(*, account: User, vat_rate: Decimal) -> list[FamilyGroup]:
    """Active plans sold in the account's subsidiary, by family, priced at the account's VAT rate; two queries
    whatever the number of plans."""
    subsidiary = account.subsidiary
    currency = subsidiary.currency
    pricings = Pricing.objects.filter(subsidiary=subsidiary).order_by("months", "pricing_mode")
    plans = (
        sold_alone(Plan.objects.filter(active=True, pricings__subsidiary=subsidiary))
        .distinct()
        .prefetch_related(Prefetch("pricings", queryset=pricings, to_attr="local_pricings"))
    )
    by_family: dict[str, list[PlanOffers]] = {}
    for plan in plans:
        offers = [
            Offer(
                pricing=pricing,
                duration=duration_words(pricing.months),
                price_gross=_gross(pricing.price, vat_rate, currency),
                fee_gross=_gross(pricing.installation_fee, vat_rate, currency),
            )
            for pricing in plan.local_pricings
        ]
        by_family.setdefault(plan.family, []).append(PlanOffers(plan=plan, name=plan.name(), offers=offers))
    return [
        FamilyGroup(family=family, label=str(label), plans=by_family[family])
        for family, label in Family.choices
        if family in by_family
    ]


def sold_alone(plans):
    """`plans` without the option plans: an option is only ordered with the plan it belongs to."""
    return plans.exclude(Exists(Addon.objects.filter(option=OuterRef("pk"))))


@dataclass(frozen=True)
class PlanOption:
    """An option of a plan with its pricings in one subsidiary."""

    addon: Addon
    pricings: list[Pricing]


def plan_options(*, plan_code: str, subsidiary) -> list[PlanOption]:
    """The active options of an active plan that are sold in `subsidiary`, each with its pricings there."""
    addons = Addon.objects.filter(plan__plan_code=plan_code, plan__active=True, option__active=True).select_related(
        "option"
    )
    pricings = Pricing.objects.filter(subsidiary=subsidiary).order_by("months", "pricing_mode", "pk")
    addons = addons.prefetch_related(Prefetch("option__pricings", queryset=pricings, to_attr="local_pricings"))
    return [
        PlanOption(addon=addon, pricings=addon.option.local_pricings) for addon in addons if addon.option.local_pricings
    ]
