"""Plan options: GET/POST /order/cart/{cartId}/{product}/options, as Terraform's order helpers call them.

Written from ovh/terraform-provider-ovh: `ovh/order.go` (orderCreate posts each plan_option to
`/order/cart/{cartId}/{product}/options` with the parent's `itemId` and `quantity` 1) and
`ovh/order_cart.go` (orderCartGenericOptionsRead: `GET /order/cart/{cartId}/{product}/options?planCode=`,
decoded as OVHcloud's order.cart.GenericOptionDefinition: planCode, productName, productType, family,
mandatory, exclusive, prices).
"""

from decimal import Decimal

import pytest

from catalog.models import Addon, Family
from orders.models import CartItem
from tests.support.api import api_for, assert_error
from tests.support.factories import PlanFactory, PricingFactory, UserFactory

DB = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def server():
    """A dedicated server with two options: backup storage, and extra IPs (an exclusive family)."""
    plan = PricingFactory(plan__plan_code="adv-1", plan__family=Family.DEDICATED, price=Decimal("79.99")).plan
    PricingFactory(plan=plan, duration="P12M", months=12, pricing_mode="upfront12", price=Decimal("863.89"))
    backup = PricingFactory(plan__plan_code="backup-500", plan__family=Family.DEDICATED, price=Decimal("9.99")).plan
    ip = PricingFactory(plan__plan_code="ip-1", plan__family=Family.DEDICATED, price=Decimal("2.00")).plan
    ip_block = PricingFactory(plan__plan_code="ip-4", plan__family=Family.DEDICATED, price=Decimal("8.00")).plan
    Addon.objects.create(plan=plan, option=backup, family="storage")
    Addon.objects.create(plan=plan, option=ip, family="ip", exclusive=True)
    Addon.objects.create(plan=plan, option=ip_block, family="ip", exclusive=True)
    return plan


@pytest.fixture
def cart():
    account = UserFactory()
    api = api_for(account)
    cart_id = api.post("/order/cart", {"ovhSubsidiary": "FR"}).json()["cartId"]
    api.post(f"/order/cart/{cart_id}/assign")
    return api, cart_id


def add_server(api, cart_id) -> dict:
    body = {"planCode": "adv-1", "duration": "P1M", "pricingMode": "default", "quantity": 1}
    return api.post(f"/order/cart/{cart_id}/dedicated", body).json()


@DB
def test_options_of_a_plan_are_generic_option_definitions(server, cart):
    api, cart_id = cart
    options = api.get(f"/order/cart/{cart_id}/dedicated/options?planCode=adv-1").json()
    assert [(o["planCode"], o["family"], o["exclusive"], o["mandatory"]) for o in options] == [
        ("ip-1", "ip", True, False),
        ("ip-4", "ip", True, False),
        ("backup-500", "storage", False, False),
    ]
    renew = next(p for p in options[2]["prices"] if "renew" in p["capacities"])
    assert renew["duration"] == "P1M" and renew["pricingMode"] == "default" and renew["price"]["value"] == 9.99
    assert api.get(f"/order/cart/{cart_id}/dedicated/options?planCode=unknown").json() == []
    assert_error(api.get(f"/order/cart/{cart_id}/dedicated/options"), 400)  # planCode is required


@DB
def test_option_plans_are_not_offered_or_sold_alone(server, cart):
    api, cart_id = cart
    assert [offer["planCode"] for offer in api.get(f"/order/cart/{cart_id}/dedicated").json()] == ["adv-1"]
    body = {"planCode": "backup-500", "duration": "P1M", "pricingMode": "default"}
    assert_error(api.post(f"/order/cart/{cart_id}/dedicated", body), 400)


@DB
def test_terraform_adds_a_plan_option_to_its_item(server, cart):
    api, cart_id = cart
    item = add_server(api, cart_id)
    body = {"itemId": item["itemId"], "planCode": "backup-500", "duration": "P1M", "pricingMode": "default"}
    option = api.post(f"/order/cart/{cart_id}/dedicated/options", {**body, "quantity": 1}).json()
    assert option["parentItemId"] == item["itemId"] and option["settings"]["planCode"] == "backup-500"
    assert "parentItemId" not in item
    assert api.get(f"/order/cart/{cart_id}/item/{item['itemId']}").json()["options"] == [option["itemId"]]
    quote = api.get(f"/order/cart/{cart_id}/checkout").json()
    assert quote["prices"]["withoutTax"]["value"] == 89.98  # the server and its option
    assert api.delete(f"/order/cart/{cart_id}/item/{item['itemId']}").status_code == 200
    assert not CartItem.objects.filter(pk=option["itemId"]).exists()  # an option goes with its item


@DB
def test_wrong_options_are_refused_and_change_nothing(server, cart):
    api, cart_id = cart
    item = add_server(api, cart_id)
    other = PlanFactory(plan_code="web-1")
    PricingFactory(plan=other)
    path = f"/order/cart/{cart_id}/dedicated/options"
    base = {"itemId": item["itemId"], "duration": "P1M", "pricingMode": "default", "quantity": 1}
    assert_error(api.post(path, {**base, "planCode": "web-1"}), 400)  # not an option of adv-1
    assert_error(api.post(path, {**base, "planCode": "backup-500", "duration": "P12M"}), 400)
    assert_error(api.post(path, {**base, "planCode": "backup-500", "itemId": 999_999}), 400)
    assert_error(api.post(path, {"planCode": "backup-500", "duration": "P1M"}), 400)  # itemId missing
    first_ip = api.post(path, {**base, "planCode": "ip-1"})
    assert first_ip.status_code == 200
    assert_error(api.post(path, {**base, "planCode": "ip-4"}), 409)  # one option of an exclusive family
    option_id = first_ip.json()["itemId"]
    assert_error(api.post(path, {**base, "planCode": "backup-500", "itemId": option_id}), 400)  # no option of option
    assert CartItem.objects.filter(cart_id=cart_id).count() == 2


@DB
def test_another_customers_cart_has_no_options(server, cart):
    api, cart_id = cart
    item = add_server(api, cart_id)
    stranger = api_for(UserFactory())
    assert_error(stranger.get(f"/order/cart/{cart_id}/dedicated/options?planCode=adv-1"), 404)
    body = {"itemId": item["itemId"], "planCode": "backup-500", "duration": "P1M"}
    assert_error(stranger.post(f"/order/cart/{cart_id}/dedicated/options", body), 404)
    assert_error(api.get(f"/order/cart/{cart_id}/nosuchproduct/options?planCode=adv-1"), 404)


@DB
def test_options_follow_their_items_duration(cart):
    api, cart_id = cart
    hosting = PricingFactory(plan__plan_code="web-pro", price=Decimal("9.99")).plan
    PricingFactory(plan=hosting, duration="P12M", months=12, price=Decimal("95.88"))
    backup = PricingFactory(plan__plan_code="web-backup", price=Decimal("1.00")).plan
    PricingFactory(plan=backup, duration="P12M", months=12, price=Decimal("12.00"))
    Addon.objects.create(plan=hosting, option=backup, family="backup")
    item = api.post(f"/order/cart/{cart_id}/webHosting", {"planCode": "web-pro", "duration": "P1M"}).json()
    body = {"itemId": item["itemId"], "planCode": "web-backup", "duration": "P1M"}
    option = api.post(f"/order/cart/{cart_id}/webHosting/options", body).json()

    assert api.put(f"/order/cart/{cart_id}/item/{item['itemId']}", {"duration": "P12M"}).status_code == 200
    assert api.get(f"/order/cart/{cart_id}/item/{option['itemId']}").json()["duration"] == "P12M"
    alone = api.put(f"/order/cart/{cart_id}/item/{option['itemId']}", {"duration": "P1M"})
    assert_error(alone, 400)
    assert CartItem.objects.get(pk=option["itemId"]).pricing.duration == "P12M"
