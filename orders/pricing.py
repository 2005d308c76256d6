"""Turning cart items into priced lines: one quote for the summary, the checkout quote and the order.

Per cart item: an INSTALLATION line when the pricing has a fee, then a DURATION line. An
order-level reduction is allocated to lines by largest remainder, VAT is computed per line and
rounded half-up, so the lines add up exactly to the totals.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext, ngettext, override

from accounts.models import Subsidiary, User
from catalog.models import Pricing
from core.localtime import local_today
from core.money import allocate, quantize
from core.vat import VatTreatment, line_vat, vat_treatment

from .models import CartItem, OrderLine


@dataclass(frozen=True)
class LineDraft:
    group: int
    kind: str
    pricing: Pricing
    description: str
    configurations: dict
    domain: str
    quantity: int
    unit_price: Decimal
    reduction: Decimal
    net_total: Decimal
    vat_rate: Decimal
    vat_amount: Decimal
    gross_amount: Decimal


@dataclass(frozen=True)
class Quote:
    subsidiary: Subsidiary  # the seller
    currency: str
    vat: VatTreatment
    lines: list[LineDraft]
    total_net: Decimal
    total_reduction: Decimal
    total_vat: Decimal
    total_gross: Decimal


def treatment_for(subsidiary: Subsidiary, account: User | None, *, on: date | None = None) -> VatTreatment:
    """The VAT of day `on` (default: today in the subsidiary's zone); an anonymous cart is quoted at the
    subsidiary's own rate until it is assigned."""
    on = on or local_today(subsidiary.time_zone)
    if account is None:
        return vat_treatment(
            subsidiary_country=subsidiary.country,
            billing_country=subsidiary.country,
            legal_form="individual",
            vat_number="",
            on=on,
        )
    return vat_treatment(
        subsidiary_country=subsidiary.country,
        billing_country=account.country,
        legal_form=account.legal_form,
        vat_number=account.vat_number,
        on=on,
    )


def line_description(pricing: Pricing, kind: str, language: str, domain: str = "") -> str:
    with override(language):
        name = pricing.plan.name(language)
        if domain:
            name = f"{name}: {domain}"
        if kind == OrderLine.Kind.INSTALLATION:
            return gettext("Installation fee – %(name)s") % {"name": name}
        months = ngettext("%(count)d month", "%(count)d months", pricing.months) % {"count": pricing.months}
        return f"{name} – {months}"


def quote_items(
    *,
    items: list[CartItem],
    subsidiary: Subsidiary,
    account: User | None,
    language: str,
    reduction: Decimal = Decimal(0),
    on: date | None = None,
) -> Quote:
    """The lines and totals of `items`, at the VAT rates of day `on` (default: today in the subsidiary's zone)."""
    currency = subsidiary.currency
    treatment = treatment_for(subsidiary, account, on=on)
    raw: list[tuple[int, str, CartItem, Decimal]] = []
    for group, item in enumerate(items, start=1):
        pricing = item.pricing
        if pricing.installation_fee > 0:
            raw.append((group, OrderLine.Kind.INSTALLATION, item, quantize(pricing.installation_fee, currency)))
        raw.append((group, OrderLine.Kind.DURATION, item, quantize(pricing.price, currency)))

    gross_before = [unit * item.quantity for _, _, item, unit in raw]
    reduction = min(quantize(reduction, currency), sum(gross_before, Decimal(0)))
    reductions = allocate(reduction, gross_before, currency) if raw else []

    lines = []
    for (group, kind, item, unit), before, cut in zip(raw, gross_before, reductions, strict=True):
        net = before - cut
        vat = line_vat(net, treatment.rate, currency)
        lines.append(
            LineDraft(
                group=group,
                kind=kind,
                pricing=item.pricing,
                configurations=item.configurations,
                domain=item.domain,
                description=line_description(item.pricing, kind, language, item.domain),
                quantity=item.quantity,
                unit_price=unit,
                reduction=cut,
                net_total=net,
                vat_rate=treatment.rate,
                vat_amount=vat,
                gross_amount=net + vat,
            )
        )
    zero = Decimal(0)
    return Quote(
        subsidiary=subsidiary,
        currency=currency,
        vat=treatment,
        lines=lines,
        total_net=sum((line.net_total for line in lines), zero),
        total_reduction=sum((line.reduction for line in lines), zero),
        total_vat=sum((line.vat_amount for line in lines), zero),
        total_gross=sum((line.gross_amount for line in lines), zero),
    )
