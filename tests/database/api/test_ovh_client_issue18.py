"""OVHcloud's official Python client against the live server, for the calls other OVHcloud clients make.

- ovh/terraform-provider-ovh `ovh/config.go`: `GET /auth/details` at start-up; `ovh/order.go` orderCreate:
  plan options through `/order/cart/{cartId}/{product}/options`, then with no default payment method and a
  checkout of 0, `POST /me/order/{id}/payWithRegisteredPaymentMean {"paymentMean": "fidelityAccount"}`.
- ovh/order-cart-examples `python/order.py`: `GET /me/order/{id}/availableRegisteredPaymentMean`, then
  `payWithRegisteredPaymentMean` with one of the means it listed.
- ovh/manager's iceberg lists (e.g. `apps/dedicated/client/app/billing/orders/`): requests with
  `X-Pagination-Mode: CachedObjectList-Pages`, `X-Pagination-Number`, `X-Pagination-Size`; the total read
  back from `x-pagination-elements`, the page from `x-pagination-number` and `x-pagination-size`.
"""

from decimal import Decimal

from catalog.models import Addon, Family
from orders.models import Order, OrderStatus
from tests.database.api.test_ovh_client import LIVE, client_for, create_token, endpoint  # noqa: F401 - fixture
from tests.support.factories import PaymentMethodFactory, PricingFactory, UserFactory, place_order

PAGES = {"X-Pagination-Mode": "CachedObjectList-Pages"}
ALL = ("GET:/*", "POST:/*", "PUT:/*", "DELETE:/*")


@LIVE
def test_manager_pages_of_orders_and_details(endpoint):  # noqa: F811
    account = UserFactory(username="pager")
    orders = [place_order(account=account) for _ in range(3)]
    client = client_for(create_token("pager", *ALL))

    assert client.get("/me/order") == [order.pk for order in orders]  # no header: ids, as always
    response = client.raw_call(
        "GET", "/me/order", headers={**PAGES, "X-Pagination-Number": "2", "X-Pagination-Size": "2"}
    )
    assert response.status_code == 200
    assert response.headers["X-Pagination-Elements"] == "3"
    assert response.headers["X-Pagination-Number"] == "2" and response.headers["X-Pagination-Size"] == "2"
    page = response.json()
    assert [order["orderId"] for order in page] == [orders[2].pk]
    assert page[0] == client.get(f"/me/order/{orders[2].pk}")  # whole billing.Order objects

    details = client.raw_call("GET", f"/me/order/{orders[0].pk}/details", headers=PAGES)
    assert details.headers["X-Pagination-Elements"] == str(len(details.json())) == "1"
    line = details.json()[0]
    assert line == client.get(f"/me/order/{orders[0].pk}/details/{line['orderDetailId']}")

    # orders.routing.js: iceberg('/me/order').query().expand('CachedObjectList-Pages').sort('date', 'DESC').limit(5000)
    newest_first = client.raw_call(
        "GET",
        "/me/order",
        headers={**PAGES, "X-Pagination-Sort": "date", "X-Pagination-Sort-Order": "DESC", "X-Pagination-Size": "5000"},
    )
    assert [order["orderId"] for order in newest_first.json()] == [order.pk for order in reversed(orders)]
    assert newest_first.headers["X-Pagination-Sort"] == "date"
    assert newest_first.headers["X-Pagination-Sort-Order"] == "DESC"

    for headers in ({"X-Pagination-Size": "0"}, {"X-Pagination-Number": "x"}, {"X-Pagination-Sort": "password"}):
        bad = client.raw_call("GET", "/me/order", headers={**PAGES, **headers})
        assert bad.status_code == 400 and next(iter(headers)) in bad.json()["message"]


@LIVE
def test_terraform_orders_a_free_plan_with_an_option_and_the_fidelity_account(endpoint):  # noqa: F811
    UserFactory(username="tf")
    plan = PricingFactory(plan__plan_code="vrack", plan__family=Family.DEDICATED, price=Decimal("0")).plan
    option = PricingFactory(plan__plan_code="vrack-ip", plan__family=Family.DEDICATED, price=Decimal("0")).plan
    Addon.objects.create(plan=plan, option=option, family="ip")
    client = client_for(create_token("tf", *ALL))

    assert client.get("/auth/details")["account"] == client.get("/me")["nichandle"]  # config.go's start-up call
    cart = client.post("/order/cart", ovhSubsidiary="FR")
    cart_id = cart["cartId"]
    client.post(f"/order/cart/{cart_id}/assign")
    item = client.post(
        f"/order/cart/{cart_id}/dedicated", planCode="vrack", duration="P1M", pricingMode="default", quantity=1
    )
    options = client.get(f"/order/cart/{cart_id}/dedicated/options", planCode="vrack")
    assert [o["planCode"] for o in options] == ["vrack-ip"]
    child = client.post(
        f"/order/cart/{cart_id}/dedicated/options",
        itemId=item["itemId"],
        planCode="vrack-ip",
        duration="P1M",
        pricingMode="default",
        quantity=1,
    )
    assert child["parentItemId"] == item["itemId"]
    assert client.get("/me/payment/method", default=True) == []
    assert client.get(f"/order/cart/{cart_id}/checkout")["prices"]["withoutTax"]["value"] == 0
    order_id = client.post(f"/order/cart/{cart_id}/checkout")["orderId"]
    assert client.get(f"/me/order/{order_id}/debt")["todoAmount"]["value"] == 0

    assert client.post(f"/me/order/{order_id}/payWithRegisteredPaymentMean", paymentMean="fidelityAccount") is None
    assert client.get(f"/me/order/{order_id}/status") in {"checking", "delivering", "delivered"}
    assert client.get(f"/me/order/{order_id}/payment")["paymentType"] == "free"
    assert len(client.get(f"/me/order/{order_id}/details")) == 2  # the plan and its option


@LIVE
def test_order_cart_example_pays_with_an_available_registered_mean(endpoint):  # noqa: F811
    account = UserFactory(username="examples")
    card = PaymentMethodFactory(account=account)
    order = place_order(account=account)
    client = client_for(create_token("examples", *ALL))

    means = client.get(f"/me/order/{order.pk}/availableRegisteredPaymentMean")
    assert means == [{"paymentMean": "creditCard"}]
    result = client.post(
        f"/me/order/{order.pk}/payWithRegisteredPaymentMean", paymentMean=means[0]["paymentMean"], paymentMeanId=card.pk
    )
    assert result is None
    assert Order.objects.get(pk=order.pk).status != OrderStatus.NOT_PAID
    assert client.get(f"/me/order/{order.pk}/payment")["paymentType"] == "creditCard"
    assert client.get(f"/me/order/{order.pk}/availableRegisteredPaymentMean") == []  # nothing left to pay
