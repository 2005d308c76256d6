"""Ordering in a real browser: the catalog and its htmx cart summary, the cart, checkout with its consents."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import CartItem, Consent, Order
from tests.support.factories import PlanFactory, PricingFactory, UserFactory
from tests.support.orders import cart_with, domain_pricing
from tests.support.pages import CART, CATALOG, CHECKOUT

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def test_ordering_in_a_browser(live_server, page, login_as, check_page):
    UserFactory(username="alice")
    plan = PlanFactory(name_en="Web Hosting Starter")
    PricingFactory(plan=plan, price=Decimal("3.99"))
    PricingFactory(plan=plan, duration="P12M", months=12, price=Decimal("39.99"), installation_fee=Decimal("9.99"))
    PricingFactory(plan=PlanFactory(name_en="Hosting Pro"), price=Decimal("9.99"))

    login_as("alice")
    page.goto(f"{live_server.url}{CATALOG}")
    check_page(page, "catalog")
    page.get_by_role("button", name="Add to cart (Web Hosting Starter, 12 months)").click()
    summary = page.locator("#cart-summary")
    summary.get_by_text("Web Hosting Starter has been added to your cart.").wait_for()  # swapped in by htmx
    assert page.url == f"{live_server.url}{CATALOG}"
    check_page(page, "catalog-with-cart")

    page.set_viewport_size({"width": 375, "height": 800})
    check_page(page, "catalog-375px")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("link", name="Proceed to checkout").first.click()
    page.wait_for_url(f"{live_server.url}{CHECKOUT}")
    assert page.get_by_role("heading", name="Your right of withdrawal").is_visible()
    assert page.get_by_text("You have the right to withdraw from this contract within 14 days").is_visible()
    page.locator("summary", has_text="Model withdrawal form").click()  # opens the <details>
    assert page.get_by_text("(complete and return this form only if you wish to withdraw").is_visible()
    check_page(page, "checkout")
    express = page.get_by_label(re.compile("I expressly request that you begin"))
    assert not express.is_checked()
    express.check()
    page.get_by_role("button", name="Create the purchase order").click()

    page.wait_for_url(re.compile(r"/orders/\d+/$"))
    order = Order.objects.get()
    assert page.url == f"{live_server.url}{reverse('orders:purchase_order', kwargs={'order_id': order.pk})}"
    assert order.consents.filter(kind=Consent.Kind.EXPRESS_REQUEST, channel="panel", ip="127.0.0.1").exists()
    assert order.total_gross == Decimal("59.98")  # (39.99 + 9.99) + 20 % VAT


def test_cart_page_in_a_browser(live_server, page, login_as, check_page):
    account = UserFactory(username="bob")
    cart_with(account, PricingFactory(plan=PlanFactory(name_en="Hosting Perso")), domain_pricing())
    login_as("bob")
    page.goto(f"{live_server.url}{CART}")
    check_page(page, "cart")
    page.get_by_role("link", name="Proceed to checkout").click()
    ack = page.get_by_label(re.compile("For the domain names and SSL certificates in this order"))
    assert ack.is_visible() and not ack.is_checked()
    check_page(page, "checkout-domain")

    page.goto(f"{live_server.url}{CART}")
    page.get_by_role("button", name=re.compile(r"Remove \(Domain name \.com")).click()
    page.locator("#cart-summary").get_by_text("The item has been removed from your cart.").wait_for()
    assert CartItem.objects.count() == 1
    page.goto(f"{live_server.url}{CHECKOUT}")
    check_page(page, "checkout-no-excludable")


def test_choosing_a_domain_name_in_a_browser(live_server, page, login_as, check_page):
    """The name is checked with the sandbox registry (htmx swaps the answer in), then added with its offer."""
    UserFactory(username="dora")
    plan = PlanFactory(plan_code="fr", family="domain", excludable=True, name_en="Domain name .fr")
    PricingFactory(plan=plan, duration="P12M", months=12, price=Decimal("6.99"))

    login_as("dora")
    page.goto(f"{live_server.url}{CATALOG}")
    search = page.get_by_label("Domain name", exact=True)
    search.fill("taken-name.fr")
    page.get_by_role("button", name="Check availability").click()
    page.get_by_text("taken-name.fr is not available").wait_for()
    assert page.url == f"{live_server.url}{CATALOG}"  # swapped in by htmx, the page stays

    search.fill("Dora-Shop.fr")
    page.get_by_role("button", name="Check availability").click()
    page.get_by_text("dora-shop.fr is available.").wait_for()
    check_page(page, "catalog-domain-available")
    page.get_by_role("button", name="Add dora-shop.fr to cart (12 months, €6.99 excl. VAT)").click()
    page.locator("#cart-summary").get_by_text("dora-shop.fr has been added to your cart.").wait_for()
    assert list(CartItem.objects.values_list("domain", flat=True)) == ["dora-shop.fr"]


def test_choosing_a_domain_name_without_javascript(live_server, browser, login_as):
    """The same search as a plain GET form: the whole catalog comes back with the answer."""
    UserFactory(username="noscript")
    plan = PlanFactory(plan_code="com", family="domain", excludable=True, name_en="Domain name .com")
    PricingFactory(plan=plan, duration="P12M", months=12, price=Decimal("10.99"))
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    login_as("noscript", on=page)
    page.goto(f"{live_server.url}{CATALOG}")
    page.get_by_label("Domain name", exact=True).fill("plain-form.com")
    page.get_by_role("button", name="Check availability").click()
    page.wait_for_url(re.compile(r"\?domain=plain-form\.com"))
    page.get_by_role("button", name="Add plain-form.com to cart (12 months, €10.99 excl. VAT)").click()
    page.wait_for_url(f"{live_server.url}{CART}")
    assert list(CartItem.objects.values_list("domain", flat=True)) == ["plain-form.com"]
    context.close()
