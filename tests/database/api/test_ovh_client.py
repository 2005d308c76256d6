"""THE PROOF: OVHcloud's official Python client, unchanged but for its endpoint, runs reference §4's flow.

`ovh.client.ENDPOINTS` gets one more entry pointing at the live server; keys come from `create_token`.
"""

import io
import json
import time
from urllib.parse import urlsplit

import ovh
import ovh.client
import pytest
from django.core.management import call_command
from ovh import exceptions

from api.models import ConsumerKey
from catalog.models import Family
from orders.models import Order, OrderStatus, Service, Withdrawal
from tests.support.factories import PaymentMethodFactory, PlanFactory, PricingFactory, UserFactory, place_order
from tests.support.orders import deliver

ENDPOINT = "controlpanel-test"
LIVE = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def create_token(username: str, *rules: str) -> dict:
    out = io.StringIO()
    args = ["create_token", "--customer", username]
    for rule in rules:
        args += ["--rule", rule]
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def endpoint(live_server, settings):
    """The live server registered in the client's ENDPOINTS table, and our public base URL set to it."""
    settings.PUBLIC_BASE_URL = live_server.url
    ovh.client.ENDPOINTS[ENDPOINT] = live_server.url + "/1.0"
    yield ENDPOINT
    ovh.client.ENDPOINTS.pop(ENDPOINT, None)


def client_for(token: dict, endpoint: str = ENDPOINT, **overrides) -> ovh.Client:
    return ovh.Client(
        endpoint=endpoint,
        application_key=overrides.get("application_key", token["application_key"]),
        application_secret=overrides.get("application_secret", token["application_secret"]),
        consumer_key=overrides.get("consumer_key", token["consumer_key"]),
    )


@LIVE
def test_ovh_client_runs_the_whole_order_flow(endpoint):
    account = UserFactory(username="flow")
    card = PaymentMethodFactory(account=account)
    pricing = PricingFactory(subsidiary=account.subsidiary, plan__plan_code="hosting-pro")
    token = create_token("flow", "GET:/*", "POST:/*", "PUT:/*", "DELETE:/*")
    client = client_for(token)

    assert abs(client.get("/auth/time", _need_auth=False) - int(time.time())) < 5
    assert client.get("/me")["ovhSubsidiary"] == "FR"

    cart = client.post("/order/cart", ovhSubsidiary="FR", _need_auth=False)
    cart_id = cart["cartId"]
    assert cart["items"] == [] and cart["readOnly"] is False
    assert client.post(f"/order/cart/{cart_id}/assign") is None

    offers = client.get(f"/order/cart/{cart_id}/webHosting")
    offer = next(o for o in offers if o["planCode"] == "hosting-pro")
    renew = next(p for p in offer["prices"] if "renew" in p["capacities"])
    item = client.post(
        f"/order/cart/{cart_id}/webHosting",
        planCode=offer["planCode"],
        duration=renew["duration"],
        pricingMode=renew["pricingMode"],
        quantity=1,
    )
    assert item["settings"] == {"planCode": "hosting-pro", "pricingMode": "default", "quantity": 1}
    configuration = client.post(
        f"/order/cart/{cart_id}/item/{item['itemId']}/configuration", label="region", value="europe"
    )
    assert configuration["label"] == "region"

    quote = client.get(f"/order/cart/{cart_id}/checkout")
    assert quote["orderId"] is None and quote["url"] is None
    assert quote["prices"]["withoutTax"]["value"] == float(pricing.price)
    assert any("withdraw" in contract["content"].lower() for contract in quote["contracts"])

    placed = client.post(f"/order/cart/{cart_id}/checkout", autoPayWithPreferredPaymentMethod=True)
    order_id = placed["orderId"]
    assert placed["url"].endswith(f"/orders/{order_id}/")
    assert client.get(f"/order/cart/{cart_id}")["readOnly"] is True

    assert client.get("/me/payment/method", default=True) == [card.pk]
    assert client.get("/me/order") == [order_id]
    order = client.get(f"/me/order/{order_id}")
    assert order["orderId"] == order_id and order["password"] == ""
    assert order["priceWithTax"]["currencyCode"] == "EUR"
    assert order["retractionDate"] is not None  # paid by the autopay: the withdrawal period runs
    status = client.get(f"/me/order/{order_id}/status")
    assert status in {"checking", "delivering", "delivered"}
    details = client.get(f"/me/order/{order_id}/details")
    assert details
    detail = client.get(f"/me/order/{order_id}/details/{details[-1]}")
    assert detail["quantity"] == "1"
    extension = client.get(f"/me/order/{order_id}/details/{details[-1]}/extension")
    assert extension["order"]["plan"]["code"] == "hosting-pro"
    assert extension["order"]["configurations"] == [{"label": "region", "value": "europe"}]
    follow_up = client.get(f"/me/order/{order_id}/followUp")
    assert [step["step"] for step in follow_up] == ["VALIDATING", "VALIDATED", "DELIVERING", "AVAILABLE"]

    assert client.post(f"/me/order/{order_id}/retraction", reason="other", comment="changed my mind") is None
    withdrawal = Withdrawal.objects.get(order_id=order_id)
    assert withdrawal.channel == "api" and withdrawal.reason == "other"
    assert Order.objects.get(pk=order_id).status in {OrderStatus.CANCELLING, OrderStatus.CANCELLED}
    assert client.get(f"/me/order/{order_id}/status") in {"cancelling", "cancelled"}
    associated = client.get(f"/me/order/{order_id}/associatedObject")
    assert associated["type"] == "Refund"
    refund = client.get(f"/me/refund/{associated['id']}")
    assert refund["originalBillId"] == client.get("/me/bill")[0]  # the order was invoiced once paid
    assert "/credit-notes/" in refund["url"]  # paid: its credit note
    with pytest.raises(exceptions.ResourceConflictError):
        client.post(f"/me/order/{order_id}/retraction", reason="other")


@LIVE
def test_ovh_client_requests_a_consumer_key_that_the_customer_validates(endpoint, client):
    account = UserFactory(username="granter")
    token = create_token("granter", "GET:/me")
    app_client = ovh.Client(
        endpoint=endpoint, application_key=token["application_key"], application_secret=token["application_secret"]
    )
    validation = app_client.request_consumerkey([{"method": "GET", "path": "/me"}])
    assert validation["state"] == "pendingValidation"
    with pytest.raises(exceptions.InvalidCredential):
        app_client.get("/me")  # not validated yet

    client.force_login(account)
    path = urlsplit(validation["validationUrl"]).path
    page = client.get(path)
    assert page.status_code == 200 and b"GET /me" in page.content
    assert client.post(path, {"validity": "1h", "action": "validate"}).status_code == 302
    assert ConsumerKey.objects.get(consumer_key=validation["consumerKey"]).expires_at is not None
    assert app_client.get("/me")["nichandle"] == account.handle


@LIVE
def test_each_auth_failure_is_the_clients_own_exception(endpoint):
    UserFactory(username="fails")
    token = create_token("fails", "GET:/me")

    with pytest.raises(exceptions.InvalidKey):
        client_for(token, application_key="unknownapplicationkey").get("/me")
    with pytest.raises(exceptions.InvalidCredential):
        client_for(token, consumer_key="x" * 32).get("/me")
    with pytest.raises(exceptions.NotGrantedCall):
        client_for(token).get("/me/order")
    with pytest.raises(exceptions.BadParametersError, match="Invalid signature"):
        client_for(token, application_secret="wrong-secret").get("/me")
    with pytest.raises(exceptions.NotCredential):
        client_for(token).get("/me", _need_auth=False)
    with pytest.raises(exceptions.ResourceNotFoundError):
        client_for(token).get("/no/such/route", _need_auth=False)

    ConsumerKey.objects.filter(consumer_key=token["consumer_key"]).update(allowed_ips=["192.0.2.0/24"])
    with pytest.raises(exceptions.Forbidden):
        client_for(token).get("/me")
    ConsumerKey.objects.filter(consumer_key=token["consumer_key"]).update(allowed_ips=["127.0.0.0/8"])

    stale = client_for(token)
    stale._time_delta = -3600  # the client's clock an hour late
    with pytest.raises(exceptions.BadParametersError, match="Query out of time"):
        stale.get("/me")


@LIVE
def test_ovh_client_orders_a_domain_name_as_ovhclouds_order_cart_examples_do(endpoint):
    """Search a name, read its offer's TOTAL, add it with its offerId, check out, pay: the service bears the name."""
    account = UserFactory(username="registrant")
    PaymentMethodFactory(account=account)
    place_order(account=account)  # not a first order: no manual validation
    plan = PlanFactory(plan_code="com", family=Family.DOMAIN, excludable=True)
    PricingFactory(plan=plan, subsidiary=account.subsidiary, duration="P12M", months=12, price="10.99")
    client = client_for(create_token("registrant", "GET:/*", "POST:/*"))

    cart_id = client.post("/order/cart", ovhSubsidiary="FR", _need_auth=False)["cartId"]
    client.post(f"/order/cart/{cart_id}/assign")
    assert client.get(f"/order/cart/{cart_id}/domain", domain="taken.com")[0]["orderable"] is False
    with pytest.raises(exceptions.BadParametersError, match="domain"):
        client.get(f"/order/cart/{cart_id}/domain", domain="not a name")
    offer = client.get(f"/order/cart/{cart_id}/domain", domain="my-shop.com")[0]
    assert offer["orderable"] is True and offer["phase"] == "normal"
    total = next(price["price"]["text"] for price in offer["prices"] if price["label"] == "TOTAL")
    assert total == "€10.99"
    item = client.post(f"/order/cart/{cart_id}/domain", domain="my-shop.com", offerId=offer["offerId"])
    assert item["settings"]["domain"] == "my-shop.com"

    placed = client.post(f"/order/cart/{cart_id}/checkout", autoPayWithPreferredPaymentMethod=True)
    order = deliver(Order.objects.get(pk=placed["orderId"]))
    assert client.get(f"/me/order/{order.pk}/status") == "delivered"
    assert Service.objects.get(origin_line__order=order).name == "my-shop.com"
    details = client.get(f"/me/order/{order.pk}/details")
    assert {client.get(f"/me/order/{order.pk}/details/{d}")["domain"] for d in details} == {"my-shop.com"}
