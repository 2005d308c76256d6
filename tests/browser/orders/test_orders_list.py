"""My orders in a real browser: filters and sorting swapped in by htmx, the "…" menu, back from tracking."""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support.factories import PricingFactory, UserFactory, pay_order, place_order

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def test_list_in_a_browser(live_server, page, login_as, check_page):
    user = UserFactory()
    cheap = place_order(account=user, pricings=[PricingFactory(price=Decimal("10.00"))])
    dear = place_order(account=user, pricings=[PricingFactory(price=Decimal("30.00"))])
    paid = pay_order(place_order(account=user, pricings=[PricingFactory(price=Decimal("20.00"))]))
    place_order(account=user, now=paid.created_at - timedelta(days=10))  # expired, hidden

    login_as(user.username)
    check_page(page, "dashboard")
    page.get_by_role("main").get_by_role("link", name="View my orders").click()
    page.wait_for_url(f"{live_server.url}/orders/")
    rows = page.locator("table.order-list tbody tr")
    assert rows.count() == 3
    check_page(page, "orders-list")

    page.evaluate("window.notReloaded = true")  # survives htmx swaps, not a full page load
    page.get_by_label("Status").select_option("notPaid")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"status=notPaid"))
    page.wait_for_function("document.querySelectorAll('table.order-list tbody tr').length === 2")
    page.get_by_role("link", name="Amount incl. VAT").click()
    page.wait_for_url(re.compile(r"sort=amount"))
    page.wait_for_selector('th[aria-sort="ascending"]')
    assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(2)] == [cheap.number, dear.number]
    assert page.evaluate("window.notReloaded") is True
    query = parse_qs(urlparse(page.url).query)
    assert query["status"] == ["notPaid"] and query["sort"] == ["amount"]

    page.locator("summary", has_text=f"Actions for order {cheap.number}").click()
    menu = page.locator("details.menu[open]")
    for item in ("View order in HTML format", "Download PDF", "Order tracking", "Pay"):
        assert menu.get_by_role("link", name=item).is_visible()
    assert menu.get_by_text("Cancel the order").count() == 0 and menu.get_by_text("Reorder").count() == 0
    check_page(page, "orders-list-menu")

    menu.get_by_role("link", name="Order tracking").click()
    page.wait_for_url(re.compile(rf"/orders/{cheap.pk}/tracking/\?back="))
    assert page.get_by_role("heading", level=1).inner_text() == f"Track order no. {cheap.number}"
    page.get_by_role("link", name="Back to my orders").click()
    page.wait_for_url(re.compile(r"/orders/\?"))
    query = parse_qs(urlparse(page.url).query)
    assert query["status"] == ["notPaid"] and query["sort"] == ["amount"]
    assert page.get_by_label("Status").input_value() == "notPaid"
    assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())] == [cheap.number, dear.number]

    page.set_viewport_size({"width": 375, "height": 800})
    check_page(page, "orders-list-375px")
