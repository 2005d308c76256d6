"""The contract written once: the document's references resolve, its enums and limits come from where they are
enforced, and an answer that drifts from its schema is a fault (500), never silently sent."""

import json
import re

import pytest

from accounts.models import Subsidiary
from api import routes_me
from api.contract import document
from orders.models import Withdrawal
from orders.services.withdrawals import MAX_COMMENT
from payments.iban import IBAN_INPUT_MAX_LENGTH
from tests.support.api import Api, api_for, assert_error
from tests.support.factories import PricingFactory, UserFactory, pay_order, place_order

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def test_every_reference_of_the_document_resolves():
    doc = document()
    references = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(doc)))
    assert references and references <= set(doc["components"]["schemas"])
    assert {"order.Price", "billing.Order", "order.Order", "order.cart.Cart", "billing.OrderDetail"} <= references


def test_subsidiaries_and_limits_come_from_where_they_are_enforced():
    schemas = document()["components"]["schemas"]
    codes = list(Subsidiary.objects.order_by("code").values_list("code", flat=True))
    assert len(codes) == 13 and schemas["order.cart.Creation"]["properties"]["ovhSubsidiary"]["enum"] == codes
    retraction = schemas["billing.order.Retraction"]["properties"]
    assert retraction["comment"]["anyOf"][0]["maxLength"] == MAX_COMMENT == 2000
    assert retraction["iban"]["anyOf"][0]["maxLength"] == IBAN_INPUT_MAX_LENGTH == 42


def test_a_comment_over_the_services_limit_is_a_400_and_withdraws_nothing():
    customer = UserFactory()
    order = pay_order(place_order(account=customer, pricings=[PricingFactory()]))
    api = api_for(customer)
    body = assert_error(api.post(f"/me/order/{order.pk}/retraction", {"reason": "other", "comment": "x" * 2001}), 400)
    assert "comment" in body["message"]
    assert not Withdrawal.objects.exists()
    assert api.post(f"/me/order/{order.pk}/retraction", {"reason": "other", "comment": "x" * 2000}).status_code == 200


def test_an_answer_that_drifts_from_its_schema_is_a_500(monkeypatch):
    api = api_for()
    assert api.get("/me").status_code == 200
    drifted = routes_me.me_json
    monkeypatch.setattr(routes_me, "me_json", lambda user: {**drifted(user), "undocumented": 1})
    assert_error(api.get("/me"), 500)
    monkeypatch.setattr(routes_me, "me_json", lambda user: {**drifted(user), "email": 12})
    assert_error(api.get("/me"), 500)


def test_an_empty_body_names_the_missing_parameter():
    body = assert_error(Api(api_for().client).post("/order/cart", raw=""), 400)
    assert body["message"] == "Missing parameter ovhSubsidiary"
