"""How the back office shows amounts, instants and billing details: as the panel does (Babel), not raw.

An amount is formatted for its currency ("€1,437.60", "F CFA 44,897"), an instant is given in the zone of the
order's subsidiary with the zone's name, and the billing snapshot frozen at checkout reads as an address.
Each helper makes an admin column (list_display) or read-only field (readonly_fields) out of a model field.
"""

from babel import Locale
from django.contrib import admin
from django.db import models
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, to_locale

from core.money import format_money

from ..models import Order
from ..templatetags.panel import ldatetime


def _locale() -> str:
    return to_locale(get_language() or "en")


def _order(obj) -> Order:
    """The order a row belongs to: itself, its `order`, or its refund's."""
    if isinstance(obj, Order):
        return obj
    return obj.order if hasattr(obj, "order") else obj.refund.order


def money(amount, currency: str) -> str:
    return "" if amount is None else format_money(amount, currency, _locale())


def money_field(name: str, description: str, currency: str = "currency"):
    """A column showing the amount field `name` in the row's `currency` (or its order's, for order lines)."""

    @admin.display(description=description, ordering=name)
    def column(obj):
        unit = getattr(obj, currency, None) or _order(obj).currency
        return money(getattr(obj, name), unit)

    column.__name__ = f"{name}_shown"
    return column


def local_time(instant, obj) -> str:
    """`instant` in the zone of `obj`'s subsidiary (or its order's), named: "Dec 6, 2026, 3:59 PM (Europe/Paris)"."""
    if instant is None:
        return ""
    subsidiary = getattr(obj, "subsidiary", None) or _order(obj).subsidiary
    return ldatetime(instant, subsidiary.time_zone)


def time_field(name: str, description: str):
    """A column showing the instant field `name` in the subsidiary's zone."""

    @admin.display(description=description, ordering=name)
    def column(obj):
        return local_time(getattr(obj, name), obj)

    column.__name__ = f"{name}_local"
    return column


def address(billing: dict):
    """The billing snapshot as its postal address, one item a line; the country by its name."""
    country = billing.get("country", "")
    lines = [
        billing.get("name", ""),
        billing.get("organisation", ""),
        billing.get("address", ""),
        " ".join(part for part in (billing.get("postcode", ""), billing.get("city", "")) if part),
        Locale.parse(_locale()).territories.get(country, country),
        billing.get("vat_number", ""),
        billing.get("email", ""),
    ]
    return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines if line))


@admin.display(description=Order._meta.get_field("billing").verbose_name)
def billing_address(obj):
    return address(obj.billing)


def shown_fields(model, names: list[str] | None = None) -> list:
    """`names` (default: every field of `model`) for a read-only page: amounts, instants and the billing snapshot
    through the helpers above; other fields, and the admin's own columns, as they are."""
    shown = []
    fields = {f.name: f for f in model._meta.fields}
    for name in names or list(fields):
        field = fields.get(name)
        if isinstance(field, models.DecimalField) and "rate" not in name:
            shown.append(money_field(name, field.verbose_name))
        elif isinstance(field, models.DateTimeField):
            shown.append(time_field(name, field.verbose_name))
        elif name == "billing":
            shown.append(billing_address)
        else:
            shown.append(name)
    return shown
