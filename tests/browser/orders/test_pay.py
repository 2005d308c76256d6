"""Paying from the panel in a real browser: the saved card, a declined new card (never saved) then a good one,
and PayPal through the sandbox's approval page."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import OrderStatus
from tests.support.factories import PaymentMethodFactory, UserFactory, place_order
from tests.support.orders import charges
from tests.support.pages import pay_url

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def test_browser_pay_with_the_saved_card_then_a_declined_card(live_server, login_as, check_page):
    account = UserFactory(username="payer")
    PaymentMethodFactory(account=account)
    order = place_order(account=account)
    page = login_as("payer")
    page.goto(f"{live_server.url}{reverse('orders:purchase_order', args=[order.pk])}")
    page.get_by_role("link", name="Pay", exact=True).click()
    page.wait_for_url(f"**{pay_url(order)}")
    check_page(page, "pay")
    assert page.get_by_role("radio").first.is_checked()
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    page.wait_for_url(f"**{reverse('orders:tracking', args=[order.pk])}")
    order.refresh_from_db()
    assert order.status != OrderStatus.NOT_PAID and charges() == 1

    unpaid = place_order(account=account)
    page.goto(f"{live_server.url}{pay_url(unpaid)}")
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year").fill(str(timezone.now().year + 1))
    page.get_by_role("button", name="Add the card and pay").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text() == "Your card was declined."
    check_page(page, "pay-declined")
    page.set_viewport_size({"width": 375, "height": 800})
    check_page(page, "pay-declined-375")
    unpaid.refresh_from_db()
    assert unpaid.status == OrderStatus.NOT_PAID
    assert list(account.payment_methods.values_list("label", flat=True)) == ["Visa •••• 4242"]  # not the 0002

    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Card number").fill("5555 5555 5555 4444")
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year").fill(str(timezone.now().year + 1))
    page.get_by_role("button", name="Add the card and pay").click()
    page.wait_for_url(f"**{reverse('orders:tracking', args=[unpaid.pk])}")
    assert "Payment received" in page.get_by_role("status").inner_text()
    assert sorted(account.payment_methods.values_list("label", flat=True)) == ["Mastercard •••• 4444", "Visa •••• 4242"]


def test_browser_pay_with_paypal_through_the_sandbox_approval_page(live_server, login_as, check_page):
    account = UserFactory(username="paypal-payer")
    order = place_order(account=account)
    page = login_as("paypal-payer")
    page.goto(f"{live_server.url}{pay_url(order)}")
    page.get_by_role("button", name="Continue to PayPal").click()
    page.wait_for_url("**/sandbox/paypal/**")
    assert page.get_by_role("heading", name="PayPal sandbox").is_visible()
    check_page(page, "paypal-sandbox")
    page.get_by_label("PayPal email address").fill("payer@example.com")
    page.get_by_role("button", name="Approve the payment").click()
    page.wait_for_url(f"**{reverse('orders:tracking', args=[order.pk])}")
    assert "Payment received" in page.get_by_role("status").inner_text()
    order.refresh_from_db()
    assert order.status != OrderStatus.NOT_PAID and charges() == 1
    page.go_back()  # back to the return URL: nothing charged again
    page.reload()
    page.wait_for_load_state()
    assert charges() == 1
    method = account.payment_methods.get()
    assert (method.label, method.is_default) == ("PayPal payer@example.com", True)

    cancelled = place_order(account=account)
    page.goto(f"{live_server.url}{pay_url(cancelled)}")
    page.get_by_role("button", name="Continue to PayPal").click()
    page.wait_for_url("**/sandbox/paypal/**")
    page.get_by_role("button", name="Cancel and return to the merchant").click()
    page.wait_for_url(f"**{pay_url(cancelled)}")
    assert "nothing was charged" in page.get_by_role("status").inner_text()
    assert charges() == 1
