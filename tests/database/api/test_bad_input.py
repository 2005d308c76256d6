"""Bad input to /1.0/ (and to the panel's API pages) is a 4xx in OVHcloud's JSON, never a 500, and stores nothing.

Each case here answered 500 (or HTML, or 405) before (issue 17). They run on SQLite and on PostgreSQL alike:
NUL and lone surrogates are refused where the API reads its input, so the answer does not depend on which
database would have choked on them.
"""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from api.models import ApiApplication
from orders.models import Cart
from tests.support.api import Api, api_for, assert_error
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def anonymous() -> Api:
    return Api(Client())


def test_a_body_over_the_form_limit_is_a_json_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
    big = json.dumps({"ovhSubsidiary": "FR", "description": "x" * (3 * 1024 * 1024)})
    assert_error(anonymous().post("/order/cart", raw=big), 413)  # read by the body parser
    assert_error(api_for().put("/order/cart/00000000-0000-0000-0000-000000000000", raw=big), 413)  # by the signature
    assert not Cart.objects.exists()


def test_a_body_over_the_request_limit_is_a_json_413_under_the_api_and_html_elsewhere(settings, client):
    settings.REQUEST_MAX_BODY_SIZE = 1000
    big = json.dumps({"ovhSubsidiary": "FR", "description": "x" * 2000})
    body = assert_error(anonymous().post("/order/cart", raw=big), 413)
    assert body["httpCode"] == "413 Payload Too Large"
    page = client.post("/accounts/login/", {"username": "x" * 2000})
    assert page.status_code == 413 and page["Content-Type"].startswith("text/html")
    assert not Cart.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 5000 + "]" * 5000,
        '{"ovhSubsidiary": "FR", "description": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"ovhSubsidiary": "FR", "expire": ' + '{"a":' * 5000 + "1" + "}" * 5000 + "}",
    ],
    ids=["array", "in-a-field", "objects"],
)
def test_deeply_nested_json_is_a_400(raw):
    assert_error(anonymous().post("/order/cart", raw=raw), 400)
    assert not Cart.objects.exists()


@pytest.mark.parametrize("character", ["\\u0000", "\\ud800", "\\udfff"], ids=["nul", "high-surrogate", "low-surrogate"])
@pytest.mark.parametrize(
    "template",
    [
        '{"ovhSubsidiary": "FR", "description": "a%sb"}',
        '{"ovhSubsidiary": "FR", "description": "ok", "unknown%s": 1}',
        '{"ovhSubsidiary": "FR", "description": "ok", "extra": [{"deep": ["%s"]}]}',
    ],
    ids=["value", "key", "nested"],
)
def test_nul_and_lone_surrogates_in_a_body_are_a_400(character, template):
    assert_error(anonymous().post("/order/cart", raw=template % character), 400)
    assert not Cart.objects.exists()


def test_a_lone_surrogate_as_raw_bytes_is_a_400():
    response = Client().post(
        "/1.0/order/cart",
        data=b'{"ovhSubsidiary": "FR", "description": "a\xed\xa0\x80b"}',
        content_type="application/json",
    )
    assert_error(response, 400)
    assert not Cart.objects.exists()


def test_nul_in_the_query_string_headers_or_path_is_a_4xx():
    api = api_for()
    assert_error(api.get("/order/cart?description=a%00b"), 400)
    assert_error(api.get("/order/cart?desc%00ription=a"), 400)
    assert_error(anonymous().get("/order/catalog/public/webHosting?ovhSubsidiary=F%00R"), 400)
    assert_error(anonymous().get("/order/cart/a%00b"), 404)
    assert_error(api.get("/me", headers={"X-Ovh-Application": "a\x00b"}), 403, "INVALID_KEY")
    assert_error(api.get("/me", headers={"X-Ovh-Consumer": "a\x00b"}), 403, "INVALID_CREDENTIAL")


def test_head_answers_like_get_without_a_body():
    get, head = anonymous().get("/auth/time"), anonymous().call("HEAD", "/auth/time")
    assert get.status_code == head.status_code == 200
    assert head.content == b"" and head["Content-Type"] == "application/json"
    assert int(head["Content-Length"]) == len(get.content)
    api = api_for()
    assert api.call("HEAD", "/me").status_code == 200  # a GET rule grants HEAD
    assert_error(anonymous().post("/auth/time"), 405)
    assert "HEAD" in anonymous().post("/auth/time")["Allow"].split(", ")
    refused = anonymous().call("HEAD", "/auth/credential")  # no GET, no HEAD
    assert refused.status_code == 405 and refused["Allow"] == "POST" and refused.content == b""


@pytest.mark.parametrize("field", ["name", "description"])
def test_nul_in_an_api_application_from_the_panel_is_a_form_error(client, field):
    client.force_login(UserFactory())
    form = {"name": "CI", "description": "deploys"} | {field: "a\x00b"}
    page = client.post(reverse("api_panel:applications"), form)
    assert page.status_code == 400
    assert b'class="message message-error" role="alert">' in page.content
    assert not ApiApplication.objects.exists()
