"""GET/POST /order/cart/{cartId}/domain: OVHcloud's domain offers (order.cart.ProductInformation), the sandbox
registry's answers, every wrong input a 400 that adds nothing, and the chosen name delivered as the service."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import Family
from orders.models import CartItem, Order, Service
from orders.services.reorder import order_reorder
from tests.support.api import Api, api_for, assert_error
from tests.support.factories import PlanFactory, PricingFactory, UserFactory, pay_order, place_order
from tests.support.orders import deliver

DB = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def domain_plan():
    plan = PlanFactory(plan_code="fr", family=Family.DOMAIN, excludable=True, name_en="Domain name .fr")
    PricingFactory(plan=plan, duration="P12M", months=12, price="6.99")
    PricingFactory(plan=plan, duration="P24M", months=24, price="13.00")
    return plan


def new_cart(api: Api) -> str:
    cart_id = api.post("/order/cart", {"ovhSubsidiary": "FR"}).json()["cartId"]
    assert api.post(f"/order/cart/{cart_id}/assign").status_code == 200
    return cart_id


@DB
def test_offers_of_a_free_name_in_ovhclouds_format(domain_plan):
    api = api_for()
    cart_id = new_cart(api)
    offers = api.get(f"/order/cart/{cart_id}/domain?domain=Mon-Shop.FR").json()
    assert offers == [
        {
            "action": "create",
            "configurations": [],
            "deliveryTime": "",
            "duration": ["P12M", "P24M"],
            "offerId": "fr-default",
            "orderable": True,
            "phase": "normal",
            "prices": [
                {
                    "label": "PRICE",
                    "price": {"currencyCode": "EUR", "priceInUcents": 699000000, "text": "€6.99", "value": 6.99},
                },
                {"label": "FEE", "price": {"currencyCode": "EUR", "priceInUcents": 0, "text": "€0.00", "value": 0.0}},
                {
                    "label": "RENEW",
                    "price": {"currencyCode": "EUR", "priceInUcents": 699000000, "text": "€6.99", "value": 6.99},
                },
                {
                    "label": "TOTAL",
                    "price": {"currencyCode": "EUR", "priceInUcents": 699000000, "text": "€6.99", "value": 6.99},
                },
            ],
            "pricingMode": "default",
            "productId": "domain",
            "quantityMax": 1,
        }
    ]


@DB
@pytest.mark.parametrize("name", ["taken-shop.fr", "mistaken.fr", "example.fr", "www.fr"])
def test_the_sandbox_registry_has_taken_and_reserved_names(domain_plan, name):
    api = api_for()
    cart_id = new_cart(api)
    assert [offer["orderable"] for offer in api.get(f"/order/cart/{cart_id}/domain?domain={name}").json()] == [False]
    error = assert_error(api.post(f"/order/cart/{cart_id}/domain", {"domain": name}), 400)
    assert "domain" in error["message"] and "not available" in error["message"]
    assert not CartItem.objects.exists()


@DB
@pytest.mark.parametrize(
    ("query", "body", "named"),
    [
        ("", {}, "domain"),
        ("?domain=no_underscores.fr", {"domain": "no_underscores.fr"}, "domain"),
        ("?domain=-dash.fr", {"domain": "-dash.fr"}, "domain"),
        ("?domain=single", {"domain": "single"}, "domain"),
        ("?domain=shop.xyz", {"domain": "shop.xyz"}, "domain"),
        ("?domain=" + "a" * 64 + ".fr", {"domain": "a" * 64 + ".fr"}, "domain"),
        (None, {"domain": "shop.fr", "offerId": "com-default"}, "offerId"),
        (None, {"domain": "shop.fr", "planCode": "com"}, "planCode"),
        (None, {"domain": "shop.fr", "quantity": 2}, "quantity"),
        (None, {"domain": "shop.fr", "duration": "P1M"}, "duration"),
        (None, {"domain": 42}, "domain"),
    ],
)
def test_wrong_input_is_a_400_naming_it_and_adds_nothing(domain_plan, query, body, named):
    api = api_for()
    cart_id = new_cart(api)
    if query is not None:
        assert named in assert_error(api.get(f"/order/cart/{cart_id}/domain{query}"), 400)["message"]
    assert named in assert_error(api.post(f"/order/cart/{cart_id}/domain", body), 400)["message"]
    assert not CartItem.objects.exists()


@DB
def test_the_name_chosen_is_the_item_the_order_line_and_the_delivered_service(domain_plan):
    account = UserFactory()
    place_order(account=account)  # not a first order: no manual validation
    api = api_for(account)
    cart_id = new_cart(api)
    item = api.post(f"/order/cart/{cart_id}/domain", {"domain": "Café-Crème.fr", "duration": "P24M"}).json()
    assert item["productId"] == "domain" and item["offerId"] == "fr-default" and item["duration"] == "P24M"
    assert item["settings"] == {
        "planCode": "fr",
        "pricingMode": "default",
        "quantity": 1,
        "domain": "xn--caf-crme-60ag.fr",
    }
    assert api.get(f"/order/cart/{cart_id}/item/{item['itemId']}").json() == item
    again = api.post(f"/order/cart/{cart_id}/domain", {"domain": "xn--caf-crme-60ag.fr"})
    assert "already in your cart" in assert_error(again, 400)["message"]
    assert (
        "quantity"
        in assert_error(api.put(f"/order/cart/{cart_id}/item/{item['itemId']}", {"quantity": 3}), 400)["message"]
    )

    quote = api.get(f"/order/cart/{cart_id}/checkout").json()
    assert {detail["domain"] for detail in quote["details"]} == {"xn--caf-crme-60ag.fr"}
    placed = api.post(f"/order/cart/{cart_id}/checkout").json()
    # Bought by this order meanwhile: no longer free for anyone.
    other = api_for()
    other_cart = new_cart(other)
    assert other.get(f"/order/cart/{other_cart}/domain?domain=xn--caf-crme-60ag.fr").json()[0]["orderable"] is False

    order = deliver(pay_order(Order.objects.get(pk=placed["orderId"])))
    service = Service.objects.get(origin_line__order=order)
    assert service.name == "xn--caf-crme-60ag.fr" and service.months == 24
    details = api.get(f"/me/order/{order.pk}/details").json()
    assert {api.get(f"/me/order/{order.pk}/details/{d}").json()["domain"] for d in details} == {"xn--caf-crme-60ag.fr"}


@DB
def test_an_anonymous_cart_searches_too_and_another_product_route_is_untouched(domain_plan):
    anonymous = Api(Client())
    cart_id = anonymous.post("/order/cart", {"ovhSubsidiary": "FR"}).json()["cartId"]
    assert anonymous.get(f"/order/cart/{cart_id}/domain?domain=shop.fr").json()[0]["orderable"] is True
    assert (
        anonymous.post(f"/order/cart/{cart_id}/domain", {"domain": "shop.fr"}).json()["settings"]["domain"] == "shop.fr"
    )
    assert_error(anonymous.get("/order/cart/00000000-0000-0000-0000-000000000000/domain?domain=shop.fr"), 404)


@DB
def test_a_name_bought_meanwhile_from_another_cart_stops_the_checkout_with_a_409(domain_plan):
    first, second = api_for(), api_for()
    first_cart, second_cart = new_cart(first), new_cart(second)
    for api, cart_id in ((first, first_cart), (second, second_cart)):
        assert api.post(f"/order/cart/{cart_id}/domain", {"domain": "both.fr"}).status_code == 200
    assert first.post(f"/order/cart/{first_cart}/checkout").status_code == 200

    error = assert_error(second.post(f"/order/cart/{second_cart}/checkout"), 409)
    assert "both.fr is no longer available" in error["message"]
    assert second.get(f"/order/cart/{second_cart}").json()["readOnly"] is False  # nothing placed
    assert Order.objects.count() == 1


@DB
def test_reordering_an_expired_order_asks_for_its_domain_name_again(domain_plan):
    account = UserFactory()
    api = api_for(account)
    cart_id = new_cart(api)
    api.post(f"/order/cart/{cart_id}/domain", {"domain": "again.fr"})
    order = Order.objects.get(pk=api.post(f"/order/cart/{cart_id}/checkout").json()["orderId"])
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(days=1))

    reordered = order_reorder(order=order, account=account)
    assert list(reordered.cart.items.values_list("domain", flat=True)) == ["again.fr"]  # expired: free again
