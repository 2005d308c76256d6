"""The order's documents reachable from its pages: the bill, credit notes, the supporting-documents upload."""

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.services.consents import Evidence
from orders.services.payments import order_pay
from orders.services.validation import order_request_documents
from orders.services.withdrawals import WithdrawalRequest, order_withdraw
from tests.support.factories import PaymentMethodFactory, UserFactory, place_order

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def paid_order():
    account = UserFactory()
    order = place_order(account=account)
    order_pay(order_id=order.pk, account=account, method=PaymentMethodFactory(account=account))
    order.refresh_from_db()
    return order


def test_bill_in_the_menu_and_on_tracking_once_invoiced(client):
    order = paid_order()
    client.force_login(order.account)
    listing = client.get(reverse("orders:list")).content.decode()
    assert "View bill" in listing and reverse("orders:bill", args=[order.pk]) in listing
    tracking = client.get(reverse("orders:tracking", args=[order.pk])).content.decode()
    assert f"Bill {order.invoice.number}" in tracking


def test_credit_note_linked_from_the_refund(client):
    order = paid_order()
    order_withdraw(order_id=order.pk, request=WithdrawalRequest(confirmed=True),
                   evidence=Evidence(channel="panel", actor=order.account), channel="panel")
    client.force_login(order.account)
    tracking = client.get(reverse("orders:tracking", args=[order.pk])).content.decode()
    note = order.refunds.get().credit_note
    assert reverse("orders:credit_note", args=[order.pk, note.pk]) in tracking and note.number in tracking


def test_upload_link_while_documents_are_requested(client):
    order = paid_order()
    order_request_documents(order_id=order.pk, staff=None, today=timezone.localdate())
    client.force_login(order.account)
    tracking = client.get(reverse("orders:tracking", args=[order.pk])).content.decode()
    assert reverse("orders:documents", args=[order.pk]) in tracking
