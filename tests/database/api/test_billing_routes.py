"""Payment, debt, bills and registered payment means of an order, as OVHcloud's clients read them.

Shapes follow OVHcloud's me.json (billing.Payment, debt.Debt, billing.BillDetail,
billing.order.RegisteredPaymentMean); the calls follow ovh/terraform-provider-ovh `ovh/order.go`
(free orders: `POST /me/order/{id}/payWithRegisteredPaymentMean {"paymentMean": "fidelityAccount"}`)
and `ovh/config.go` (`GET /auth/details`, read for `account` at start-up).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Order, OrderStatus, Payment
from orders.services.invoices import invoice_issue
from payments.kinds import PaymentKind
from tests.support.api import api_for, assert_error
from tests.support.factories import PaymentMethodFactory, PricingFactory, UserFactory, pay_order, place_order

DB = pytest.mark.django_db(databases=["default", "sandbox"])
DB_COMMIT = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


@pytest.fixture
def customer():
    return UserFactory()


@pytest.fixture
def api(customer):
    return api_for(customer)


def free_order(account):
    return place_order(account=account, pricings=[PricingFactory(price=Decimal("0"), plan__plan_code="vrack-free")])


# --- /auth/details ------------------------------------------------------------------------------------------


@DB
def test_auth_details_names_the_account_terraform_logs_in_as(api, customer):
    """ovh/terraform-provider-ovh ovh/config.go: `c.OVHClient.Get("/auth/details", &details)`, then details.Account."""
    details = api.get("/auth/details").json()
    assert details["account"] == customer.handle
    assert details["method"] == "account"
    assert details["allowedRoutes"] == [{"method": m, "path": "/*"} for m in ("GET", "POST", "PUT", "DELETE")]
    assert details["identities"] == [f"urn:v1:eu:identity:account:{customer.handle}"]


@DB
def test_auth_details_needs_a_consumer_key(api):
    assert_error(api.get("/auth/details", signed=False), 403, "NOT_CREDENTIAL")


# --- availableRegisteredPaymentMean / payWithRegisteredPaymentMean ---------------------------------------


@DB
def test_available_registered_means_are_the_valid_saved_methods(api, customer):
    PaymentMethodFactory(account=customer, kind=PaymentKind.CARD)
    PaymentMethodFactory(account=customer, kind=PaymentKind.SEPA, is_default=False)
    order = place_order(account=customer)
    means = api.get(f"/me/order/{order.pk}/availableRegisteredPaymentMean").json()
    assert means == [{"paymentMean": "creditCard"}, {"paymentMean": "bankAccount"}]


@DB
def test_a_free_order_offers_the_fidelity_account(api, customer):
    order = free_order(customer)
    assert api.get(f"/me/order/{order.pk}/availableRegisteredPaymentMean").json() == [
        {"paymentMean": "fidelityAccount"}
    ]


@DB_COMMIT
def test_terraform_settles_a_free_order_with_the_fidelity_account(api, customer):
    """ovh/order.go: no default payment method and checkout's withoutTax 0 → payWithRegisteredPaymentMean."""
    order = free_order(customer)
    response = api.post(f"/me/order/{order.pk}/payWithRegisteredPaymentMean", {"paymentMean": "fidelityAccount"})
    assert response.status_code == 200 and response.json() is None
    order.refresh_from_db()
    assert order.status in {OrderStatus.CHECKING, OrderStatus.DELIVERING, OrderStatus.DELIVERED}  # paid
    payment = order.payments.get()
    assert payment.kind == PaymentKind.FREE and payment.amount == 0 and payment.method is None
    assert api.get(f"/me/order/{order.pk}/payment").json()["paymentType"] == "free"
    again = api.post(f"/me/order/{order.pk}/payWithRegisteredPaymentMean", {"paymentMean": "fidelityAccount"})
    assert_error(again, 409)


@DB_COMMIT
def test_the_fidelity_account_cannot_pay_an_order_that_costs_something(api, customer):
    order = place_order(account=customer)
    response = api.post(f"/me/order/{order.pk}/payWithRegisteredPaymentMean", {"paymentMean": "fidelityAccount"})
    assert_error(response, 400)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.NOT_PAID
    assert not Payment.objects.filter(order=order).exists()


@DB_COMMIT
def test_pay_with_a_registered_credit_card(api, customer):
    card = PaymentMethodFactory(account=customer)
    order = place_order(account=customer)
    body = {"paymentMean": "creditCard", "paymentMeanId": card.pk}
    assert api.post(f"/me/order/{order.pk}/payWithRegisteredPaymentMean", body).json() is None
    order.refresh_from_db()
    assert order.status != OrderStatus.NOT_PAID
    assert order.payments.get().method == card


@DB_COMMIT
def test_means_that_do_not_apply_are_clear_errors(api, customer):
    card = PaymentMethodFactory(account=customer)
    other = PaymentMethodFactory(account=UserFactory())
    order = place_order(account=customer)
    path = f"/me/order/{order.pk}/payWithRegisteredPaymentMean"
    assert "ovhAccount" in assert_error(api.post(path, {"paymentMean": "ovhAccount"}), 400)["message"]
    assert_error(api.post(path, {"paymentMean": "paypal"}), 400)  # none registered
    assert_error(api.post(path, {"paymentMean": "creditCard", "paymentMeanId": other.pk}), 400)
    assert_error(api.post(path, {"paymentMean": "bitcoin"}), 400)
    assert_error(api.post(path, {}), 400)
    assert not Payment.objects.filter(order=order).exists()
    assert card.pk  # still unused: nothing was charged


@DB
def test_another_customers_order_does_not_exist(api):
    order = place_order()
    for path in ("availableRegisteredPaymentMean", "payment", "debt"):
        assert_error(api.get(f"/me/order/{order.pk}/{path}"), 404)
    response = api.post(f"/me/order/{order.pk}/payWithRegisteredPaymentMean", {"paymentMean": "fidelityAccount"})
    assert_error(response, 404)


# --- payment and debt --------------------------------------------------------------------------------------


@DB
def test_payment_of_a_paid_order_and_404_before(api, customer):
    order = place_order(account=customer)
    assert_error(api.get(f"/me/order/{order.pk}/payment"), 404)
    pay_order(order, kind=PaymentKind.SEPA)
    payment = api.get(f"/me/order/{order.pk}/payment").json()
    assert payment["paymentType"] == "withdrawal"  # billing.PaymentMeanEnum's name for a direct debit
    assert payment["paymentIdentifier"].startswith("ref-")
    assert payment["paymentDate"].endswith("+01:00") or payment["paymentDate"].endswith("+02:00")


@DB
def test_debt_of_an_unpaid_order_and_404_once_paid(api, customer):
    order = place_order(account=customer)
    debt = api.get(f"/me/order/{order.pk}/debt").json()
    assert debt["orderId"] == order.pk
    assert debt["amount"]["value"] == float(order.total_gross) == debt["todoAmount"]["value"]
    assert debt["pendingAmount"]["value"] == 0 and debt["unmaturedAmount"]["value"] == 0
    assert debt["dueDate"] is not None
    pay_order(order)
    assert_error(api.get(f"/me/order/{order.pk}/debt"), 404)


# --- bills ---------------------------------------------------------------------------------------------------


@DB
def test_bill_filters_order_id_and_dates(api, customer):
    first = pay_order(place_order(account=customer))
    second = pay_order(place_order(account=customer))
    bills = [invoice_issue(order_id=order.pk) for order in (first, second)]
    assert api.get("/me/bill").json() == [bill.number for bill in bills]
    assert api.get(f"/me/bill?orderId={second.pk}").json() == [bills[1].number]
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert api.get(f"/me/bill?date.from={tomorrow}").json() == []
    assert api.get(f"/me/bill?date.from={yesterday}&date.to={tomorrow}").json() == [b.number for b in bills]
    assert_error(api.get("/me/bill?orderId=abc"), 400)
    assert_error(api.get("/me/bill?date.to=yesterday"), 400)


@DB
def test_bill_details_are_the_invoice_lines(api, customer):
    pricing = PricingFactory(price=Decimal("29.99"), installation_fee=Decimal("10.00"))
    order = pay_order(place_order(account=customer, pricings=[pricing]))
    bill = invoice_issue(order_id=order.pk)
    ids = api.get(f"/me/bill/{bill.number}/details").json()
    assert ids == ["1", "2"]
    details = [api.get(f"/me/bill/{bill.number}/details/{i}").json() for i in ids]
    assert sorted(d["unitPrice"]["value"] for d in details) == [10.0, 29.99]
    assert all(d["quantity"] == "1" and d["billDetailId"] in ids for d in details)
    assert_error(api.get(f"/me/bill/{bill.number}/details/3"), 404)
    assert_error(api.get(f"/me/bill/{bill.number}/details/x"), 404)
    assert_error(api_for().get(f"/me/bill/{bill.number}/details"), 404)


@DB
def test_new_routes_follow_the_consumer_keys_access_rules(customer):
    """A key granted `GET /me/order/*` reads the order's debt, but may neither pay it nor read /auth/details."""
    order = free_order(customer)
    api = api_for(customer, rules=[{"method": "GET", "path": "/me/order/*"}])
    assert api.get(f"/me/order/{order.pk}/debt").status_code == 200
    pay = api.post(f"/me/order/{order.pk}/payWithRegisteredPaymentMean", {"paymentMean": "fidelityAccount"})
    assert_error(pay, 403, "NOT_GRANTED_CALL")
    assert_error(api.get("/auth/details"), 403, "NOT_GRANTED_CALL")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.NOT_PAID
