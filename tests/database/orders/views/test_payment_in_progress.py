"""A SEPA debit in progress: "Payment in progress" with the expected settlement date (local date of the
subsidiary) on the list, tracking, dashboard and pay page, and no second payment offered; the API keeps
OVHcloud's `notPaid`."""

import html
import re
from datetime import timedelta

import pytest
from babel.dates import format_date
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.localtime import local_date
from orders.models import OrderStatus, Payment
from orders.services.payments import order_pay, payments_reconcile
from payments.kinds import PaymentKind
from payments.models import SandboxTransaction
from tests.support.api import api_for, assert_error
from tests.support.factories import PaymentMethodFactory, UserFactory, place_order
from tests.support.orders import charges
from tests.support.pages import pay_url, tracking_url

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
IN_PROGRESS = "Payment in progress"


def page_text(response) -> str:
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.content.decode()))


def debit_in_progress(account):
    order = place_order(account=account)
    sepa = PaymentMethodFactory(account=account, kind=PaymentKind.SEPA)
    payment = order_pay(order_id=order.pk, account=account, method=sepa)
    assert payment.status == Payment.Status.PENDING
    return order, payment


def expected_day(payment, tz_name: str) -> str:
    return format_date(local_date(payment.expected_at, tz_name), "medium", locale="en")


def test_a_debit_in_progress_shows_its_expected_settlement_date_and_offers_no_second_payment(client):
    account = UserFactory()
    client.force_login(account)
    order, payment = debit_in_progress(account)
    settle_days = timedelta(days=settings.SANDBOX_SEPA_SETTLE_DAYS)
    assert abs(payment.expected_at - payment.created_at - settle_days) < timedelta(seconds=5)
    day = expected_day(payment, "Europe/Paris")
    for url in (reverse("orders:list"), tracking_url(order), reverse("dashboard"), pay_url(order)):
        text = page_text(client.get(url))
        assert IN_PROGRESS in text and f"settlement expected on {day}" in text, url
        assert re.search(r'badge-info"[^>]*>Payment in progress<', text) and not re.search(
            r'badge-error"[^>]*>Unpaid<', text
        ), url
    listing = client.get(reverse("orders:list")).content.decode()
    assert pay_url(order) not in listing  # the menu offers no Pay
    assert pay_url(order) not in client.get(tracking_url(order)).content.decode()
    pay_page = page_text(client.get(pay_url(order)))
    assert "already in progress" in pay_page and 'name="payment_attempt"' not in pay_page

    # The API keeps OVHcloud's status and refuses a second payment.
    api = api_for(account)
    assert api.get(f"/me/order/{order.pk}/status").json() == "notPaid"
    card = PaymentMethodFactory(account=account, is_default=False)
    assert_error(api.post(f"/me/order/{order.pk}/pay", {"paymentMethod": {"id": card.pk}}), 409)
    assert charges() == 1

    # Settled: paid, and the pages say so.
    SandboxTransaction.objects.filter(reference=payment.gateway_reference).update(
        settles_at=timezone.now() - timedelta(seconds=1)
    )
    assert payments_reconcile() == 1
    order.refresh_from_db()
    assert order.status != OrderStatus.NOT_PAID
    text = page_text(client.get(reverse("orders:list")))
    assert IN_PROGRESS not in text and "settlement expected" not in text


def test_the_expected_date_is_the_local_date_of_the_subsidiary(client, time_machine):
    time_machine.move_to("2026-12-31T23:30:00+00:00", tick=False)  # already 1 January in Paris
    account = UserFactory()
    client.force_login(account)
    order, payment = debit_in_progress(account)
    assert payment.expected_at.date().isoformat() == "2027-01-03"  # in UTC
    assert "settlement expected on Jan 4, 2027" in page_text(client.get(tracking_url(order)))


def test_past_its_expiry_a_debit_holds_the_order_open_on_the_dashboard_until_the_hold_ends(client, time_machine):
    account = UserFactory()
    client.force_login(account)
    order, _payment = debit_in_progress(account)
    time_machine.move_to(order.expires_at + timedelta(hours=1), tick=False)
    text = page_text(client.get(reverse("dashboard")))
    assert re.search(r'badge-info"[^>]*>Payment in progress<', text)
    time_machine.move_to(order.expires_at + timedelta(days=settings.PAYMENT_HOLD_DAYS, hours=1), tick=False)
    text = page_text(client.get(reverse("dashboard")))
    assert IN_PROGRESS not in text and re.search(r'badge-expired"[^>]*>', text), text
