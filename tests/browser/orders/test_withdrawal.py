"""The withdrawal function in a real browser: the confirmation box, with and without JavaScript, in two languages."""

import pytest

from orders.models import Withdrawal
from tests.support.orders import paid_order
from tests.support.pages import withdraw_url

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


@pytest.mark.parametrize("language", ["en", "fr"])
def test_withdrawal_form_in_a_browser(live_server, page, login_as, check_page, language):
    order = paid_order(language=language)
    login_as(order.account.username)
    page.goto(f"{live_server.url}{withdraw_url(order)}")
    labels = {
        "en": ("Yes, I want to cancel that order", "Confirm withdrawal"),
        "fr": ("Oui, je désire annuler cette commande", "Confirmer la rétractation"),
    }[language]
    assert page.locator("html").get_attribute("lang") == language
    button = page.get_by_role("button", name=labels[1])
    assert button.is_disabled()  # until the box is ticked
    check_page(page, f"withdraw-form-{language}")
    page.get_by_label(labels[0]).check()
    assert button.is_enabled()
    page.get_by_label(labels[0]).uncheck()
    # Without JavaScript's help the server still refuses an unticked box.
    page.evaluate("document.querySelector('[data-requires-checked]').disabled = false")
    button.click()
    page.wait_for_load_state()
    assert not Withdrawal.objects.exists()
    page.get_by_label(labels[0]).check()
    page.get_by_role("button", name=labels[1]).click()
    page.wait_for_load_state()
    assert Withdrawal.objects.filter(order=order).exists()
    check_page(page, f"withdrawn-{language}")
