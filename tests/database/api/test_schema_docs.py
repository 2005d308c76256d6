"""OVHcloud's v1 schema documents /me.json, /order.json and /auth.json, as OVHcloud's clients read them.

Written from: ovh/order-cart-examples `php/schema.php` (Schema::getAPIs walks `apis[].path`,
`operations[].httpMethod`, `parameters[].name/required/dataType`; Schema::getModels resolves a dataType to
a scalar, to `models[type].enumType`, or to `models[type].properties[].fullType/canBeNull`, and throws on
anything else), and ovh/manager's list pages (`get(schema.models, '<namespace>.<Enum>').enum` for the
status filter).
"""

import re

import pytest

from orders.models import OrderStatus
from tests.database.api.test_openapi import url_routes

DB = pytest.mark.django_db(databases=["default", "sandbox"])
SCALARS = {"string", "long", "double", "boolean", "datetime", "date", "void", "map[string]any"}


def resolvable(models: dict, type_name: str) -> bool:
    """What php/schema.php's getModels accepts: a scalar, an enum model, or a model with properties."""
    type_name = type_name.removesuffix("[]")
    if type_name in SCALARS:
        return True
    model = models.get(type_name)
    return model is not None and ("enumType" in model or "properties" in model)


@DB
@pytest.mark.parametrize("resource", ["me", "order", "auth"])
def test_each_document_lists_every_route_under_its_prefix(client, settings, resource):
    settings.PUBLIC_BASE_URL = "https://panel.example.com"
    response = client.get(f"/1.0/{resource}.json")  # unsigned: the clients load it before any call
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    doc = response.json()
    assert doc["apiVersion"] == "1.0" and doc["resourcePath"] == f"/{resource}"
    assert doc["basePath"] == "https://panel.example.com/1.0"
    listed = {
        re.sub(r"\{[^}]+\}", "{}", api["path"]): {o["httpMethod"] for o in api["operations"]} for api in doc["apis"]
    }
    prefix = f"/{resource}"
    served = {
        path: methods
        for path, methods in url_routes().items()
        if (path == prefix or path.startswith(prefix + "/")) and not path.endswith(".json")
    }
    assert served and listed == served
    for api in doc["apis"]:
        for operation in api["operations"]:
            assert resolvable(doc["models"], operation["responseType"]), (api["path"], operation["responseType"])
            for parameter in operation["parameters"]:
                assert resolvable(doc["models"], parameter["dataType"]), (api["path"], parameter)
                assert parameter["paramType"] in {"path", "query", "body"}
    for name, model in doc["models"].items():
        assert name == (f"{model['namespace']}.{model['id']}" if model["namespace"] else model["id"])
        for prop in model.get("properties", {}).values():
            assert resolvable(doc["models"], prop["fullType"]) and isinstance(prop["canBeNull"], bool)


@DB
def test_the_managers_status_filter_reads_the_order_status_enum(client):
    models = client.get("/1.0/me.json").json()["models"]
    assert models["billing.order.OrderStatusEnum"]["enum"] == list(OrderStatus.values)
    assert models["billing.order.OrderStatusEnum"]["enumType"] == "string"
    assert "fidelityAccount" in models["billing.ReusablePaymentMeanEnum"]["enum"]
    order = models["billing.Order"]["properties"]
    assert order["priceWithTax"]["fullType"] == "order.Price" and order["retractionDate"]["canBeNull"] is True


@DB
def test_operations_carry_what_the_node_client_and_php_examples_read(client):
    apis = {api["path"]: api for api in client.get("/1.0/order.json").json()["apis"]}
    post = next(o for o in apis["/order/cart"]["operations"] if o["httpMethod"] == "POST")
    assert post["noAuthentication"] is True and post["responseType"] == "order.cart.Cart"
    subsidiary = next(p for p in post["parameters"] if p["name"] == "ovhSubsidiary")
    assert subsidiary["paramType"] == "body" and subsidiary["required"] is True
    options = {o["httpMethod"]: o for o in apis["/order/cart/{cartId}/{product}/options"]["operations"]}
    assert options["GET"]["responseType"] == "order.cart.GenericOptionDefinition[]"
    assert {p["name"] for p in options["POST"]["parameters"] if p["paramType"] == "body"} >= {"itemId", "planCode"}
    me = {api["path"]: api for api in client.get("/1.0/me.json").json()["apis"]}
    pay = me["/me/order/{orderId}/payWithRegisteredPaymentMean"]["operations"][0]
    assert pay["noAuthentication"] is False and pay["responseType"] == "void"
    assert all(path.startswith("/me") for path in me)
