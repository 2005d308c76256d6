"""The back office's finance and withdrawal pages: they call the same services, and refuse bad input."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from orders import lifecycle
from orders.models import OrderStatus, Payment, Refund, Withdrawal
from orders.services.payments import order_pay
from orders.services.validation import order_validate
from orders.transfer_details import transfer_reference
from tests.support.factories import PaymentMethodFactory, UserFactory, place_order

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


@pytest.fixture
def admin_client_(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def paid_order():
    account = UserFactory()
    order = place_order(account=account)
    order_pay(order_id=order.pk, account=account, method=PaymentMethodFactory(account=account))
    return order


def test_staff_record_a_letter_through_the_admin(admin_client_):
    order = paid_order()
    url = reverse("admin:orders_withdrawal_record")
    assert admin_client_.get(reverse("admin:orders_withdrawal_changelist")).status_code == 200
    response = admin_client_.post(
        url,
        {
            "order": order.pk,
            "date_sent": timezone.localdate().isoformat(),
            "reason": "other",
            "comment": "letter of 3 March",
        },
    )
    withdrawal = Withdrawal.objects.get(order=order)
    assert response.status_code == 302 and withdrawal.channel == "staff"
    assert Refund.objects.get(withdrawal=withdrawal).status == Refund.Status.PAID


def test_the_record_form_reports_errors_and_records_nothing(admin_client_):
    order = paid_order()
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    for data in [
        {"order": 999999, "date_sent": timezone.localdate().isoformat()},
        {"order": order.pk, "date_sent": future},
        {"order": place_order().pk, "date_sent": timezone.localdate().isoformat()},
    ]:
        response = admin_client_.post(reverse("admin:orders_withdrawal_record"), data)
        assert response.status_code == 200 and response.context["form"].errors
    assert not Withdrawal.objects.exists()


@pytest.mark.parametrize("local_hour", [7, 15])
def test_a_letter_dated_today_is_recorded_at_any_hour(admin_client_, local_hour):
    """Recorded in the morning, a letter sent today is not "in the future" (it counts from noon otherwise)."""
    paris = ZoneInfo("Europe/Paris")
    with time_machine.travel(datetime(2026, 3, 18, local_hour, 30, tzinfo=paris), tick=False):
        order = paid_order()
        admin_client_.post(reverse("admin:orders_withdrawal_record"), {"order": order.pk, "date_sent": "2026-03-18"})
        withdrawal = Withdrawal.objects.get(order=order)
    noon = datetime(2026, 3, 18, 12, tzinfo=paris)
    assert withdrawal.requested_at == min(noon, datetime(2026, 3, 18, local_hour, 30, tzinfo=paris))
    assert withdrawal.requested_on.isoformat() == "2026-03-18"


def test_refund_retry_action_and_csv_export(admin_client_):
    order = paid_order()
    payment = order.payments.get(status=Payment.Status.SUCCEEDED)
    token = payment.token
    Payment.objects.filter(pk=payment.pk).update(token="sandbox_unknown")
    admin_client_.post(
        reverse("admin:orders_withdrawal_record"), {"order": order.pk, "date_sent": timezone.localdate().isoformat()}
    )
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.FAILED
    Payment.objects.filter(pk=payment.pk).update(token=token)
    changelist = reverse("admin:orders_refund_changelist")
    admin_client_.post(changelist, {"action": "retry", "_selected_action": [refund.pk]})
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID
    response = admin_client_.post(changelist, {"action": "export_csv", "_selected_action": [refund.pk]})
    rows = response.content.decode().splitlines()
    assert rows[0].startswith("id,order_id,cause") and rows[1].startswith(f"{refund.pk},{order.pk},withdrawal")
    assert admin_client_.get(changelist + "?late=1").status_code == 200


def test_order_pages_and_history_open(admin_client_):
    order = paid_order()
    response = admin_client_.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert response.status_code == 200 and b"PAYMENT_CONFIRMED" in response.content


def test_staff_retry_a_failed_delivery(admin_client_):
    order = paid_order()
    with transaction.atomic():  # the delivery enqueued on commit then finds the order failed
        order_validate(order_id=order.pk, staff=None)
        lifecycle.order_delivery_failed(order_id=order.pk, error="no capacity")
    unpaid = place_order()
    changelist = reverse("admin:orders_order_changelist")
    admin_client_.post(changelist, {"action": "retry_delivery", "_selected_action": [order.pk, unpaid.pk]})
    order.refresh_from_db()
    unpaid.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and unpaid.status == OrderStatus.NOT_PAID
    assert order.events.filter(label="DELIVERY_RETRIED", channel="staff").count() == 1


def test_finance_mark_a_bank_transfer_received(admin_client_):
    """A form with the reference and the amount, not a bare action: a card payment's order takes no transfer."""
    account = UserFactory(legal_form="corporation", organisation="Acme")
    order = place_order(account=account)
    transfer = PaymentMethodFactory(account=account, kind="bankTransfer")
    payment = order_pay(order_id=order.pk, account=account, method=transfer)
    card_order = paid_order()
    url = reverse("admin:orders_payment_transfer_received")
    assert url in admin_client_.get(reverse("admin:orders_payment_changelist")).content.decode()

    response = admin_client_.post(url, {"reference": f"RF00{card_order.pk}", "amount": "1", "bank_entry": "E0"})
    assert response.status_code == 200 and "not the transfer reference of any order" in response.content.decode()
    card_reference = transfer_reference(card_order.pk)
    response = admin_client_.post(url, {"reference": card_reference, "amount": "1", "bank_entry": "E1"})
    assert response.status_code == 200 and "paid otherwise" in response.content.decode()
    response = admin_client_.post(
        url, {"reference": transfer_reference(order.pk), "amount": str(order.total_gross), "bank_entry": "E2"}
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and order.paid_at is not None


