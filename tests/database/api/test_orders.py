"""The /1.0/ routes: OVHcloud's shapes, scoping to the key's account, bodies, errors and edges."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import routes_me
from catalog.models import Family
from orders import history
from orders.models import Cart, CartItem, Consent, Order, OrderStatus, Withdrawal
from orders.services.invoices import invoice_issue
from tests.support.api import Api, api_for, assert_error
from tests.support.factories import (
    PaymentMethodFactory,
    PlanFactory,
    PricingFactory,
    UserFactory,
    pay_order,
    place_order,
)

DB = pytest.mark.django_db(databases=["default", "sandbox"])
# The gateway is never called inside a transaction: tests that pay commit for real.
DB_COMMIT = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def is_price(value) -> bool:
    return set(value) == {"currencyCode", "text", "value", "priceInUcents"} and isinstance(value["priceInUcents"], int)


@pytest.fixture
def customer():
    return UserFactory()


@pytest.fixture
def api(customer):
    return api_for(customer)


@pytest.fixture
def pricing():
    return PricingFactory(price=Decimal("29.99"), installation_fee=Decimal("10.00"), plan__plan_code="hosting-perso")


# --- /me -------------------------------------------------------------------------------------------------


@DB
def test_me_has_nichandle_fields(api, customer):
    me = api.get("/me").json()
    assert me["nichandle"] == customer.handle
    assert me["ovhSubsidiary"] == "FR" and me["legalform"] == "individual"
    assert me["currency"] == {"code": "EUR", "symbol": "€"}
    assert me["language"] == "en_GB"  # English speaker in the French subsidiary
    assert me["firstname"] == "Alice" and me["name"] == "Martin" and me["zip"] == "75002"
    assert me["state"] == "complete"


@DB
def test_payment_method_filters(api, customer):
    card = PaymentMethodFactory(account=customer)
    sepa = PaymentMethodFactory(account=customer, kind="sepaDirectDebit", is_default=False)
    assert api.get("/me/payment/method").json() == [card.pk, sepa.pk]
    assert api.get("/me/payment/method?default=true").json() == [card.pk]
    assert api.get("/me/payment/method?default=false").json() == [sepa.pk]
    assert api.get("/me/payment/method?paymentType=SEPA_DIRECT_DEBIT").json() == [sepa.pk]
    assert api.get("/me/payment/method?status=VALID").json() == [card.pk, sepa.pk]
    assert_error(api.get("/me/payment/method?default=maybe"), 400)
    assert "paymentType" in assert_error(api.get("/me/payment/method?paymentType=CASH"), 400)["message"]
    method = api.get(f"/me/payment/method/{card.pk}").json()
    assert method["paymentType"] == "CREDIT_CARD" and method["default"] is True
    other = PaymentMethodFactory()
    assert_error(api.get(f"/me/payment/method/{other.pk}"), 404)


# --- /me/order -------------------------------------------------------------------------------------------


@DB
def test_order_list_ids_ascending_with_date_filters(api, customer, pricing):
    now = timezone.now()
    old = place_order(account=customer, pricings=[pricing], now=now - timedelta(days=10))
    new = place_order(account=customer, pricings=[pricing], now=now)
    place_order(pricings=[pricing])  # someone else's
    assert api.get("/me/order").json() == [old.pk, new.pk]
    since = (now - timedelta(days=1)).isoformat().replace("+", "%2B")
    assert api.get(f"/me/order?date.from={since}").json() == [new.pk]
    assert api.get(f"/me/order?date.to={since}").json() == [old.pk]
    assert "date.from" in assert_error(api.get("/me/order?date.from=soon"), 400)["message"]


@DB
def test_order_shape(api, customer, pricing):
    order = place_order(account=customer, pricings=[pricing])
    body = api.get(f"/me/order/{order.pk}").json()
    assert body["orderId"] == order.pk and body["password"] == ""
    assert body["url"] == settings.PUBLIC_BASE_URL + reverse("orders:purchase_order", args=[order.pk])
    assert body["pdfUrl"] == settings.PUBLIC_BASE_URL + reverse("orders:purchase_order_pdf", args=[order.pk])
    assert ISO_WITH_OFFSET.match(body["date"]) and body["date"].endswith(("+01:00", "+02:00"))  # Paris time
    assert ISO_WITH_OFFSET.match(body["expirationDate"])
    assert body["retractionDate"] is None  # unpaid: not withdrawable
    assert is_price(body["priceWithTax"]) and body["priceWithTax"]["value"] == float(order.total_gross)
    assert body["priceWithoutTax"]["value"] == 39.99 and body["tax"]["value"] == float(order.total_vat)
    assert api.get(f"/me/order/{order.pk}/status").json() == "notPaid"

    paid = pay_order(order)
    body = api.get(f"/me/order/{paid.pk}").json()
    assert ISO_WITH_OFFSET.match(body["retractionDate"])


@DB
def test_expired_unpaid_order_status_is_cancelled(api, customer, pricing):
    order = place_order(account=customer, pricings=[pricing], now=timezone.now() - timedelta(days=30))
    assert api.get(f"/me/order/{order.pk}/status").json() == "cancelled"


@DB
def test_details_extension_and_follow_up(api, customer, pricing):
    order = pay_order(place_order(account=customer, pricings=[pricing]))
    ids = api.get(f"/me/order/{order.pk}/details").json()
    lines = list(order.lines.order_by("pk"))
    assert ids == [line.pk for line in lines]
    installation, rental = (api.get(f"/me/order/{order.pk}/details/{i}").json() for i in ids)
    assert installation["detailType"] == "INSTALLATION" and rental["detailType"] == "DURATION"
    assert rental["quantity"] == "1" and rental["cancelled"] is False
    assert rental["domain"] in {"*"} or rental["domain"]  # a service name once delivered
    assert is_price(rental["unitPrice"]) and rental["totalPrice"]["value"] == 29.99
    extension = api.get(f"/me/order/{order.pk}/details/{ids[1]}/extension").json()
    assert extension["order"]["action"] == "installation" and extension["order"]["type"] == "plan"
    assert extension["order"]["plan"] == {
        "code": "hosting-perso",
        "duration": "P1M",
        "pricingMode": "default",
        "quantity": 1,
        "product": {"name": "webHosting"},
    }
    steps = api.get(f"/me/order/{order.pk}/followUp").json()
    assert [s["step"] for s in steps] == ["VALIDATING", "VALIDATED", "DELIVERING", "AVAILABLE"]
    labels = {event["label"] for step in steps for event in step["history"]}
    assert labels and labels <= history.OVH_LABELS
    assert all(ISO_WITH_OFFSET.match(e["date"]) and e["description"] for s in steps for e in s["history"])
    other = place_order(pricings=[pricing])
    assert_error(api.get(f"/me/order/{order.pk}/details/{other.lines.first().pk}"), 404)


@DB
def test_another_customers_order_is_404_everywhere(api, pricing):
    order = pay_order(place_order(pricings=[pricing]))
    detail = order.lines.first().pk
    for path in [
        "",
        "/status",
        "/followUp",
        "/details",
        f"/details/{detail}",
        f"/details/{detail}/extension",
        "/associatedObject",
        "/paymentMethods",
    ]:
        assert_error(api.get(f"/me/order/{order.pk}{path}"), 404)
    assert_error(api.post(f"/me/order/{order.pk}/retraction", {"reason": "other"}), 404)
    assert_error(api.post(f"/me/order/{order.pk}/waiveRetraction"), 404)
    assert_error(api.post(f"/me/order/{order.pk}/pay", {"paymentMethod": {"id": 1}}), 404)
    assert not Withdrawal.objects.exists()
    assert_error(api.get("/me/order/123456789012345678901234"), 404)  # too long for an id: still 404


@DB_COMMIT
def test_payment_methods_and_pay(api, customer, pricing):
    card = PaymentMethodFactory(account=customer)
    order = place_order(account=customer, pricings=[pricing])
    methods = api.get(f"/me/order/{order.pk}/paymentMethods").json()
    assert methods["registered"] == [card.pk]
    assert {m["paymentType"] for m in methods["available"]} >= {"CREDIT_CARD", "SEPA_DIRECT_DEBIT", "PAYPAL"}
    assert "BANK_TRANSFER" not in {m["paymentType"] for m in methods["available"]}  # individuals
    assert methods["paymentMethods"][0]["paymentMethodId"] == card.pk

    assert "paymentMethod" in assert_error(api.post(f"/me/order/{order.pk}/pay", {}), 400)["message"]
    assert_error(api.post(f"/me/order/{order.pk}/pay", {"paymentMethod": {"id": "one"}}), 400)
    someone_elses = api.post(f"/me/order/{order.pk}/pay", {"paymentMethod": {"id": PaymentMethodFactory().pk}})
    assert "registered one (/me/payment/method)" in assert_error(someone_elses, 400)["message"]
    response = api.post(f"/me/order/{order.pk}/pay", {"paymentMethod": {"id": card.pk}})
    assert response.status_code == 200 and response.json() is None
    order.refresh_from_db()
    assert order.paid_at is not None and order.status != OrderStatus.NOT_PAID
    assert_error(api.post(f"/me/order/{order.pk}/pay", {"paymentMethod": {"id": card.pk}}), 409)


@DB
@pytest.mark.parametrize("raw", ["", "{}", "null"])
def test_waive_retraction_accepts_empty_bodies(api, customer, pricing, raw):
    order = place_order(account=customer, pricings=[pricing])
    response = api.call("POST", f"/me/order/{order.pk}/waiveRetraction", raw=raw)
    assert response.status_code == 200 and response.json() is None
    consent = Consent.objects.get(order=order, kind=Consent.Kind.EXPRESS_REQUEST)
    assert consent.channel == "api" and consent.application_key == api.token["application_key"]
    assert consent.consumer_key == api.token["consumer_key"] and consent.ip == "127.0.0.1"


@DB
def test_bad_json_is_400(api, customer, pricing):
    order = place_order(account=customer, pricings=[pricing])
    assert (
        "JSON" in assert_error(api.call("POST", f"/me/order/{order.pk}/waiveRetraction", raw="{nope"), 400)["message"]
    )
    assert_error(api.call("POST", f"/me/order/{order.pk}/retraction", raw="[1, 2]"), 400)


@DB
def test_retraction(api, customer, pricing):
    order = pay_order(place_order(account=customer, pricings=[pricing]))
    assert "reason" in assert_error(api.post(f"/me/order/{order.pk}/retraction", {}), 400)["message"]
    assert "reason" in assert_error(api.post(f"/me/order/{order.pk}/retraction", {"reason": "bored"}), 400)["message"]
    assert_error(api.post(f"/me/order/{order.pk}/retraction", {"reason": "other", "comment": 5}), 400)
    assert_error(api.get(f"/me/order/{order.pk}/associatedObject"), 404)  # not invoiced yet
    invoice = invoice_issue(order_id=order.pk)  # what the worker does after the payment
    bill = api.get(f"/me/order/{order.pk}/associatedObject").json()
    assert bill == {"id": invoice.number, "type": "Bill"}
    response = api.post(f"/me/order/{order.pk}/retraction", {"reason": "expensive", "comment": "too much"})
    assert response.status_code == 200 and response.json() is None
    withdrawal = Withdrawal.objects.get(order=order)
    assert (withdrawal.channel, withdrawal.reason, withdrawal.comment) == ("api", "expensive", "too much")
    assert withdrawal.actor == customer
    assert api.get(f"/me/order/{order.pk}/status").json() in {"cancelling", "cancelled"}
    assert api.get(f"/me/order/{order.pk}").json()["retractionDate"] is None
    associated = api.get(f"/me/order/{order.pk}/associatedObject").json()
    assert associated["type"] == "Refund"
    refund = api.get(f"/me/refund/{associated['id']}").json()
    assert refund["orderId"] == order.pk and is_price(refund["priceWithTax"])
    assert refund["priceWithTax"]["value"] == float(order.total_gross)  # never delivered: in full
    assert api.get("/me/refund").json() == [int(associated["id"])]
    assert refund["originalBillId"] == bill["id"]
    bill_json = api.get(f"/me/bill/{bill['id']}").json()
    assert bill_json["orderId"] == order.pk and bill_json["pdfUrl"].endswith(f"/orders/{order.pk}/bill/pdf/")
    assert bill_json["priceWithTax"]["value"] == float(order.total_gross)
    assert api.get("/me/bill").json() == [bill["id"]]
    assert_error(api.get("/me/bill/IN-FR-9999999"), 404)
    assert_error(api.post(f"/me/order/{order.pk}/retraction", {"reason": "other"}), 409)
    details = [
        api.get(f"/me/order/{order.pk}/details/{i}").json() for i in api.get(f"/me/order/{order.pk}/details").json()
    ]
    assert all(d["cancelled"] for d in details)


@DB
def test_retraction_of_an_unpaid_order_is_409(api, customer, pricing):
    order = place_order(account=customer, pricings=[pricing])
    assert_error(api.post(f"/me/order/{order.pk}/retraction", {"reason": "other"}), 409)


@DB
def test_another_customers_refund_is_404(api, pricing):
    order = pay_order(place_order(pricings=[pricing]))
    other = api_for(order.account)
    other.post(f"/me/order/{order.pk}/retraction", {"reason": "other"})
    refund_id = order.refunds.get().pk
    assert other.get(f"/me/refund/{refund_id}").status_code == 200
    assert_error(api.get(f"/me/refund/{refund_id}"), 404)


# --- carts ------------------------------------------------------------------------------------------------------


@DB
def test_cart_lifecycle_and_shapes(api, customer, pricing):
    anonymous = Api(Client())
    created = anonymous.post("/order/cart", {"ovhSubsidiary": "fr", "description": "my cart"})
    assert created.status_code == 200
    cart = created.json()
    assert set(cart) == {"cartId", "description", "expire", "items", "readOnly"}
    assert cart["description"] == "my cart" and cart["items"] == [] and cart["readOnly"] is False
    assert ISO_WITH_OFFSET.match(cart["expire"])
    cart_id = cart["cartId"]

    offers = anonymous.get(f"/order/cart/{cart_id}/webHosting").json()
    offer = next(o for o in offers if o["planCode"] == "hosting-perso")
    assert offer["productName"] == pricing.plan.name_fr  # an anonymous cart speaks its subsidiary's language
    capacities = {tuple(p["capacities"]): p for p in offer["prices"]}
    assert capacities[("installation",)]["price"]["value"] == 10.0
    renew = capacities[("renew",)]
    assert renew["duration"] == "P1M" and renew["pricingMode"] == "default" and renew["priceInUcents"] == 2999000000
    assert anonymous.get(f"/order/cart/{cart_id}/webHosting?planCode=nope").json() == []
    assert "domain" in assert_error(anonymous.get(f"/order/cart/{cart_id}/domain"), 400)["message"]  # its own route
    assert_error(anonymous.get(f"/order/cart/{cart_id}/vps"), 404)

    add = {"planCode": "hosting-perso", "duration": "P1M", "pricingMode": "default", "quantity": 2}
    assert "planCode" in assert_error(anonymous.post(f"/order/cart/{cart_id}/cloud", add), 400)["message"]
    assert (
        "quantity"
        in assert_error(anonymous.post(f"/order/cart/{cart_id}/webHosting", {**add, "quantity": "2"}), 400)["message"]
    )
    assert (
        "duration"
        in assert_error(anonymous.post(f"/order/cart/{cart_id}/webHosting", {**add, "duration": "P7Y"}), 400)["message"]
    )
    item = anonymous.post(f"/order/cart/{cart_id}/webHosting", add).json()
    assert item["cartId"] == cart_id and item["productId"] == "webHosting" and item["options"] == []
    assert item["settings"] == {"planCode": "hosting-perso", "pricingMode": "default", "quantity": 2}
    prices = {p["label"]: p["price"]["value"] for p in item["prices"]}
    assert prices == {"PRICE": 59.98, "FEE": 20.0, "RENEW": 59.98, "TOTAL": 79.98}
    item_id = item["itemId"]
    assert anonymous.get(f"/order/cart/{cart_id}/item").json() == [item_id]
    assert anonymous.get(f"/order/cart/{cart_id}/item/{item_id}").json() == item
    assert anonymous.get(f"/order/cart/{cart_id}").json()["items"] == [item_id]
    assert anonymous.get(f"/order/cart/{cart_id}/item/{item_id}/requiredConfiguration").json() == []

    base = f"/order/cart/{cart_id}/item/{item_id}/configuration"
    first = anonymous.post(base, {"label": "region", "value": "europe"}).json()
    second = anonymous.post(base, {"label": "os", "value": "debian"}).json()
    assert first == {"id": 1, "label": "region", "value": "europe"} and second["id"] == 2
    assert "value" in assert_error(anonymous.post(base, {"label": "x"}), 400)["message"]
    assert anonymous.get(base).json() == [1, 2]
    assert anonymous.get(f"{base}/2").json() == second
    assert anonymous.delete(f"{base}/1").json() is None
    assert_error(anonymous.get(f"{base}/1"), 404)
    assert CartItem.objects.get(pk=item_id).configurations == {"2": {"label": "os", "value": "debian"}}

    summary = anonymous.get(f"/order/cart/{cart_id}/summary").json()
    assert summary["orderId"] is None and summary["url"] is None and summary["contracts"] == []
    quote = anonymous.get(f"/order/cart/{cart_id}/checkout", headers={"Accept-Language": "en"}).json()
    assert quote["prices"]["withoutTax"]["value"] == 79.98
    assert quote["prices"]["withTax"]["value"] == 95.98 and quote["prices"]["reduction"]["value"] == 0
    assert [(d["detailType"], d["quantity"], d["domain"]) for d in quote["details"]] == [
        ("INSTALLATION", 2, "*"),
        ("DURATION", 2, "*"),
    ]
    assert all(d["cartItemID"] == item_id and d["reductions"] == [] for d in quote["details"])
    contents = " ".join(c["content"] for c in quote["contracts"])
    assert "You have the right to withdraw from this contract within 14 days" in contents
    assert "Model withdrawal form" in contents and "I expressly request" in contents
    french = anonymous.get(f"/order/cart/{cart_id}/checkout").json()  # the subsidiary's language
    assert "Vous avez le droit de vous rétracter" in " ".join(c["content"] for c in french["contracts"])
    assert all(c["name"] and c["url"].startswith(settings.PUBLIC_BASE_URL) for c in quote["contracts"])

    updated = anonymous.put(f"/order/cart/{cart_id}", {"description": "renamed"}).json()
    assert updated["description"] == "renamed"
    assert_error(anonymous.put(f"/order/cart/{cart_id}", {"expire": "2001-01-01T00:00:00Z"}), 400)

    # checkout needs a signed call, and an assigned cart
    assert_error(anonymous.post(f"/order/cart/{cart_id}/checkout"), 403, "NOT_CREDENTIAL")
    assert_error(api.post(f"/order/cart/{cart_id}/checkout"), 409)
    assert api.post(f"/order/cart/{cart_id}/assign").json() is None
    assert_error(anonymous.get(f"/order/cart/{cart_id}"), 404)  # now the account's
    placed = api.call("POST", f"/order/cart/{cart_id}/checkout", raw="null").json()
    order = Order.objects.get(pk=placed["orderId"])
    assert order.account == customer and order.status == OrderStatus.NOT_PAID
    assert placed["url"] == settings.PUBLIC_BASE_URL + reverse("orders:purchase_order", args=[order.pk])
    assert placed["prices"]["withTax"]["value"] == float(order.total_gross) == 95.98
    assert placed["contracts"]
    consent = Consent.objects.get(order=order, kind=Consent.Kind.INFORMATION_GIVEN)
    assert consent.channel == "api" and consent.consumer_key == api.token["consumer_key"]
    assert not Consent.objects.filter(order=order, kind=Consent.Kind.EXPRESS_REQUEST).exists()
    assert order.lines.get(kind="DURATION").configurations == {"2": {"label": "os", "value": "debian"}}

    assert api.get(f"/order/cart/{cart_id}").json()["readOnly"] is True
    assert_error(api.post(f"/order/cart/{cart_id}/checkout"), 409)
    assert_error(api.post(f"/order/cart/{cart_id}/webHosting", add), 409)
    assert_error(api.post(f"{base}", {"label": "a", "value": "b"}), 409)
    assert_error(api.delete(f"/order/cart/{cart_id}/item/{item_id}"), 409)
    assert api.delete(f"/order/cart/{cart_id}").json() is None
    assert_error(api.get(f"/order/cart/{cart_id}"), 404)
    assert Order.objects.filter(pk=order.pk).exists()


@DB_COMMIT
def test_checkout_with_waiver_and_autopay(api, customer, pricing):
    PaymentMethodFactory(account=customer)
    cart_id = api.post("/order/cart", {"ovhSubsidiary": "FR"}).json()["cartId"]
    api.post(f"/order/cart/{cart_id}/webHosting", {"planCode": "hosting-perso", "duration": "P1M"})
    api.post(f"/order/cart/{cart_id}/assign", raw="")
    placed = api.post(
        f"/order/cart/{cart_id}/checkout", {"autoPayWithPreferredPaymentMethod": True, "waiveRetractationPeriod": True}
    ).json()
    order = Order.objects.get(pk=placed["orderId"])
    assert order.paid_at is not None
    assert Consent.objects.filter(order=order, kind=Consent.Kind.EXPRESS_REQUEST).exists()


@DB_COMMIT
def test_autopay_failure_leaves_the_order_unpaid(api, customer, pricing):
    method = PaymentMethodFactory(account=customer)
    type(method).objects.filter(pk=method.pk).update(status="BLOCKED")
    cart_id = api.post("/order/cart", {"ovhSubsidiary": "FR"}).json()["cartId"]
    api.post(f"/order/cart/{cart_id}/webHosting", {"planCode": "hosting-perso", "duration": "P1M"})
    api.post(f"/order/cart/{cart_id}/assign")
    response = api.post(f"/order/cart/{cart_id}/checkout", {"autoPayWithPreferredPaymentMethod": True})
    assert response.status_code == 200
    order = Order.objects.get(pk=response.json()["orderId"])
    assert order.status == OrderStatus.NOT_PAID and order.paid_at is None


@DB
def test_checkout_body_types_are_checked(api, customer, pricing):
    cart_id = api.post("/order/cart", {"ovhSubsidiary": "FR"}).json()["cartId"]
    response = api.post(f"/order/cart/{cart_id}/checkout", {"autoPayWithPreferredPaymentMethod": "yes"})
    assert "autoPayWithPreferredPaymentMethod" in assert_error(response, 400)["message"]
    assert_error(api.post(f"/order/cart/{cart_id}/checkout", {}), 409)  # not assigned yet
    api.post(f"/order/cart/{cart_id}/assign")
    assert "cartId" in assert_error(api.post(f"/order/cart/{cart_id}/checkout", {}), 400)["message"]  # empty cart
    assert not Order.objects.exists()
    assert Cart.objects.get(pk=cart_id).checked_out_at is None


@DB
def test_another_customers_cart_is_404(api, pricing):
    owner = api_for()
    cart_id = owner.post("/order/cart", {"ovhSubsidiary": "FR"}).json()["cartId"]
    item = owner.post(f"/order/cart/{cart_id}/webHosting", {"planCode": "hosting-perso", "duration": "P1M"}).json()
    assert api.get(f"/order/cart/{cart_id}").status_code == 200  # anonymous cart: anyone with its id
    owner.post(f"/order/cart/{cart_id}/assign")
    for path in ["", "/item", f"/item/{item['itemId']}", "/summary", "/checkout", "/webHosting"]:
        assert_error(api.get(f"/order/cart/{cart_id}{path}"), 404)
    assert_error(api.post(f"/order/cart/{cart_id}/assign"), 404)
    assert_error(api.post(f"/order/cart/{cart_id}/checkout"), 404)
    assert_error(api.delete(f"/order/cart/{cart_id}"), 404)
    assert_error(api.put(f"/order/cart/{cart_id}", {"description": "mine"}), 404)
    assert Cart.objects.filter(pk=cart_id).exists()
    assert api.get("/order/cart").json() == []
    assert owner.get("/order/cart").json() == [cart_id]


@DB
def test_item_put_changes_duration_and_quantity_all_or_nothing(api, pricing):
    PricingFactory(plan=pricing.plan, duration="P12M", months=12, price=Decimal("299.90"))
    cart_id = api.post("/order/cart", {"ovhSubsidiary": "FR"}).json()["cartId"]
    add = {"planCode": "hosting-perso", "duration": "P1M", "quantity": 1}
    item_id = api.post(f"/order/cart/{cart_id}/webHosting", add).json()["itemId"]
    path = f"/order/cart/{cart_id}/item/{item_id}"

    item = api.put(path, {"duration": "P12M", "quantity": 3}).json()
    assert item["itemId"] == item_id and item["settings"]["quantity"] == 3
    assert {p["label"]: p["price"]["value"] for p in item["prices"]}["PRICE"] == 899.7
    assert api.put(path, {}).json() == item  # nothing asked, nothing changed

    # Each wrong input names its parameter and changes nothing.
    for body, field in [
        ({"duration": "P7Y"}, "duration"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": "2"}, "quantity"),
    ]:
        assert field in assert_error(api.put(path, {**body, "duration": body.get("duration", "P1M")}), 400)["message"]
    stored = CartItem.objects.select_related("pricing").get(pk=item_id)
    assert (stored.pricing.duration, stored.quantity) == ("P12M", 3)
    assert_error(api.put(f"/order/cart/{cart_id}/item/999999", {"quantity": 2}), 404)

    api.post(f"/order/cart/{cart_id}/assign")  # an assigned cart is its account's alone
    assert_error(api_for(UserFactory()).put(path, {"quantity": 1}), 404)
    api.post(f"/order/cart/{cart_id}/checkout")
    assert_error(api.put(path, {"quantity": 1}), 409)
    assert CartItem.objects.get(pk=item_id).quantity == 3


@DB
def test_cart_creation_errors_name_the_parameter():
    anonymous = Api(Client())
    assert "ovhSubsidiary" in assert_error(anonymous.post("/order/cart", {}), 400)["message"]
    assert "ovhSubsidiary" in assert_error(anonymous.post("/order/cart", {"ovhSubsidiary": "XX"}), 400)["message"]
    assert "ovhSubsidiary" in assert_error(anonymous.post("/order/cart", {"ovhSubsidiary": 12}), 400)["message"]
    assert (
        "expire"
        in assert_error(anonymous.post("/order/cart", {"ovhSubsidiary": "FR", "expire": "later"}), 400)["message"]
    )
    assert_error(anonymous.post("/order/cart", raw="null"), 400)
    assert_error(anonymous.get("/order/cart/not-a-uuid"), 404)
    expired = Cart.objects.create(subsidiary_id="FR", expires_at=timezone.now() - timedelta(minutes=1))
    assert_error(anonymous.get(f"/order/cart/{expired.pk}"), 404)
    assert_error(anonymous.get("/order/cart"), 403, "NOT_CREDENTIAL")


@DB
def test_assign_to_another_subsidiary_is_409(api):
    cart_id = Api(Client()).post("/order/cart", {"ovhSubsidiary": "DE"}).json()["cartId"]
    assert_error(api.post(f"/order/cart/{cart_id}/assign"), 409)


# --- catalogs ----------------------------------------------------------------------------------------------------


@DB
def test_catalogs(client):
    PricingFactory(plan=PlanFactory(plan_code="b2-7", family=Family.CLOUD), price=Decimal("20.00"))
    PricingFactory(plan=PlanFactory(plan_code="pcc-xs", family=Family.PRIVATE_CLOUD))
    PricingFactory(plan=PlanFactory(plan_code="adv-1", family=Family.DEDICATED), installation_fee=Decimal("50"))
    PricingFactory(plan__plan_code="perso")
    assert client.get("/1.0/order/catalog/formatted").json() == ["cloud", "dedicated", "privateCloud"]
    cloud = client.get("/1.0/order/catalog/formatted/cloud?ovhSubsidiary=FR").json()
    assert cloud["merchantCode"] == "FR" and [p["planCode"] for p in cloud["plans"]] == ["b2-7"]
    pricing = cloud["plans"][0]["details"]["pricings"]["default"][0]
    assert pricing["price"]["value"] == 20.0 and pricing["priceInUcents"] == 2000000000
    private = client.get("/1.0/order/catalog/formatted/privateCloud?ovhSubsidiary=FR").json()
    assert private["catalogName"] == "privateCloud" and private["plans"][0]["planCode"] == "pcc-xs"
    dedicated = client.get("/1.0/order/catalog/formatted/dedicated?ovhSubsidiary=FR").json()
    assert dedicated["metadatas"]["merchant"] == "FR" and dedicated["products"][0]["code"] == "adv-1"
    assert client.get("/1.0/order/catalog/formatted/cloud?ovhSubsidiary=DE").json()["plans"] == []
    public = client.get("/1.0/order/catalog/public/webHosting?ovhSubsidiary=FR").json()
    assert public["locale"] == {"currencyCode": "EUR", "subsidiary": "FR", "taxRate": 20.0}
    pricing = public["plans"][0]["pricings"][0]
    assert pricing["price"] == 1000000000 and pricing["tax"] == 200000000 and pricing["mode"] == "default"
    assert_error(client.get("/1.0/order/catalog/public/webHosting"), 400)
    assert_error(client.get("/1.0/order/catalog/public/webHosting?ovhSubsidiary=XX"), 400)
    assert_error(client.get("/1.0/order/catalog/public/vps?ovhSubsidiary=FR"), 404)
    assert_error(client.get("/1.0/order/catalog/formatted/webHosting?ovhSubsidiary=FR"), 404)


# --- errors everywhere are JSON ---------------------------------------------------------------------------------


@DB
def test_unknown_routes_and_wrong_methods_are_json(client, api):
    assert_error(client.get("/1.0/nothing/here"), 404)
    assert_error(client.get("/1.0/"), 404)
    assert_error(client.get("/1.0/me/order/abc"), 404)
    response = client.delete("/1.0/auth/time")
    assert_error(response, 405)
    assert response["Allow"] == "GET, HEAD"  # HEAD answers as GET does
    assert_error(api.call("PATCH", "/me"), 405)


@DB
def test_unexpected_errors_are_json_500(api, monkeypatch):
    def boom(user):
        raise RuntimeError("bug")

    monkeypatch.setattr(routes_me, "me_json", boom)
    body = assert_error(api.get("/me"), 500)
    assert "bug" not in body["message"]
