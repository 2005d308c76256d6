"""Queries per page do not grow with the data (GitLab's QueryRecorder rule: the same count, no tolerance).

Each page is fetched for a small and a large case in the same state (same statuses, same branches taken),
after a warm-up request, and the two counts must be equal: the list with 1 and 30 orders, tracking with one
line and a short history and with many lines and a long history, the purchase order with 1 and 10 lines.
Each count is of a first visit: a repeated one is served from the cache in three queries (page_cache).
"""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders import history
from orders.lifecycle import record_event
from orders.models import OrderStatus
from orders.services.delivery import order_deliver
from orders.services.validation import order_validate
from orders.views import kept_pages
from tests.support.factories import PricingFactory, UserFactory, pay_order, place_order

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def queries(client, url: str) -> list[str]:
    """The queries of rendering the page: never a copy kept in the cache or the process (views/test_page_cache.py
    counts those)."""
    cache.clear()
    kept_pages.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def delivered_order(account, lines: int):
    """Paid, validated and delivered through the services, with `lines` priced items (two lines each)."""
    pricings = [PricingFactory(subsidiary=account.subsidiary, installation_fee=Decimal("5.00")) for _ in range(lines)]
    order = pay_order(place_order(account=account, pricings=pricings, express_request=True))
    if order.status == OrderStatus.CHECKING:
        order_validate(order_id=order.pk, staff=None)
    return order_deliver(order_id=order.pk)


def test_the_list_costs_the_same_with_1_and_30_orders(client):
    account = UserFactory()
    delivered_order(account, 1)
    client.force_login(account)
    url = reverse("orders:list")
    client.get(url)  # warm-up: what a process caches once is not what we count
    small = queries(client, url)
    for index in range(29):
        order = place_order(account=account)
        if index % 2:
            pay_order(order)
    large = queries(client, url)
    assert len(small) == len(large), "\n".join(large)


def test_tracking_costs_the_same_with_many_lines_and_events(client):
    account = UserFactory()
    small, large = delivered_order(account, 1), delivered_order(account, 6)
    for _ in range(20):
        record_event(large, history.PAYMENT_FAILED)
    assert large.events.count() > 20 > small.events.count() and large.lines.count() == 12
    client.force_login(account)
    client.get(reverse("orders:tracking", args=[small.pk]))
    counts = [len(queries(client, reverse("orders:tracking", args=[order.pk]))) for order in (small, large)]
    # The session with its user, the page cache's key, the order, its events, its lines: refunds, a withdrawal and
    # a transfer are asked for only when the order has one (orders.selectors.account_order).
    assert counts[0] == counts[1] <= 5


def test_the_purchase_order_costs_the_same_with_1_and_10_lines(client):
    account = UserFactory()
    one = place_order(account=account)
    ten = place_order(account=account, pricings=[PricingFactory(subsidiary=account.subsidiary) for _ in range(10)])
    assert (one.lines.count(), ten.lines.count()) == (1, 10)
    client.force_login(account)
    client.get(reverse("orders:purchase_order", args=[one.pk]))
    counts = [len(queries(client, reverse("orders:purchase_order", args=[order.pk]))) for order in (one, ten)]
    assert counts[0] == counts[1]


def test_the_dashboard_reads_the_latest_order_with_its_latest_event_in_one_statement(client):
    """The session with its user, and the latest order with its latest event and whether refunds wait for an IBAN
    (none here, so none is read): 2 queries, however long the order's history."""
    account = UserFactory()
    order = delivered_order(account, 1)
    client.force_login(account)
    url = reverse("dashboard")
    client.get(url)
    short = queries(client, url)
    for _ in range(10):
        record_event(order, history.DELIVERY)
    long = queries(client, url)
    assert len(short) == len(long) == 2, "\n".join(long)
