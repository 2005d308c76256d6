"""The withdrawal function in the panel: the confirmation step, with and without a session (browser: tests/browser/)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from orders.models import OrderStatus, Refund, Withdrawal
from tests.support.factories import UserFactory
from tests.support.orders import paid_order
from tests.support.pages import withdraw_url

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def test_an_unticked_box_changes_nothing(client):
    order = paid_order()
    client.force_login(order.account)
    response = client.post(withdraw_url(order), {"reason": "unused", "comment": "no"})
    assert response.status_code == 400
    assert "Tick “Yes, I want to cancel that order”" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.CHECKING and not Withdrawal.objects.exists()


def test_confirming_withdraws_and_shows_the_acknowledgement(client):
    order = paid_order()
    client.force_login(order.account)
    page = client.get(withdraw_url(order)).content.decode()
    for text in ["Yes, I want to cancel that order", "Confirm withdrawal", order.account.email, order.number,
                 "Days used include the delivery day and today.", "Visa •••• 4242"]:
        assert text in page
    response = client.post(withdraw_url(order), {"reason": "unused", "comment": "", "confirm": "on"}, follow=True)
    html = response.content.decode()
    assert "We received your withdrawal on" in html and "Your withdrawal has been recorded." in html
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert Refund.objects.get(order=order).status == Refund.Status.PAID
    assert any("withdrawal" in m.subject.lower() for m in mail.outbox)
    # A second confirmation is harmless: the page shows what was received.
    again = client.post(withdraw_url(order), {"confirm": "on"}, follow=True)
    assert "We received your withdrawal on" in again.content.decode() and Withdrawal.objects.count() == 1


def test_an_ineligible_order_says_which_rule_blocks_it(client):
    order = paid_order(legal_form="corporation", organisation="Acme")
    client.force_login(order.account)
    response = client.post(withdraw_url(order), {"confirm": "on"})
    assert response.status_code == 200
    assert "for individuals" in response.content.decode() and not Withdrawal.objects.exists()


def test_another_customers_order_is_not_found(client):
    order = paid_order()
    client.force_login(UserFactory())
    assert client.get(withdraw_url(order)).status_code == 404
    assert client.post(withdraw_url(order), {"confirm": "on"}).status_code == 404


def test_without_a_session_a_link_comes_by_email(client):
    order = paid_order()
    start = reverse("orders:withdraw_start")
    unknown = client.post(start, {"order": order.pk, "email": "someone@example.com"}, follow=True)
    known = client.post(start, {"order": order.pk, "email": order.account.email.upper()}, follow=True)
    assert unknown.content.decode().count("If this order exists") == 1
    assert known.content.decode().count("If this order exists") == 1  # the same answer either way
    [email] = [m for m in mail.outbox if "link to withdraw" in m.subject]
    path = re.search(r"/orders/withdraw/[^/\s]+/", email.body).group(0)
    client.post(start, {"order": order.pk, "email": order.account.email}, follow=True)
    assert len([m for m in mail.outbox if "link to withdraw" in m.subject]) == 1  # not twice in 10 minutes
    page = client.get(path)
    assert page.status_code == 200 and "Confirm withdrawal" in page.content.decode()
    client.post(path, {"confirm": "on"})
    withdrawal = Withdrawal.objects.get(order=order)
    assert withdrawal.channel == "link" and withdrawal.actor is None
    assert client.get("/orders/withdraw/forged-token/").status_code == 400


def test_the_link_expires_after_a_day(client):
    import time_machine

    order = paid_order()
    client.post(reverse("orders:withdraw_start"), {"order": order.pk, "email": order.account.email})
    path = re.search(r"/orders/withdraw/[^/\s]+/", mail.outbox[-1].body).group(0)
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert client.get(path).status_code == 400


def test_start_form_input_errors(client):
    response = client.post(reverse("orders:withdraw_start"), {"order": "abc", "email": "nope"})
    assert response.status_code == 400 and not mail.outbox


def test_the_withdraw_button_is_on_the_order_pages(client):
    order = paid_order()
    client.force_login(order.account)
    for name in ["orders:purchase_order", "orders:tracking"]:
        html = client.get(reverse(name, args=[order.pk])).content.decode()
        assert "Withdraw from contract here" in html and withdraw_url(order) in html
    business = paid_order(legal_form="corporation", organisation="Acme")
    client.force_login(business.account)
    assert "Withdraw from contract here" not in client.get(
        reverse("orders:purchase_order", args=[business.pk])
    ).content.decode()
