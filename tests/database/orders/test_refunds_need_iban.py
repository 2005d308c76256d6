"""A refund to a bank-transfer payer without an IBAN waits for it, says so everywhere, and goes ahead once given."""

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxEmail
from core.outbox import _render
from orders import history
from orders.models import OrderStatus, Refund
from orders.services.refunds import late_refunds_flag, refund_execute, refunds_recover
from orders.services.validation import order_refuse_and_refund
from orders.tasks import pay_refund
from payments.iban import IBAN_INPUT_MAX_LENGTH, grouped
from payments.kinds import PaymentKind
from payments.models import SandboxTransaction
from tests.support.api import api_for
from tests.support.factories import UserFactory
from tests.support.orders import transfer_paid_order

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
IBAN = "FR7630006000011234567890189"
BANNER = "is waiting for your IBAN"


def page_text(response) -> str:
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.content.decode()))


def test_refused_transfer_paid_order_is_refunded_once_the_customer_gives_an_iban(client):
    """issue 16: order 46 stayed `cancelling` with a failed refund that nobody asked the customer about."""
    order = transfer_paid_order()
    order_refuse_and_refund(order_id=order.pk)

    refund = Refund.objects.get(order=order)
    order.refresh_from_db()
    assert refund.status == Refund.Status.NEEDS_IBAN and order.status == OrderStatus.CANCELLING
    assert refund.attempts == 0 and not SandboxTransaction.objects.filter(operation="refund").exists()
    assert order.events.filter(label=history.REFUND_IBAN_NEEDED).count() == 1

    # Asked by email, with a link to the page where the IBAN is given…
    email = OutboxEmail.objects.get(template="refund_iban_needed", order_id=order.pk)
    iban_page = reverse("orders:refund_iban", args=[order.pk, refund.pk])
    assert iban_page in _render(email).body
    # …by a banner on the dashboard and the order's pages…
    client.force_login(order.account)
    for page in (reverse("dashboard"), reverse("orders:tracking", args=[order.pk])):
        text = page_text(client.get(page))
        assert BANNER in text and iban_page in client.get(page).content.decode()
    # …and in the API, whose refund links to the same page.
    assert api_for(order.account).get(f"/me/refund/{refund.pk}").json()["url"].endswith(iban_page)

    assert client.post(iban_page, {"iban": "FR76 3000 6000 0112 3456 7890 180"}).status_code == 400
    assert client.post(iban_page, {"iban": "F" * (IBAN_INPUT_MAX_LENGTH + 1)}).status_code == 400
    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.NEEDS_IBAN

    response = client.post(iban_page, {"iban": grouped(IBAN).lower()})

    assert response.status_code == 302
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == Refund.Status.PAID and refund.iban == IBAN
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "refused"
    ledger = SandboxTransaction.objects.get(operation="refund", idempotency_key=refund.idempotency_key)
    assert ledger.kind == PaymentKind.BANK_TRANSFER and ledger.amount == refund.amount
    assert BANNER not in page_text(client.get(reverse("dashboard")))
    assert client.get(iban_page).status_code == 302  # nothing waits any more


def test_the_request_email_is_in_the_customers_language():
    for language, phrase in (("en", "please give us the IBAN"), ("fr", "indiquez-nous l'IBAN")):
        order = transfer_paid_order(language)
        order_refuse_and_refund(order_id=order.pk)
        message = _render(OutboxEmail.objects.get(template="refund_iban_needed", order_id=order.pk))
        assert phrase in message.body and message.subject


def test_another_customer_cannot_reach_the_iban_page():
    order = transfer_paid_order()
    order_refuse_and_refund(order_id=order.pk)
    refund = Refund.objects.get(order=order)
    other = Client()
    other.force_login(UserFactory())
    assert other.post(reverse("orders:refund_iban", args=[order.pk, refund.pk]), {"iban": IBAN}).status_code == 404
    assert Refund.objects.get(pk=refund.pk).iban == ""


def test_a_pending_transfer_refund_without_an_iban_waits_rather_than_fails(monkeypatch):
    """A refund left pending without an IBAN (before this rule) is moved to wait when the worker meets it."""
    monkeypatch.setattr(pay_refund, "apply_async", lambda args, **options: None)
    order = transfer_paid_order()
    order_refuse_and_refund(order_id=order.pk)
    refund = Refund.objects.get(order=order)
    Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.PENDING)
    OutboxEmail.objects.filter(template="refund_iban_needed").delete()

    refund = refund_execute(refund_id=refund.pk)

    assert refund.status == Refund.Status.NEEDS_IBAN and refund.last_error == ""
    assert OutboxEmail.objects.filter(template="refund_iban_needed", order_id=order.pk).count() == 1


def test_the_sweep_asks_once_about_refunds_nobody_asked_for():
    order = transfer_paid_order()
    order_refuse_and_refund(order_id=order.pk)
    OutboxEmail.objects.filter(template="refund_iban_needed").delete()  # e.g. moved to waiting by the migration

    refunds_recover()
    refunds_recover()

    assert OutboxEmail.objects.filter(template="refund_iban_needed", order_id=order.pk).count() == 1


def test_finances_late_alert_says_which_refunds_wait_for_an_iban():
    from accounts.groups import FINANCE, ensure_staff_groups

    finance = UserFactory(is_staff=True, email="finance@example.com")
    finance.groups.add(ensure_staff_groups()[FINANCE])
    order = transfer_paid_order()
    order_refuse_and_refund(order_id=order.pk)
    refund = Refund.objects.get(order=order)

    with time_machine.travel(timezone.now() + timedelta(days=16)):
        assert [late.pk for late in late_refunds_flag()] == [refund.pk]

    message = _render(OutboxEmail.objects.get(template="refund_late", to="finance@example.com"))
    assert "waiting for the customer's IBAN" in message.body
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    listed = staff.get(reverse("admin:orders_refund_changelist"), {"status__exact": "needs_iban"})
    assert list(listed.context["cl"].result_list) == [refund]
    assert "Waiting for the customer&#x27;s IBAN" in listed.content.decode()
