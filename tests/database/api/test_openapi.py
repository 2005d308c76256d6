"""The OpenAPI document: valid, complete (every route of api/urls.py), served, and fuzzed by schemathesis."""

import re
import time

import pytest
import requests
import schemathesis
from django.core.cache import cache
from django.urls import URLPattern
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import urls as api_urls
from api.openapi import document
from api.signing import sign
from orders.services.carts import cart_add_item, cart_assign, cart_create
from orders.services.consents import Evidence
from orders.services.withdrawals import WithdrawalRequest, order_withdraw
from tests.support.api import ALL_RULES, token_for
from tests.support.factories import PaymentMethodFactory, PricingFactory, UserFactory, pay_order, place_order

MAX_EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def documented_routes(doc: dict) -> dict[str, set[str]]:
    """{"/me/order/{}": {"GET"}, …} with path parameters reduced to `{}`."""
    return {re.sub(r"\{[^}]+\}", "{}", path): {m.upper() for m in item} for path, item in doc["paths"].items()}


def url_routes() -> dict[str, set[str]]:
    routes = {}
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        operations = getattr(pattern.callback, "operations", None)
        if operations is None:  # the JSON 404 catch-all
            continue
        path = "/" + re.sub(r"<[^>]+>", "{}", str(pattern.pattern))
        routes[path] = set(operations)
    return routes


def test_document_is_valid_openapi():
    doc = document()
    assert doc["openapi"].startswith("3.")
    schemathesis.openapi.from_dict(doc).validate()
    broken = {**doc, "paths": {"/me": {"get": {"responses": "nope"}}}}
    with pytest.raises(Exception):  # noqa: B017 - the validator itself is checked to bite
        schemathesis.openapi.from_dict(broken).validate()


def test_every_route_is_documented_with_its_methods():
    urls, documented = url_routes(), documented_routes(document())
    assert len(urls) > 30
    assert urls == documented


def test_every_operation_documents_responses_and_bodies():
    doc = document()
    schemas = doc["components"]["schemas"]
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            assert operation["operationId"] and operation["summary"], (method, path)
            assert "200" in operation["responses"] and "default" in operation["responses"], (method, path)
            for parameter in re.findall(r"\{([^}]+)\}", path):
                assert any(p["name"] == parameter and p["in"] == "path" for p in operation["parameters"]), parameter
            if method in {"post", "put"} and path not in {"/auth/logout"}:
                assert "requestBody" in operation, (method, path)
    assert {"orderId", "retractionDate", "priceWithTax", "pdfUrl"} <= set(schemas["billing.Order"]["properties"])
    assert {"cartId", "readOnly", "expire", "items"} <= set(schemas["order.cart.Cart"]["properties"])
    assert set(schemas["order.Price"]["properties"]) == {"currencyCode", "text", "value", "priceInUcents"}


@pytest.mark.django_db
def test_document_is_served(client, settings):
    settings.PUBLIC_BASE_URL = "https://panel.example.com"
    response = client.get("/1.0/openapi.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["servers"] == [{"url": "https://panel.example.com/1.0"}]
    assert body["paths"] == document()["paths"]


# --- schemathesis against the live server -----------------------------------------------------------------------


class OvhSigner(requests.auth.AuthBase):
    """Signs the request exactly as it goes on the wire (URL and body after `requests` prepared them)."""

    def __init__(self, token: dict):
        self.token = token

    def __call__(self, request):
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        timestamp = str(int(time.time()))
        request.headers["X-Ovh-Application"] = self.token["application_key"]
        request.headers["X-Ovh-Consumer"] = self.token["consumer_key"]
        request.headers["X-Ovh-Timestamp"] = timestamp
        request.headers["X-Ovh-Signature"] = sign(
            self.token["application_secret"], self.token["consumer_key"], request.method, request.url, body, timestamp
        )
        return request


def make_world(account, pricing) -> dict:
    """Fresh objects for one operation: real ids that the fuzzer substitutes into paths half of the time."""
    cart = cart_create(subsidiary_code="FR")
    item = cart_add_item(cart=cart, plan_code=pricing.plan.plan_code, duration="P1M", quantity=1)
    item.configurations = {"1": {"label": "region", "value": "europe"}}
    item.save(update_fields=["configurations"])
    cart_assign(cart=cart, account=account)
    order = pay_order(place_order(account=account, pricings=[pricing]))
    withdrawn = pay_order(place_order(account=account, pricings=[pricing]))
    order_withdraw(
        order_id=withdrawn.pk,
        request=WithdrawalRequest(confirmed=True, reason="other"),
        evidence=Evidence(channel="api", actor=account),
        channel="api",
    )
    return {
        "refundId": withdrawn.refunds.get().pk,
        "cartId": str(cart.pk),
        "itemId": item.pk,
        "configurationId": 1,
        "orderId": order.pk,
        "orderDetailId": order.lines.order_by("pk").first().pk,
        "paymentMethodId": account.payment_methods.first().pk,
        "product": "webHosting",
        "planCode": pricing.plan.plan_code,
    }


@pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
def test_schemathesis_fuzzes_every_route(live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    cache.clear()
    account = UserFactory()
    PaymentMethodFactory(account=account)
    pricing = PricingFactory(plan__plan_code="fuzz-hosting")
    schema = schemathesis.openapi.from_dict(document())
    base_url = live_server.url + "/1.0"

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    for operation in operations:
        world = make_world(account, pricing)
        signer = OvhSigner(token_for(account, ALL_RULES))  # POST /auth/logout expires the previous one
        fuzz(operation, world=world, signer=signer, base_url=base_url)


def fuzz(operation, *, world: dict, signer: OvhSigner, base_url: str) -> None:
    """MAX_EXAMPLES cases of one operation; half of them aimed at real objects (ids, plan, payment method)."""

    @given(case=operation.as_strategy(), use_real_ids=st.booleans())
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case, use_real_ids):
        if use_real_ids:
            for name in case.path_parameters or {}:
                if name in world:
                    case.path_parameters[name] = world[name]
            if isinstance(case.body, dict) and "planCode" in case.body:
                case.body.update(planCode=world["planCode"], duration="P1M", pricingMode="default")
            if isinstance(case.body, dict) and isinstance(case.body.get("paymentMethod"), dict):
                case.body["paymentMethod"]["id"] = world["paymentMethodId"]
        response = case.call(base_url=base_url, auth=signer, timeout=30)
        case.validate_response(response, checks=CHECKS)

    run()
