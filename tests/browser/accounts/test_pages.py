"""Sign-up, log-in, password reset and the account page (details, payment methods, language) in a real browser."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from tests.support.factories import PaymentMethodFactory, UserFactory
from tests.support.pages import NEXT_YEAR, PASSWORD, confirmation_link

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def field(page, label: str):
    """A form field by its exact label (Django's labels end with a colon)."""
    return page.get_by_label(f"{label}:", exact=True)


def test_browser_sign_up_confirm_and_land_logged_in(page, live_server, check_page):
    page.goto(f"{live_server.url}/account/signup/")
    check_page(page, "accounts-signup")
    field(page, "Username").fill("browsercustomer")
    field(page, "Email address").fill("browser@example.com")
    field(page, "Password").fill(PASSWORD)
    field(page, "Password confirmation").fill(PASSWORD)
    field(page, "Legal form").select_option("corporation")
    field(page, "Subsidiary").select_option("FR")
    field(page, "First name").fill("Jeanne")
    field(page, "Last name").fill("Durand")
    field(page, "Organisation").fill("ACME SAS")
    field(page, "Address").fill("3 rue Lafayette")
    field(page, "Postcode").fill("75009")
    field(page, "City").fill("Paris")
    field(page, "Country").select_option("FR")
    field(page, "VAT number").fill("FR12345678901")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()
    assert page.url.endswith("/accounts/login/")
    assert "browser@example.com" in page.get_by_role("status").inner_text()

    link = confirmation_link(mail.outbox[-1])  # live_server runs in this process: the locmem outbox is shared
    page.goto(link)
    check_page(page, "accounts-confirm")
    page.get_by_role("button", name="Confirm my email address").click()
    page.wait_for_load_state()
    assert page.url.endswith("/account/")
    assert page.get_by_role("heading", name="My account").is_visible()
    assert User.objects.get(username="browsercustomer").email_confirmed


def test_browser_login_and_password_pages(page, live_server, check_page):
    UserFactory(username="unconfirmed", email_confirmed=False)
    page.goto(f"{live_server.url}/accounts/login/")
    check_page(page, "accounts-login")
    page.get_by_label("Username").fill("unconfirmed")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "Confirm your email address first" in page.get_by_role("alert").inner_text()
    check_page(page, "accounts-login-unconfirmed")
    page.get_by_role("link", name="Forgotten your password?").click()
    check_page(page, "accounts-password-reset")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_load_state()
    check_page(page, "accounts-password-reset-done")
    page.goto(f"{live_server.url}/account/confirm/not-a-token/")
    check_page(page, "accounts-confirm-invalid")


def test_browser_account_page_payment_methods_and_language(page, live_server, login_as, check_page):
    account = UserFactory(username="alice")
    login_as("alice")
    page.goto(f"{live_server.url}/account/")
    check_page(page, "accounts-details")
    page.get_by_label("City").fill("Lyon")
    page.get_by_label("Phone").fill("+33 4 00 00 00 00")
    page.get_by_role("button", name="Save my billing details").click()
    page.wait_for_load_state()
    assert "Your billing details are saved." in page.get_by_role("status").inner_text()
    account.refresh_from_db()
    assert account.city == "Lyon"

    page.goto(f"{live_server.url}/account/payment-methods/add/")
    page.get_by_label("Credit card").check()
    assert not page.get_by_label("IBAN").is_visible()  # only the chosen kind's fields show
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry month").select_option("12")
    page.get_by_label("Expiry year").select_option(str(NEXT_YEAR))
    check_page(page, "accounts-payment-method-add")
    page.get_by_role("button", name="Save the payment method").click()
    page.wait_for_load_state()
    assert page.url.endswith("/account/payment-methods/")
    assert page.get_by_role("cell", name="Visa •••• 4242 Default").is_visible()
    PaymentMethodFactory(account=account, is_default=False)
    page.reload()
    check_page(page, "accounts-payment-methods")
    page.get_by_role("button", name="Set as default").click()  # htmx swaps the list
    page.get_by_text("is now your default payment method").wait_for()
    assert customer_default_count(account) == 1
    page.set_viewport_size({"width": 375, "height": 800})
    check_page(page, "accounts-payment-methods-phone")

    page.goto(f"{live_server.url}/account/")
    page.get_by_label("Language of your pages and emails").select_option("fr")
    page.get_by_role("button", name="Save the language").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert page.url.endswith("/account/")
    account.refresh_from_db()
    assert account.language == "fr"


def customer_default_count(account) -> int:
    return account.payment_methods.filter(is_default=True).count()
