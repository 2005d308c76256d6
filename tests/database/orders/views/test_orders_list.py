"""The dashboard and "View my orders": sorting, filters, search, pagination, invalid query values, expired
orders hidden by default, the "…" menu, the htmx partial, and a number of queries that does not grow with orders.
"""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import LegalForm
from orders.models import Consent, Order, OrderLine
from orders.services.expiry import orders_expire
from orders.views import kept_pages
from tests.support.factories import PricingFactory, UserFactory, pay_order, place_order

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 20, 12, tzinfo=PARIS)  # a Friday
LIST = reverse("orders:list")
db = pytest.mark.django_db(databases=["default", "sandbox"])


def at(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def order(account, when=None, price="10.00"):
    """An unpaid order placed at `when` (default: an hour ago), for `price` excluding VAT."""
    pricing = PricingFactory(subsidiary=account.subsidiary, price=Decimal(price))
    return place_order(account=account, pricings=[pricing], now=when or NOW - timedelta(hours=1))


def numbers(response) -> list[str]:
    """Order numbers of the list's rows, top to bottom."""
    return re.findall(r'data-label="Order number">(\d+)<', response.content.decode())


def page_text(response) -> str:
    return response.content.decode()


# --- dashboard -------------------------------------------------------------------------------------


@db
def test_dashboard_shows_the_most_recent_order_and_its_latest_event(client, frozen):
    user = UserFactory()
    order(user, NOW - timedelta(days=2))
    latest = pay_order(order(user), now=NOW - timedelta(minutes=30))  # first order: manual validation
    client.force_login(user)
    html = page_text(client.get("/"))
    assert f'href="{LIST}"' in html and "View my orders" in html
    assert f"Order no. {latest.number}" in html
    assert "Confirmation" in html  # its badge
    assert "Checking your order" in html  # FRAUD_MANUAL_REVIEW, its latest event
    assert "Mar 20, 2026" in html
    assert reverse("orders:tracking", args=[latest.pk]) in html


@db
def test_dashboard_without_orders(client):
    client.force_login(UserFactory())
    assert "You do not have any orders." in page_text(client.get("/"))


@db
@pytest.mark.parametrize("url", ["/", LIST])
def test_pages_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- the list ----------------------------------------------------------------------------------------


@db
def test_newest_first_with_date_number_status_and_amount(client, frozen):
    user = UserFactory()
    old = order(user, NOW - timedelta(days=3), price="10.00")
    new = order(user, NOW - timedelta(days=1), price="20.00")
    client.force_login(user)
    response = client.get(LIST)
    html = page_text(response)
    assert numbers(response) == [new.number, old.number]
    assert "Mar 19, 2026" in html and "Mar 17, 2026" in html
    assert "€24.00" in html and "€12.00" in html  # incl. 20 % VAT
    tracking = reverse("orders:tracking", args=[new.pk])
    assert f'<a class="badge badge-error" href="{tracking}">Unpaid</a>' in html
    assert 'aria-sort="descending"' in html


@db
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("date", ["a", "b", "c"]),
        ("-date", ["c", "b", "a"]),
        ("number", ["a", "b", "c"]),
        ("-number", ["c", "b", "a"]),
        ("amount", ["b", "c", "a"]),
        ("-amount", ["a", "c", "b"]),
    ],
)
def test_sorting(client, frozen, sort, expected):
    user = UserFactory()
    orders = {
        "a": order(user, NOW - timedelta(days=3), price="30.00"),
        "b": order(user, NOW - timedelta(days=2), price="10.00"),
        "c": order(user, NOW - timedelta(days=1), price="20.00"),
    }
    client.force_login(user)
    assert numbers(client.get(LIST, {"sort": sort})) == [orders[key].number for key in expected]


@db
def test_sort_links_toggle_the_direction_and_keep_the_filter(client, frozen):
    user = UserFactory()
    order(user)
    client.force_login(user)
    html = page_text(client.get(LIST, {"status": "notPaid", "sort": "amount"}))
    assert 'href="/orders/?status=notPaid&amp;sort=-amount"' in html  # amount ascending → descending next
    assert 'href="/orders/?status=notPaid"' in html  # date: back to the default, newest first
    assert 'href="/orders/?status=notPaid&amp;sort=number"' in html


@db
def test_filter_by_status(client, frozen):
    user = UserFactory()
    unpaid = order(user)
    paid = pay_order(order(user))
    client.force_login(user)
    assert numbers(client.get(LIST, {"status": "notPaid"})) == [unpaid.number]
    assert numbers(client.get(LIST, {"status": "checking"})) == [paid.number]
    assert numbers(client.get(LIST, {"status": "delivered"})) == []


@db
def test_expired_orders_are_hidden_by_default(client, frozen):
    user = UserFactory()
    current = order(user)
    unswept = order(user, NOW - timedelta(days=8))  # unpaid past expiry, not yet marked by the sweep
    swept = order(user, NOW - timedelta(days=9))
    orders_expire(now=swept.expires_at + timedelta(seconds=1))
    swept.refresh_from_db()
    unswept.refresh_from_db()
    assert (swept.status, unswept.status) == ("cancelled", "notPaid")
    client.force_login(user)

    assert numbers(client.get(LIST)) == [current.number]
    assert numbers(client.get(LIST, {"status": "notPaid"})) == [current.number]
    assert numbers(client.get(LIST, {"status": "cancelled"})) == []
    expired = client.get(LIST, {"status": "expired"})
    assert numbers(expired) == [unswept.number, swept.number]
    html = page_text(expired)
    assert html.count("badge-expired") == 2 and "Order expired" in html
    assert html.count(reverse("orders:reorder", args=[unswept.pk])) == 1 and "Pay</a>" not in html
    assert numbers(client.get(LIST, {"status": "all"})) == [current.number, unswept.number, swept.number]


@db
def test_date_range_is_inclusive_in_local_dates(client, frozen):
    user = UserFactory()
    evening = order(user, at(2026, 3, 17, 23, 30))
    after_midnight = order(user, at(2026, 3, 18, 0, 30))  # still 17 March in UTC
    next_day = order(user, at(2026, 3, 19, 9))
    client.force_login(user)
    assert numbers(client.get(LIST, {"date_from": "2026-03-18", "date_to": "2026-03-18"})) == [after_midnight.number]
    assert numbers(client.get(LIST, {"date_from": "2026-03-18"})) == [next_day.number, after_midnight.number]
    assert numbers(client.get(LIST, {"date_to": "2026-03-17"})) == [evening.number]


@db
def test_search_by_order_number(client, frozen):
    user = UserFactory()
    orders = [order(user) for _ in range(3)]
    target = orders[1]
    client.force_login(user)
    assert numbers(client.get(LIST, {"q": target.number})) == [target.number]
    assert numbers(client.get(LIST, {"q": f"  #{target.number} "})) == [target.number]
    html = page_text(client.get(LIST, {"q": "999999"}))
    assert "You do not have any orders with these criteria:" in html and "Order number: 999999" in html


@db
def test_another_customers_orders_never_show(client, frozen):
    mine = order(UserFactory())
    other = UserFactory()
    order(other)
    client.force_login(other)
    assert mine.number not in numbers(client.get(LIST, {"status": "all", "q": mine.number}))


@db
def test_pagination(client, frozen, settings):
    user = UserFactory()
    orders = [order(user, NOW - timedelta(hours=n + 1)) for n in range(12)]  # newest first: orders[0]
    client.force_login(user)
    first = client.get(LIST, {"status": "notPaid"})
    assert settings.ORDER_LIST_PAGE_SIZE == 10 and numbers(first) == [o.number for o in orders[:10]]
    html = page_text(first)
    assert "Page 1 of 2" in html and 'href="/orders/?status=notPaid&amp;page=2"' in html and 'rel="prev"' not in html
    second = client.get(LIST, {"status": "notPaid", "page": "2"})
    assert numbers(second) == [o.number for o in orders[10:]]
    assert "Page 2 of 2" in page_text(second) and 'href="/orders/?status=notPaid" rel="prev"' in page_text(second)


@db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "shipped"}, "Unknown status “shipped”"),
        ({"date_from": "2026-02-30"}, "“2026-02-30” is not a valid start date"),
        ({"date_to": "tomorrow"}, "“tomorrow” is not a valid end date"),
        # Valid dates whose local day's bounds overflowed Python's datetime in the selectors (a 500 before).
        ({"date_from": "0001-01-01"}, "“0001-01-01” is outside the dates the list can show"),
        ({"date_to": "9999-12-31"}, "“9999-12-31” is outside the dates the list can show"),
        ({"date_from": "1899-12-31", "date_to": "3000-01-01"}, "“3000-01-01” is outside the dates"),
        ({"date_from": "2026-03-19", "date_to": "2026-03-01"}, "The start date is after the end date"),
        ({"q": "12a"}, "An order number is made of digits only"),
        ({"sort": "price"}, "Unknown sort order “price”"),
        ({"page": "two"}, "“two” is not a page number"),
        ({"page": "0"}, "“0” is not a page number"),
        ({"page": "7"}, "There is no page 7"),
    ],
)
def test_invalid_values_are_explained_and_fall_back_to_the_defaults(client, frozen, params, message):
    user = UserFactory()
    older, newer = order(user, NOW - timedelta(days=2)), order(user)
    client.force_login(user)
    response = client.get(LIST, params)
    assert response.status_code == 200
    assert message in page_text(response)
    assert numbers(response) == [newer.number, older.number]


@db
def test_links_to_an_order_carry_the_list_query_back(client, frozen):
    user = UserFactory()
    unpaid = order(user)
    client.force_login(user)
    html = page_text(client.get(LIST, {"status": "notPaid", "sort": "amount", "date_from": "", "junk": "x"}))
    back = "?back=status%3DnotPaid%26sort%3Damount"
    for name in ("tracking", "purchase_order", "pay"):
        assert f'href="{reverse(f"orders:{name}", args=[unpaid.pk])}{back}"' in html
    assert f'href="{reverse("orders:purchase_order_pdf", args=[unpaid.pk])}"' in html


@db
def test_htmx_gets_only_the_table(client, frozen):
    user = UserFactory()
    unpaid = order(user)
    client.force_login(user)
    response = client.get(LIST, {"sort": "amount"}, headers={"HX-Request": "true"})
    html = page_text(response)
    assert numbers(response) == [unpaid.number]
    assert "<html" not in html and 'id="order-filters"' not in html and "<table" in html
    assert 'name="sort" value="amount" form="order-filters"' in html
    assert "HX-Request" in response["Vary"]
    restore = client.get(LIST, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in page_text(restore)  # htmx restoring a page it has no snapshot of needs all of it


@db
def test_list_page_has_htmx_attributes_and_works_without_them(client, frozen):
    user = UserFactory()
    order(user)
    client.force_login(user)
    html = page_text(client.get(LIST))
    assert re.search(r'<form id="order-filters"[^>]*method="get" action="/orders/"', html)
    assert 'hx-get="/orders/" hx-target="#orders-table" hx-push-url="true"' in html
    assert '<a href="/orders/?sort=amount" hx-get="/orders/?sort=amount" hx-target="#orders-table"' in html


@db
def test_empty_states(client, frozen):
    user = UserFactory()
    client.force_login(user)
    assert "You do not have any orders." in page_text(client.get(LIST))
    order(user, NOW - timedelta(days=8))  # only an expired order: hidden by default
    html = page_text(client.get(LIST))
    assert "You do not have any orders with these criteria:" in html
    assert "Status: All except expired orders" in html


# --- the "…" menu --------------------------------------------------------------------------------------


def menu_of(html: str, number: str) -> str:
    start = html.index(f"Actions for order {number}")
    return html[start : html.index("</details>", start)]


@db
def test_menu_items_follow_the_order(client, frozen):
    user = UserFactory()
    unpaid = order(user)
    paid = pay_order(order(user))  # in validation: withdrawable
    expired = order(user, NOW - timedelta(days=8))
    client.force_login(user)
    html = page_text(client.get(LIST, {"status": "all"}))
    common = ["View order in HTML format", "Download PDF", "Order tracking"]

    unpaid_menu = menu_of(html, unpaid.number)
    assert all(item in unpaid_menu for item in [*common, "Pay"])
    assert "Cancel the order" not in unpaid_menu and "Reorder" not in unpaid_menu

    paid_menu = menu_of(html, paid.number)
    assert "Cancel the order" in paid_menu and "Pay" not in paid_menu and "Reorder" not in paid_menu
    assert f'href="{reverse("orders:withdraw", args=[paid.pk])}?back=status%3Dall"' in paid_menu

    expired_menu = menu_of(html, expired.number)
    assert f'<form method="post" action="{reverse("orders:reorder", args=[expired.pk])}">' in expired_menu
    assert "Pay" not in expired_menu and "Cancel the order" not in expired_menu

    assert html.count("Withdraw from contract here") == 1  # only the withdrawable order's row
    assert "View bill" not in html  # no invoices yet


@db
def test_business_accounts_get_no_withdrawal_items(client, frozen):
    user = UserFactory(legal_form=LegalForm.CORPORATION, organisation="Acme")
    pay_order(order(user))
    client.force_login(user)
    html = page_text(client.get(LIST))
    assert "Cancel the order" not in html and "Withdraw from contract here" not in html


# --- queries -------------------------------------------------------------------------------------------


def copy_orders(original: Order, count: int) -> None:
    """`count` copies of a paid order with its lines and consents, inserted in bulk (tests may insert rows)."""
    fields = [f.attname for f in Order._meta.concrete_fields if f.attname not in {"id", "cart_id"}]
    copies = Order.objects.bulk_create(
        Order(**{name: getattr(original, name) for name in fields}) for _ in range(count)
    )
    lines = list(original.lines.all())
    line_fields = [f.attname for f in OrderLine._meta.concrete_fields if f.attname not in {"id", "order_id"}]
    OrderLine.objects.bulk_create(
        OrderLine(order_id=copy.pk, **{name: getattr(line, name) for name in line_fields})
        for copy in copies
        for line in lines
    )
    consents = list(original.consents.all())
    consent_fields = [f.attname for f in Consent._meta.concrete_fields if f.attname not in {"id", "order_id"}]
    Consent.objects.bulk_create(
        Consent(order_id=copy.pk, **{name: getattr(c, name) for name in consent_fields})
        for copy in copies
        for c in consents
    )


@db
def test_the_list_costs_the_same_queries_for_5_and_500_orders(client, django_assert_max_num_queries):
    user = UserFactory()
    two_lines = PricingFactory(subsidiary=user.subsidiary, installation_fee=Decimal("5.00"))
    paid = pay_order(place_order(account=user, pricings=[two_lines], express_request=True))
    assert paid.lines.count() == 2 and paid.consents.count() == 2
    copy_orders(paid, 4)
    client.force_login(user)
    client.get(LIST)  # warm-up: whatever is cached once per process is not what we count

    counts = []
    for total in (5, 500):
        copy_orders(paid, total - Order.objects.filter(account=user).count())
        assert Order.objects.filter(account=user).count() == total
        # the session with its user, the page versions (orders.views.list_cache), the count (orders neither unpaid nor
        # expired, then the unpaid ones, in one statement), the page's orders with their subsidiary, their lines with
        # plans and their consents (one statement): a rendered page, not the copy kept in the cache
        # (test_list_cache.py counts those)
        cache.clear()
        kept_pages.clear()
        with django_assert_max_num_queries(5), CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert response.status_code == 200
        assert page_text(response).count("Withdraw from contract here") == min(total, 10)
        counts.append(len(queries))
    assert counts[0] == counts[1]


@db
def test_the_status_options_follow_the_status_asked_for_and_the_language(client):
    """The options are rendered once per process, language and status: each page still selects its own."""
    user = UserFactory()
    client.force_login(user)

    def selected(url: str) -> list[str]:
        select = re.search(r'<select id="filter-status".*?</select>', client.get(url).content.decode(), re.S)[0]
        return re.findall(r'<option value="([^"]*)" selected>([^<]*)<', select)

    assert selected(LIST) == [("", "All except expired orders")]
    assert selected(f"{LIST}?status=delivered") == [("delivered", "Complete")]
    assert selected(LIST) == [("", "All except expired orders")]
    user.language = "fr"
    user.save(update_fields=["language"])
    assert selected(f"{LIST}?status=delivered") == [("delivered", "Finalisée")]
