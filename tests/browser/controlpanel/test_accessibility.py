"""The pages other browser tests do not open, screenshotted and checked with axe-core: documents, bills,
credit notes, withdrawal without a session, API keys; and the main pages once in French."""

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiApplication
from orders.services.consents import Evidence
from orders.services.payments import order_pay
from orders.services.validation import order_request_documents
from orders.services.withdrawals import WithdrawalRequest, order_withdraw
from tests.support.factories import PaymentMethodFactory, UserFactory, place_order

pytestmark = [pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])]


def paid_order(account):
    order = place_order(account=account)
    method = account.payment_methods.first() or PaymentMethodFactory(account=account)
    order_pay(order_id=order.pk, account=account, method=method)
    order.refresh_from_db()
    return order


def test_documents_bills_credit_notes_and_api_pages(live_server, page, login_as, check_page):
    account = UserFactory()
    asked = paid_order(account)
    order_request_documents(order_id=asked.pk, staff=None, today=timezone.localdate())
    withdrawn = paid_order(account)
    order_withdraw(order_id=withdrawn.pk, request=WithdrawalRequest(confirmed=True),
                   evidence=Evidence(channel="panel", actor=account), channel="panel")
    note = withdrawn.refunds.get().credit_note
    ApiApplication.objects.create(account=account, name="Billing script", application_secret_encrypted="x")
    login_as(account.username)
    pages = {
        "documents-upload": reverse("orders:documents", args=[asked.pk]),
        "bill": reverse("orders:bill", args=[withdrawn.pk]),
        "credit-note": reverse("orders:credit_note", args=[withdrawn.pk, note.pk]),
        "withdrawn": reverse("orders:withdraw", args=[withdrawn.pk]),
        "api-applications": reverse("api_panel:applications"),
    }
    for name, path in pages.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, name
        check_page(page, name)


def test_withdrawal_without_a_session(live_server, page, check_page):
    page.goto(f"{live_server.url}{reverse('orders:withdraw_start')}")
    check_page(page, "withdraw-start")
    page.get_by_label("Order number").fill("12345")
    page.get_by_label("Email address of the account").fill("nobody@example.com")
    page.get_by_role("button", name="Send me the link").click()
    page.wait_for_load_state()
    assert "If this order exists" in page.content()
    page.goto(f"{live_server.url}/orders/withdraw/not-a-valid-token/")
    check_page(page, "withdraw-link-invalid")


def test_main_pages_in_french(live_server, page, login_as, check_page):
    account = UserFactory(language="fr")
    order = paid_order(account)
    login_as(account.username)
    for name, path in {
        "dashboard-fr": reverse("dashboard"),
        "orders-list-fr": reverse("orders:list"),
        "tracking-fr": reverse("orders:tracking", args=[order.pk]),
        "purchase-order-fr": reverse("orders:purchase_order", args=[order.pk]),
    }.items():
        page.goto(f"{live_server.url}{path}")
        assert page.locator("html").get_attribute("lang") == "fr"
        check_page(page, name)
    page.goto(f"{live_server.url}{reverse('orders:list')}")
    assert page.get_by_role("link", name="Voir mes commandes").count() >= 1
