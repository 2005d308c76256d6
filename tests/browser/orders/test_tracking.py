"""Order tracking in a real browser: polling until delivered, then stopping; the withdrawal page."""

import pytest

from orders.services.validation import order_validate
from tests.support.factories import UserFactory
from tests.support.orders import checking, unpaid
from tests.support.pages import tracking_url, withdraw_url

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def test_tracking_and_withdraw_pages_in_a_browser(live_server, page, login_as, check_page, settings):
    settings.TRACKING_REFRESH_SECONDS = 1
    user = UserFactory()
    order = checking(user)
    other = unpaid(user)
    login_as(user.username)

    page.goto(f"{live_server.url}{tracking_url(order)}")
    assert page.get_by_role("heading", level=1).inner_text() == f"Track order no. {order.number}"
    assert page.locator("#order-progress").get_attribute("hx-trigger") == "every 1s"
    check_page(page, "tracking")

    order_validate(order_id=order.pk, staff=None)  # delivered at once: the sandbox takes 0 s in tests
    page.wait_for_selector("#order-progress .badge-success", timeout=10_000)
    assert page.locator("#order-progress").get_attribute("hx-trigger") is None
    assert page.locator(".step-state").all_inner_texts() == ["Done"] * 4
    polls = []
    page.on("request", lambda request: polls.append(request.url) if "/tracking/" in request.url else None)
    page.wait_for_timeout(2500)
    assert polls == []  # polling stopped
    check_page(page, "tracking-delivered")

    page.get_by_role("link", name="Withdraw from contract here").click()
    page.wait_for_url(f"{live_server.url}{withdraw_url(order)}")
    assert page.get_by_role("heading", level=1).inner_text() == "Withdrawal of the service(s) from the order"
    check_page(page, "withdraw-eligible")

    page.goto(f"{live_server.url}{withdraw_url(other)}")
    assert page.get_by_text("This order cannot be withdrawn.").is_visible()
    check_page(page, "withdraw-ineligible")
