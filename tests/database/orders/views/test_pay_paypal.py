"""Paying with PayPal through the sandbox: a redirect to its approval page, approve or cancel, and back to our
return URL, which captures once; the payer's PayPal account is saved only from an approved payment."""

import html
import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import PaymentMethod
from orders.models import Order, OrderStatus, Payment, Refund
from orders.services.refunds import refund_execute, refund_full_payment
from payments.kinds import PaymentKind
from payments.models import SandboxApproval
from tests.support.factories import UserFactory, place_order, subsidiary
from tests.support.orders import charges, ledger_refunds
from tests.support.pages import pay_url, paypal_cancel_url, paypal_return_url, tracking_url

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def page_text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def attempt_of(response) -> str:
    return re.search(r'name="payment_attempt" value="([0-9a-f-]{36})"', response.content.decode())[1]


@pytest.fixture
def customer(client):
    account = UserFactory()
    client.force_login(account)
    return account


def start_paypal(client, order) -> str:
    """Chooses PayPal on the pay page; returns the approval token the sandbox page is for."""
    page = client.get(pay_url(order))
    assert "Continue to PayPal" in page_text(page)
    response = client.post(pay_url(order), {"payment_attempt": attempt_of(page), "action": "paypal"})
    assert response.status_code == 302
    token = re.fullmatch(r"/sandbox/paypal/(sandbox_ap_[0-9a-f]{24})/", response["Location"])[1]
    return token


def approve(client, token: str, email: str = "payer@example.com"):
    return client.post(reverse("sandbox_paypal", args=[token]), {"action": "approve", "email": email})


def test_approve_captures_once_and_saves_the_paypal_account(client, customer):
    order = place_order(account=customer)
    token = start_paypal(client, order)
    assert not Payment.objects.exists() and charges() == 0  # nothing until the payer comes back
    sandbox_page = page_text(client.get(reverse("sandbox_paypal", args=[token])))
    assert (
        "PayPal sandbox" in sandbox_page and "no real money" in sandbox_page and "Approve the payment" in sandbox_page
    )
    approved = approve(client, token)
    assert approved.status_code == 302 and approved["Location"] == "http://testserver" + paypal_return_url(order, token)

    back = client.get(paypal_return_url(order, token))
    assert back.status_code == 302 and back["Location"] == tracking_url(order)
    assert flashed(back) == ["Payment received"]
    order.refresh_from_db()
    assert order.status != OrderStatus.NOT_PAID and charges() == 1
    method = PaymentMethod.objects.get(account=customer)
    assert (method.kind, method.label, method.is_default) == (PaymentKind.PAYPAL, "PayPal payer@example.com", True)
    payment = Payment.objects.get()
    assert (payment.kind, payment.method, payment.status) == (PaymentKind.PAYPAL, method, Payment.Status.SUCCEEDED)

    # Reloading the return URL, or approving again, charges nothing more.
    again = client.get(paypal_return_url(order, token))
    assert again.status_code == 302 and again["Location"] == tracking_url(order)
    assert approve(client, token).status_code == 302
    assert client.get(paypal_return_url(order, token)).status_code == 302
    assert charges() == 1 and Payment.objects.count() == 1 and PaymentMethod.objects.count() == 1

    # A refund goes back to PayPal, through the gateway.
    refund = refund_full_payment(
        order=order, cause=Refund.Cause.REFUSAL, payment=payment, requested_on=timezone.localdate()
    )
    refund = refund_execute(refund_id=refund.pk)
    assert refund.status == Refund.Status.PAID
    (ledger,) = ledger_refunds()
    assert (ledger.kind, ledger.token, ledger.amount) == (PaymentKind.PAYPAL, payment.token, order.total_gross)


def test_the_saved_paypal_account_pays_the_next_order_and_is_kept_once(client, customer):
    first, second = place_order(account=customer), place_order(account=customer)
    token = start_paypal(client, first)
    approve(client, token)
    client.get(paypal_return_url(first, token))
    token = start_paypal(client, second)
    approve(client, token)
    assert client.get(paypal_return_url(second, token)).status_code == 302
    assert Order.objects.filter(status=OrderStatus.NOT_PAID).count() == 0
    assert PaymentMethod.objects.filter(kind=PaymentKind.PAYPAL).count() == 1


def test_cancel_returns_to_the_pay_page_and_charges_nothing(client, customer):
    order = place_order(account=customer)
    token = start_paypal(client, order)
    cancelled = client.post(reverse("sandbox_paypal", args=[token]), {"action": "cancel"})
    assert cancelled.status_code == 302 and cancelled["Location"].endswith(paypal_cancel_url(order, token))
    back = client.get(paypal_cancel_url(order, token))
    assert back.status_code == 302 and back["Location"] == pay_url(order)
    assert flashed(back) == ["You cancelled the payment at PayPal: nothing was charged. You can pay again."]
    assert approve(client, token).status_code == 409  # a cancelled approval cannot be approved afterwards
    refused = client.get(paypal_return_url(order, token))
    assert refused.status_code == 400 and "This PayPal payment was not approved." in page_text(refused)
    assert charges() == 0 and not Payment.objects.exists() and not PaymentMethod.objects.exists()
    assert "Continue to PayPal" in page_text(client.get(pay_url(order)))  # free to pay again


def test_forged_unapproved_foreign_and_expired_tokens_are_refused_and_change_nothing(client, customer, time_machine):
    order = place_order(account=customer)
    token = start_paypal(client, order)
    for name in ("paypal_return", "paypal_cancel"):  # no token: nothing to do but pay
        assert client.get(reverse(f"orders:{name}", args=[order.pk]))["Location"] == pay_url(order)
    for forged in ["", "sandbox_ap_" + "0" * 24, "%00", "x" * 300]:
        response = client.get(reverse("orders:paypal_return", args=[order.pk]) + f"?token={forged}")
        assert response.status_code == 400 and "This PayPal payment is unknown." in page_text(response)
    unapproved = client.get(paypal_return_url(order, token))
    assert unapproved.status_code == 400 and "This PayPal payment was not approved." in page_text(unapproved)
    assert client.get(paypal_cancel_url(order, token)).status_code == 400  # not cancelled either

    other_order = place_order(account=customer)
    approve(client, token)
    foreign = client.get(paypal_return_url(other_order, token))  # approved for another order
    assert foreign.status_code == 400
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(paypal_return_url(order, token)).status_code == 404  # someone else's order
    client.force_login(customer)

    time_machine.move_to(timezone.now() + timedelta(hours=4))
    expired = client.get(paypal_return_url(order, token))
    assert expired.status_code == 400 and "This PayPal approval has expired: pay again." in page_text(expired)
    assert charges() == 0 and not Payment.objects.exists() and not PaymentMethod.objects.exists()
    assert SandboxApproval.objects.get(token=token).state == SandboxApproval.State.APPROVED


def test_the_sandbox_page_needs_a_valid_payer_email_and_a_known_token(client, customer):
    order = place_order(account=customer)
    token = start_paypal(client, order)
    bad = approve(client, token, email="not-an-email")
    assert bad.status_code == 400 and SandboxApproval.objects.get(token=token).state == "created"
    assert client.get(reverse("sandbox_paypal", args=["sandbox_ap_unknown"])).status_code == 404


def test_paypal_is_not_offered_in_tunisia(client):
    account = UserFactory(subsidiary=subsidiary("TN"))
    client.force_login(account)
    order = place_order(account=account)
    page = client.get(pay_url(order))
    assert "Continue to PayPal" not in page_text(page)
    response = client.post(pay_url(order), {"payment_attempt": attempt_of(page), "action": "paypal"})
    assert response.status_code == 400 and "can't be paid with this payment method" in page_text(response)
    assert not SandboxApproval.objects.exists()
