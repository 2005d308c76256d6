"""The OpenAPI document (generated from the schemas): valid, complete (every route of api/urls.py), served, and
fuzzed by schemathesis."""

import json
import re
import time
from urllib.parse import quote

import pytest
import requests
import schemathesis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
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
from api.contract import document
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


@pytest.mark.django_db  # the subsidiaries' enum comes from their table
def test_document_is_valid_openapi():
    doc = document()
    assert doc["openapi"].startswith("3.")
    schemathesis.openapi.from_dict(doc).validate()
    broken = {**doc, "paths": {"/me": {"get": {"responses": "nope"}}}}
    with pytest.raises(Exception):  # noqa: B017 - the validator itself is checked to bite
        schemathesis.openapi.from_dict(broken).validate()


@pytest.mark.django_db
def test_every_route_is_documented_with_its_methods():
    urls, documented = url_routes(), documented_routes(document())
    assert len(urls) > 30
    assert urls == documented


@pytest.mark.django_db
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
    # Reads share one world and run first; each write gets a fresh one (it may delete or spend what it names).
    reads = [operation for operation in operations if operation.method.upper() == "GET"]
    shared = make_world(account, pricing)
    for operation in [*reads, *(operation for operation in operations if operation not in reads)]:
        world = shared if operation in reads else make_world(account, pricing)
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


# --- hostile input on every route: huge, deeply nested, NUL and surrogate strings -------------------------------

HOSTILE_EXAMPLES = 4  # per operation: about 260 requests in all
FORM_LIMIT, REQUEST_LIMIT = 64 * 1024, 256 * 1024  # lowered for the test, so that "huge" stays cheap
NASTY = ["\x00", "\ud800", "\udfff", "\udc00\ud800", "\U0010ffff", "\U0001f600", "é", "%00", "'", '"', "\\", "/"]
NASTY += ["\u202e", " "]
hostile_text = st.one_of(
    st.lists(st.sampled_from([*NASTY, "a", "1"]), max_size=8).map("".join),
    st.text(max_size=12),
    st.sampled_from(["x" * (FORM_LIMIT + 1), "y" * (REQUEST_LIMIT + 1)]),
)
hostile_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=6,
)


def nested(depth: int, kind: str) -> str:
    return "[" * depth + "]" * depth if kind == "array" else '{"a":' * depth + "1" + "}" * depth


def body_fields(schema: dict | None) -> list[str]:
    """The top-level property names a body may have (through anyOf), to aim hostile values at real fields."""
    if not schema:
        return []
    names = list(schema.get("properties", {}))
    for member in schema.get("anyOf", []):
        names += list(member.get("properties", {}))
    return names


def hostile_operations(doc: dict) -> list[tuple[str, str, dict]]:
    """(METHOD, path template, operation) for every documented operation, and HEAD for every GET."""
    operations = [(m.upper(), path, op) for path, item in doc["paths"].items() for m, op in item.items()]
    operations += [("HEAD", path, op) for method, path, op in operations if method == "GET"]
    return operations


def quoted(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


@pytest.mark.django_db(databases=["default", "sandbox"])
def test_hostile_input_on_every_route_is_never_a_5xx(settings):
    """Hypothesis aims NUL, lone surrogates, huge strings and deep nesting at every route's path, query and
    body (next to valid values, so that the handlers are reached), signed; nothing answers 5xx or non-JSON."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = FORM_LIMIT
    settings.REQUEST_MAX_BODY_SIZE = REQUEST_LIMIT
    cache.clear()
    account = UserFactory()
    PaymentMethodFactory(account=account)
    pricing = PricingFactory(plan__plan_code="fuzz-hosting")
    world = make_world(account, pricing)
    valid = {
        "ovhSubsidiary": "FR",
        "planCode": world["planCode"],
        "duration": "P1M",
        "pricingMode": "default",
        "quantity": 1,
        "label": "region",
        "value": "europe",
        "reason": "other",
        "description": "fuzz",
        "accessRules": ALL_RULES,
        "paymentMethod": {"id": world["paymentMethodId"]},
    }
    operations = hostile_operations(document())
    assert len(operations) > 60
    client = Client()
    tokens = [token_for(account, ALL_RULES)]

    for operation in operations:
        hostile_fuzz(operation, world=world, valid=valid, tokens=tokens, account=account, client=client)


def hostile_fuzz(operation, *, world, valid, tokens, account, client) -> None:
    method, template, operation = operation

    @st.composite
    def requests_(draw):
        path = template
        for name in re.findall(r"\{([^}]+)\}", template):
            value = world[name] if name in world and draw(st.booleans()) else draw(hostile_text)
            path = path.replace("{" + name + "}", quoted(str(value)))
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"] + ["extra"]
        params = draw(st.dictionaries(st.sampled_from(names), hostile_text | st.sampled_from(["FR", "1"]), max_size=3))
        if params:
            path += "?" + "&".join(f"{quoted(k)}={quoted(v)}" for k, v in params.items())
        shape = draw(st.sampled_from(["fields", "fields", "any", "deep", "none"]))
        if shape == "fields":
            content = operation.get("requestBody", {}).get("content", {})
            fields = body_fields(content.get("application/json", {}).get("schema"))
            body = {
                name: valid[name] if name in valid and draw(st.booleans()) else draw(hostile_value) for name in fields
            }
            body |= draw(st.dictionaries(hostile_text, hostile_value, max_size=2))
            raw = json.dumps(body).encode()
        elif shape == "any":
            raw = json.dumps(draw(hostile_value)).encode()
        elif shape == "deep":
            raw = nested(draw(st.sampled_from([33, 1000, 5000])), draw(st.sampled_from(["array", "object"]))).encode()
        else:
            raw = b""
        return path, raw

    @given(request=requests_())
    @hypothesis_settings(
        max_examples=HOSTILE_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(request):
        path, raw = request
        token = tokens[-1]
        timestamp = str(int(time.time()))
        url = django_settings.PUBLIC_BASE_URL.rstrip("/") + "/1.0" + path
        headers = {
            "X-Ovh-Application": token["application_key"],
            "X-Ovh-Consumer": token["consumer_key"],
            "X-Ovh-Timestamp": timestamp,
            "X-Ovh-Signature": sign(token["application_secret"], token["consumer_key"], method, url, raw, timestamp),
        }
        response = client.generic(method, "/1.0" + path, data=raw, content_type="application/json", headers=headers)
        assert response.status_code < 500, (method, path, raw[:200], response.content[:500])
        assert response["Content-Type"] == "application/json", (method, path, response.status_code)
        if method == "HEAD":
            assert response.content == b""
        else:
            json.loads(response.content)
        if path.startswith("/auth/logout") and response.status_code == 200:
            tokens.append(token_for(account, ALL_RULES))

    run()
