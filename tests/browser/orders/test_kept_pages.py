"""Kept pages in a real browser: a reload revalidates the page (304), and the copy the browser shows still runs
its scripts under the Content-Security-Policy it was stored with (the 304 carries none)."""

import pytest
from django.urls import reverse

from orders.services.consents import Evidence
from orders.services.withdrawals import WithdrawalRequest, order_withdraw
from tests.support.kept_pages import delivered
from tests.support.pages import tracking_url

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def test_a_reload_is_answered_304_and_the_page_still_works(live_server, page, login_as):
    order = delivered()
    login_as(order.account.username)
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    for path in (tracking_url(order), reverse("orders:purchase_order", args=[order.pk]), reverse("orders:list")):
        first = page.goto(f"{live_server.url}{path}")
        again = page.reload()
        # The browser asked whether its copy is still good (the server's 304 is tested in test_page_cache.py).
        assert again.request.all_headers().get("if-none-match") == first.headers["etag"], path
        assert page.evaluate("typeof htmx") == "object", path  # the script ran under the stored policy's nonce
    assert refused == []

    page.goto(f"{live_server.url}{tracking_url(order)}")
    order_withdraw(
        order_id=order.pk,
        request=WithdrawalRequest(confirmed=True),
        evidence=Evidence(channel="panel", actor=order.account),
        channel="panel",
    )
    page.reload()
    assert page.get_by_text("Withdrawal received").first.is_visible()
