"""Download my data: the customer's own data only, no secrets, machine-readable, behind the password."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.credentials import token_create
from api.models import ApiApplication, ConsumerKey
from orders.models import OrderStatus, Payment, Refund, SupportingDocument
from orders.services.validation import order_validate
from privacy.data_export import SCHEMA, SCHEMA_VERSION
from tests.support.factories import (
    PaymentMethodFactory,
    PricingFactory,
    SupportingDocumentFactory,
    UserFactory,
    pay_order,
    place_order,
)
from tests.support.orders import withdrawn_order

DB = pytest.mark.django_db(databases=["default", "sandbox"])
LIVE_DB = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
EXPORT = "privacy:data_export"


def download(client, password: str = "demo"):
    return client.post(reverse(EXPORT), {"password": password})


@LIVE_DB
def test_the_export_holds_the_customers_data_and_nobody_elses(client):
    customer = UserFactory(first_name="Jeanne", last_name="Durand", phone="+33 1 00 00 00 00")
    order = withdrawn_order(customer)
    SupportingDocumentFactory(order=order)
    keys = token_create(account=customer, rules=[{"method": "GET", "path": "/*"}])
    other = UserFactory(first_name="Bruno", last_name="Other")
    other_order = withdrawn_order(other)
    other_keys = token_create(account=other, rules=[{"method": "GET", "path": "/*"}])

    client.force_login(customer)
    response = download(client)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == (
        f'attachment; filename="controlpanel-data-{customer.handle}-{timezone.now().date().isoformat()}.json"'
    )
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    data = json.loads(body)

    assert (data["schema"], data["schema_version"]) == (SCHEMA, SCHEMA_VERSION)
    assert data["account"]["handle"] == customer.handle and data["account"]["phone"] == "+33 1 00 00 00 00"
    assert data["account"]["subsidiary"] == {"code": "FR", "name": customer.subsidiary.name, "currency": "EUR"}
    assert [m["label"] for m in data["payment_methods"]] == ["Visa •••• 4242"]
    [exported] = data["orders"]
    assert exported["number"] == order.number and exported["status"] == "cancelled"
    assert exported["total_gross"] == str(order.total_gross.quantize(Decimal("0.01")))
    assert exported["created_at"] == order.created_at.isoformat() and exported["created_at"].endswith("+00:00")
    assert exported["billing"]["name"] == "Jeanne Durand"
    assert exported["lines"][0]["gross_amount"] == exported["total_gross"]
    assert {"ORDER_STARTED", "WITHDRAWAL_REQUESTED", "INVOICE_SENT"} <= {e["label"] for e in exported["events"]}
    assert [p["status"] for p in exported["payments"]] == ["succeeded"]
    assert exported["consents"] and exported["consents"][0]["text"]
    assert exported["withdrawal"]["comment"] == "Changed my mind"
    assert exported["withdrawal"]["lines"][0]["amount"] == exported["total_gross"]
    [refund] = exported["refunds"]
    assert refund["status"] == "paid" and refund["credit_note"]["number"].startswith("CN-FR-")
    assert exported["invoice"]["number"] == order.invoice.number
    assert exported["supporting_documents"] == [
        {
            "original_name": "passport.pdf",
            "content_type": "application/pdf",
            "size": 1234,
            "uploaded_at": SupportingDocument.objects.get().uploaded_at.isoformat(),
            "deleted_at": None,
        }
    ]
    [application] = data["api_applications"]
    assert application["application_key"] == keys["application_key"]
    assert [k["state"] for k in data["api_consumer_keys"]] == ["validated"]

    # Nobody else's data.
    assert other_order.number != order.number
    for foreign in (other.email, other.handle, "Bruno", other_keys["application_key"]):
        assert foreign not in body
    assert [o["number"] for o in data["orders"]] == [order.number]

    # No secret: API secret and consumer key, gateway tokens, idempotency keys, card number.
    secrets = [keys["application_secret"], keys["consumer_key"], "4242424242424242"]
    secrets += [ConsumerKey.objects.get(consumer_key=keys["consumer_key"]).validation_token]
    secrets += [ApiApplication.objects.get(account=customer).application_secret_encrypted]
    secrets += list(customer.payment_methods.values_list("token", flat=True))
    secrets += list(Payment.objects.filter(order=order).values_list("idempotency_key", flat=True))
    secrets += list(Refund.objects.filter(order=order).values_list("idempotency_key", flat=True))
    secrets += [customer.password]
    for secret in secrets:
        assert secret and secret not in body


@DB
def test_the_password_is_asked_again_and_a_wrong_one_produces_nothing(client):
    customer = UserFactory()
    client.force_login(customer)
    page = client.get(reverse(EXPORT))
    assert page.status_code == 200 and b'autocomplete="current-password"' in page.content
    assert "Content-Disposition" not in page
    for password in ("wrong", ""):
        response = download(client, password)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        assert "Content-Disposition" not in response
        assert "password" in response.context["form"].errors
        assert b'aria-describedby="id_password_helptext id_password_error"' in response.content


@DB
def test_the_export_needs_a_login(client):
    response = client.post(reverse(EXPORT), {"password": "demo"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@DB
def test_the_export_enforces_csrf():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    assert download(client).status_code == 403


@DB
def test_the_export_takes_the_same_queries_for_1_or_20_orders(client, django_assert_max_num_queries):
    customer = UserFactory()
    PaymentMethodFactory(account=customer)
    token_create(account=customer, rules=[{"method": "GET", "path": "/*"}])
    pricings = [PricingFactory(), PricingFactory(installation_fee=Decimal("5.00"))]

    def add_orders(count: int) -> None:
        for _ in range(count):
            order = pay_order(place_order(account=customer, pricings=pricings))
            if order.status == OrderStatus.CHECKING:
                order_validate(order_id=order.pk, staff=None)

    client.force_login(customer)
    add_orders(1)
    with django_assert_max_num_queries(16):
        assert len(json.loads(download(client).content)["orders"]) == 1
    add_orders(19)
    with django_assert_max_num_queries(16):
        orders = json.loads(download(client).content)["orders"]
    assert len(orders) == 20 and all(len(o["lines"]) == 3 and o["payments"] for o in orders)
