"""Close my account in a real browser, in French: the data export, the refusal without a password, the closing."""

import pytest
from playwright.sync_api import expect

from tests.support.factories import PaymentMethodFactory, UserFactory
from tests.support.pages import CLOSED_MESSAGE, french

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def test_browser_closing_an_account_in_french(page, live_server, login_as, check_page):
    account = UserFactory(username="claire", language="fr")
    PaymentMethodFactory(account=account)
    login_as("claire")
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name=french("Download my data")).click()
    check_page(page, "accounts-data-export")
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name=french("Close my account")).click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    check_page(page, "accounts-close")

    page.get_by_role("button", name=french("Close my account")).click()
    password = page.get_by_label(french("Your password"))
    expect(password).to_have_attribute("aria-invalid", "true")
    check_page(page, "accounts-close-errors")
    password.fill("demo")
    page.get_by_label(
        french("I understand that closing my account is final: I will no longer be able to log in.")
    ).check()
    page.get_by_role("button", name=french("Close my account")).click()
    page.wait_for_load_state()
    assert page.url.endswith("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")  # logged out, still in their language
    assert page.get_by_role("status").inner_text().strip() == french(CLOSED_MESSAGE)
    check_page(page, "accounts-closed")
    account.refresh_from_db()
    assert account.closed_at and not account.is_active
