"""Paying from the panel through the sandbox gateway, and reordering an expired purchase order."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import PaymentMethod
from accounts.services import payment_method_add
from core.errors import InvalidInput
from core.money import format_money
from orders.models import Cart, OrderStatus, Payment
from payments.kinds import PaymentKind
from tests.support.factories import PaymentMethodFactory, PricingFactory, UserFactory, place_order
from tests.support.orders import charges
from tests.support.pages import pay_url

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

EXPIRED = "This purchase order has expired. If you still want it, you will have to reorder."
IN_PROGRESS = "A payment for this order is already in progress or received."


def page_text(response) -> str:
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.content.decode()))  # keeps Babel's no-break spaces


def attempt_of(response) -> str:
    return re.search(r'name="payment_attempt" value="([0-9a-f-]{36})"', response.content.decode())[1]


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def customer(client):
    account = UserFactory()
    client.force_login(account)
    return account


def test_the_page_shows_the_amount_the_usable_methods_and_the_card_form(client, customer):
    order = place_order(account=customer)
    default = PaymentMethodFactory(account=customer)
    other = PaymentMethodFactory(account=customer, kind=PaymentKind.SEPA, is_default=False)
    expired = PaymentMethodFactory(account=customer, is_default=False, expires_on=timezone.localdate() - timedelta(1))
    response = client.get(pay_url(order))
    text = page_text(response)
    assert response.status_code == 200
    assert format_money(order.total_gross, "EUR", "en") in text
    assert f'id="method-{default.pk}" value="{default.pk}" checked' in text
    assert f'id="method-{other.pk}" value="{other.pk}" required' in text
    assert f'id="method-{expired.pk}"' not in text and f"{expired.label} (expired)" in text
    assert 'name="number"' in text and 'name="exp_month"' in text and 'name="exp_year"' in text
    assert attempt_of(response) in client.session["payment_attempts"]


def test_paying_with_the_saved_card_lands_on_tracking(client, customer):
    order = place_order(account=customer)
    card = PaymentMethodFactory(account=customer)
    response = client.post(
        pay_url(order), {"payment_attempt": attempt_of(client.get(pay_url(order))), "method": card.pk}
    )
    assert response.status_code == 302 and response["Location"] == reverse("orders:tracking", args=[order.pk])
    assert flashed(response) == ["Payment received"]
    order.refresh_from_db()
    assert order.status != OrderStatus.NOT_PAID and charges() == 1


def test_a_double_submit_of_the_same_form_charges_once(client, customer):
    order = place_order(account=customer)
    card = PaymentMethodFactory(account=customer)
    form = {"payment_attempt": attempt_of(client.get(pay_url(order))), "method": card.pk}
    first, second = client.post(pay_url(order), form), client.post(pay_url(order), form)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("orders:tracking", args=[order.pk]) and IN_PROGRESS in flashed(second)
    assert charges() == 1 and Payment.objects.count() == 1


def test_a_resent_form_after_a_decline_charges_nothing_more(client, customer):
    order = place_order(account=customer)
    form = {
        "payment_attempt": attempt_of(client.get(pay_url(order))),
        "action": "card",
        "number": "4000 0000 0000 0002",
        "exp_month": 12,
        "exp_year": timezone.now().year + 1,
    }
    assert "Your card was declined." in page_text(client.post(pay_url(order), form))
    again = client.post(pay_url(order), form)
    assert again.status_code == 302 and again["Location"] == pay_url(order)
    assert charges() == 1


def test_a_new_declined_card_says_so_and_leaves_the_order_unpaid(client, customer):
    order = place_order(account=customer)
    response = client.post(
        pay_url(order),
        {
            "payment_attempt": attempt_of(client.get(pay_url(order))),
            "action": "card",
            "number": "4000000000000002",
            "exp_month": 12,
            "exp_year": timezone.now().year + 1,
            "make_default": "on",
        },
    )
    text = page_text(response)
    assert response.status_code == 200 and 'role="alert"' in text and "Your card was declined." in text
    assert "4000000000000002" not in text  # never echoed back
    order.refresh_from_db()
    assert order.status == OrderStatus.NOT_PAID
    assert not PaymentMethod.objects.filter(account=customer).exists()  # a declined card is never saved
    assert Payment.objects.get().status == Payment.Status.FAILED and Payment.objects.get().method is None
    assert "Visa •••• 0002" not in page_text(client.get(reverse("accounts:payment_methods")))
    assert attempt_of(response) in client.session["payment_attempts"]  # a fresh form to try again
    retry = client.post(
        pay_url(order),
        {
            "payment_attempt": attempt_of(response),
            "action": "card",
            "number": "4242 4242 4242 4242",
            "exp_month": 12,
            "exp_year": timezone.now().year + 1,
        },
    )
    assert retry.status_code == 302 and flashed(retry) == ["Payment received"]
    card = PaymentMethod.objects.get(account=customer)
    assert card.label == "Visa •••• 4242" and card.is_default
    assert Payment.objects.get(status=Payment.Status.SUCCEEDED).method == card


def test_a_new_card_pays_and_invalid_details_charge_nothing(client, customer):
    order = place_order(account=customer)
    bad = client.post(
        pay_url(order),
        {
            "payment_attempt": attempt_of(client.get(pay_url(order))),
            "action": "card",
            "number": "4242 4242 4242 4241",
            "exp_month": 12,
            "exp_year": timezone.now().year + 1,
        },
    )
    assert bad.status_code == 400 and "This card number is not valid." in page_text(bad)
    assert not PaymentMethod.objects.exists() and charges() == 0
    good = client.post(
        pay_url(order),
        {
            "payment_attempt": attempt_of(bad),
            "action": "card",
            "number": "4242 4242 4242 4242",
            "exp_month": 12,
            "exp_year": timezone.now().year + 1,
        },
    )
    assert good.status_code == 302 and flashed(good) == ["Payment received"] and charges() == 1


def test_an_expired_method_is_refused_with_a_clear_message(client, customer):
    order = place_order(account=customer)
    expired = PaymentMethodFactory(account=customer, expires_on=timezone.localdate() - timedelta(days=1))
    response = client.post(
        pay_url(order), {"payment_attempt": attempt_of(client.get(pay_url(order))), "method": expired.pk}
    )
    assert response.status_code == 400
    assert "This payment method has expired or is blocked; choose another one." in page_text(response)
    assert charges() == 0


def test_a_method_not_offered_is_refused(client, customer):
    order = place_order(account=customer)
    transfer = PaymentMethodFactory(account=customer, kind=PaymentKind.BANK_TRANSFER)
    response = client.post(
        pay_url(order), {"payment_attempt": attempt_of(client.get(pay_url(order))), "method": transfer.pk}
    )
    assert "This order can't be paid with this payment method." in page_text(response) and charges() == 0


def test_an_expired_order_cannot_be_paid_and_offers_reorder(client, customer):
    order = place_order(account=customer, now=timezone.now() - timedelta(days=8))
    card = PaymentMethodFactory(account=customer)
    response = client.get(pay_url(order))
    text = page_text(response)
    assert (
        EXPIRED in text and reverse("orders:reorder", args=[order.pk]) in text and 'name="payment_attempt"' not in text
    )
    session = client.session
    session["payment_attempts"] = {"11111111-1111-1111-1111-111111111111": order.pk}
    session.save()
    late = client.post(pay_url(order), {"payment_attempt": "11111111-1111-1111-1111-111111111111", "method": card.pk})
    assert late.status_code == 409 and EXPIRED in page_text(late) and charges() == 0


def test_a_paid_order_is_not_payable(client, customer):
    order = place_order(account=customer)
    client.post(
        pay_url(order),
        {
            "payment_attempt": attempt_of(client.get(pay_url(order))),
            "method": PaymentMethodFactory(account=customer).pk,
        },
    )
    text = page_text(client.get(pay_url(order)))
    assert IN_PROGRESS in text and 'name="payment_attempt"' not in text


def test_a_sepa_debit_is_being_validated(client, customer):
    order = place_order(account=customer)
    sepa = PaymentMethodFactory(account=customer, kind=PaymentKind.SEPA)
    response = client.post(
        pay_url(order), {"payment_attempt": attempt_of(client.get(pay_url(order))), "method": sepa.pk}
    )
    assert response.status_code == 302 and "being validated" in flashed(response)[0]
    assert Payment.objects.get().status == Payment.Status.PENDING


def test_another_customers_order_is_a_404(client, customer):
    order = place_order()
    assert client.get(pay_url(order)).status_code == 404
    assert client.post(pay_url(order), {}).status_code == 404
    assert client.post(reverse("orders:reorder", args=[order.pk])).status_code == 404


def test_payment_method_add_registers_then_saves_and_keeps_one_default(customer):
    first = payment_method_add(
        account=customer,
        kind="card",
        details={"number": "4242424242424242", "exp_month": 1, "exp_year": timezone.now().year + 2},
    )
    second = payment_method_add(
        account=customer, kind="sepaDirectDebit", details={"iban": "FR7630006000011234567890189"}, make_default=False
    )
    assert first.is_default and not second.is_default and first.expires_on.month == 1
    third = payment_method_add(
        account=customer,
        kind="card",
        details={"number": "5555555555554444", "exp_month": 1, "exp_year": 2099},
        make_default=True,
    )
    assert list(customer.payment_methods.filter(is_default=True)) == [third]
    with pytest.raises(InvalidInput, match="PayPal account is saved when you pay"):
        payment_method_add(account=customer, kind="paypal", details={"email": "a@example.com"})
    with pytest.raises(InvalidInput, match=r"Your card was declined\."):
        payment_method_add(
            account=customer, kind="card", details={"number": "4000000000000002", "exp_month": 1, "exp_year": 2099}
        )
    assert customer.payment_methods.count() == 3
    with pytest.raises(InvalidInput):
        payment_method_add(account=customer, kind="bankTransfer", details={})  # not offered to individuals
    with pytest.raises(InvalidInput):
        payment_method_add(account=customer, kind="card", details={"number": "123"})


# --- reorder ------------------------------------------------------------------------------------------


def test_reorder_creates_a_cart_with_the_same_products(client, customer):
    hosting = PricingFactory(price=Decimal("5.00"), installation_fee=Decimal("3.00"))
    domain = PricingFactory(duration="P12M", months=12, pricing_mode="upfront12")
    gone = PricingFactory()
    order = place_order(account=customer, pricings=[hosting, domain, gone], now=timezone.now() - timedelta(days=8))
    gone.plan.active = False
    gone.plan.save()
    response = client.post(reverse("orders:reorder", args=[order.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("ordering:cart")
    cart = Cart.objects.get(account=customer, checked_out_at__isnull=True)
    assert cart.subsidiary_id == customer.subsidiary_id
    assert [(i.pricing, i.quantity) for i in cart.items.order_by("id")] == [(hosting, 1), (domain, 1)]
    messages = flashed(response)
    assert any(order.number in m for m in messages)
    assert any(gone.plan.name_en in m and "left out" in m for m in messages)


def test_reorder_of_an_order_that_has_not_expired_does_nothing(client, customer):
    order = place_order(account=customer)
    carts = Cart.objects.count()
    response = client.post(reverse("orders:reorder", args=[order.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("orders:purchase_order", args=[order.pk])
    assert Cart.objects.count() == carts
    assert flashed(response) == ["Only an expired purchase order can be reordered."]


@pytest.mark.parametrize(
    "back", ["a%00b", "999", "%ED%A0%80", "dashboard", "orders%3Alist", "https%3A%2F%2Fevil.example%2F"]
)
def test_reorder_with_a_next_that_is_not_a_path_goes_back_to_the_order(client, customer, back):
    """`next` is a path of the site or ignored: a bare word (the panel fuzz sent "a\\x00b") was taken by `redirect()`
    for a view name, a 500."""
    order = place_order(account=customer)
    carts = Cart.objects.count()
    url = reverse("orders:reorder", args=[order.pk])
    response = client.post(url, f"next={back}", content_type="application/x-www-form-urlencoded")  # as sent
    assert response.status_code == 302 and response["Location"] == reverse("orders:purchase_order", args=[order.pk])
    assert Cart.objects.count() == carts
    assert flashed(response) == ["Only an expired purchase order can be reordered."]


def test_reorder_keeps_a_next_path_of_the_site(client, customer):
    order = place_order(account=customer)
    response = client.post(reverse("orders:reorder", args=[order.pk]), {"next": "/orders/?status=all"})
    assert response.status_code == 302 and response["Location"] == "/orders/?status=all"
