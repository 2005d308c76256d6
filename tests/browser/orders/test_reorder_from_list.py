"""Reorder from the list's "…" menu: an expired order offers it there too, not only on its pay page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from orders.services.expiry import orders_expire
from tests.support.factories import UserFactory, place_order

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def test_an_expired_order_offers_reorder_in_the_list_menu(live_server, page, login_as):
    user = UserFactory()
    swept = place_order(account=user, now=timezone.now() - timedelta(days=9))
    orders_expire(now=timezone.now())
    unswept = place_order(account=user, now=timezone.now() - timedelta(days=8))

    login_as(user.username)
    for status in ("expired", "all"):
        page.goto(f"{live_server.url}/orders/?status={status}")
        for order in (swept, unswept):
            page.locator("summary", has_text=f"Actions for order {order.number}").click()
            menu = page.locator("details.menu[open]")
            assert menu.get_by_role("button", name="Reorder").is_visible()
            page.locator("summary", has_text=f"Actions for order {order.number}").click()  # closed again

    page.locator("summary", has_text=f"Actions for order {swept.number}").click()
    page.locator("details.menu[open]").get_by_role("button", name="Reorder").click()
    page.wait_for_url(re.compile(r"/order/cart/|/cart/"))
