"""Template filters that format money, dates and statuses for the reader's locale (Babel), and the tags that
build what lists repeat on every row (the status badge, an order's "…" menu)."""

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date, format_datetime
from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language, gettext, pgettext_lazy, to_locale

from core.localtime import zone
from core.money import format_money
from orders.models import CancelReason, OrderStatus

register = template.Library()

# Badge colours of OVHcloud's list (reference §2.1, U8).
BADGES = {
    OrderStatus.NOT_PAID: "error",
    OrderStatus.CANCELLED: "error",
    OrderStatus.CHECKING: "info",
    OrderStatus.DELIVERING: "info",
    OrderStatus.CANCELLING: "info",
    OrderStatus.DOCUMENTS_REQUESTED: "warning",
    OrderStatus.UNKNOWN: "warning",
    OrderStatus.DELIVERED: "success",
}


PAYMENT_IN_PROGRESS = pgettext_lazy("order status", "Payment in progress")


def _locale() -> str:
    return to_locale(get_language() or "en")


@register.filter
def money(amount: Decimal | str | None, currency: str) -> str:
    """`{{ order.total_gross|money:order.currency }}` → "€35.99" / "35,99 €" (emails pass amounts as text)."""
    if amount is None or amount == "":
        return ""
    return format_money(Decimal(str(amount)), currency, _locale())


@register.filter
def ldate(value: date | datetime | None, tz_name: str = "UTC") -> str:
    """A date, or an instant shown as the date it is in `tz_name`."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(zone(tz_name)).date()
    return _format_date(value, _locale())


@lru_cache(maxsize=4096)
def _format_date(day: date, locale: str) -> str:
    """Memoised, as lists show the same few dates on every row (Babel takes tens of microseconds a call)."""
    return format_date(day, "medium", locale=locale)


@register.filter
def ldatetime(value: datetime | str | None, tz_name: str = "UTC") -> str:
    """An instant in `tz_name`, with the zone's name so nobody guesses which midnight is meant."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # emails keep instants as ISO 8601 text
        value = datetime.fromisoformat(value)
    return _format_instant(value, tz_name, _locale())


@lru_cache(maxsize=4096)
def _format_instant(value: datetime, tz_name: str, locale: str) -> str:
    """Memoised: an order's history shows the same instants each time its tracking page refreshes itself."""
    return format_datetime(value, "medium", tzinfo=zone(tz_name), locale=locale) + f" ({tz_name})"


def display_status(order) -> tuple[str, str]:
    """The label and badge customers see; expired orders (swept or not yet) get the grey badge, an unpaid order
    whose debit is under way says so (the API keeps OVHcloud's `notPaid`).

    Expects `order.is_expired` (orders.selectors.mark_expiry) and `order.payment_in_progress`
    (orders.selectors.with_payment_in_progress).
    """
    if order.is_expired:
        return str(CancelReason.EXPIRED.label), "expired"
    if payment_under_way(order):
        return str(PAYMENT_IN_PROGRESS), "info"
    return str(OrderStatus(order.status).label), BADGES[order.status]


def payment_under_way(order) -> bool:
    return order.status == OrderStatus.NOT_PAID and bool(getattr(order, "payment_in_progress", None))


@register.simple_tag
def status_badge(order, link: str = ""):
    """The badge, a link when `link` is given, then when the funds of a payment in progress are expected: built
    here rather than by an included template, as lists show one per row."""
    label, badge = display_status(order)
    if link:
        html = format_html('<a class="badge badge-{}" href="{}">{}</a>', badge, link, label)
    else:
        html = format_html('<span class="badge badge-{}">{}</span>', badge, label)
    expected_at = getattr(order, "payment_expected_at", None)
    if payment_under_way(order) and not order.is_expired and expected_at:
        expected = ldate(expected_at, order.subsidiary.time_zone)
        note = gettext("settlement expected on %(date)s") % {"date": expected}
        html = format_html('{} <span class="status-note">{}</span>', html, note)
    return html


@register.simple_tag(takes_context=True)
def order_menu(context, menu):
    """The "…" menu of one order (`menu`: orders.views.menu.OrderMenu, whose entries and hrefs are decided there),
    built here rather than by an included template, as lists show one per row. The reorder form takes the
    context's CSRF token as `{% csrf_token %}` would (a page kept in the cache holds a placeholder there)."""
    links = format_html_join("", '<li><a href="{}">{}</a></li>\n    ', ((link.href, link.label) for link in menu.links))
    reorder = ""
    if menu.can_reorder:
        token = context.get("csrf_token")
        csrf = (
            format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
            if token and token != "NOTPROVIDED"
            else ""
        )
        reorder = format_html(
            '<li>\n      <form method="post" action="{}">{}\n        <button type="submit">{}</button>\n'
            "      </form>\n    </li>",
            menu.urls["reorder"],
            csrf,
            gettext("Reorder"),
        )
    return format_html(
        '\n<details class="menu">\n  <summary><span aria-hidden="true">…</span>'
        '<span class="visually-hidden">{}</span></summary>\n  <ul>\n    {}{}\n  </ul>\n</details>\n',
        menu.actions_label,
        links,
        reorder,
    )
