"""API authentication: signatures, rules, every error code, the panel's credential pages, create_token."""

import hashlib
import io
import json
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import credentials, crypto
from api.models import ApiApplication, ConsumerKey
from api.signing import is_granted, rule_matches, sign
from tests.support.api import ALL_RULES, Api, api_for, assert_error, token_for
from tests.support.factories import UserFactory

# --- helpers shared by the API tests ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


# --- signing and rules ------------------------------------------------------------------------------------


def test_signature_is_ovhclouds():
    expected = "$1$" + hashlib.sha1(b"AS+CK+GET+https://x/1.0/me?a=1+{}+1700000000").hexdigest()
    assert sign("AS", "CK", "get", "https://x/1.0/me?a=1", b"{}", "1700000000") == expected
    assert sign("AS", "CK", "GET", "https://x/1.0/me?a=1", "{}", "1700000000") == expected


@pytest.mark.parametrize(
    ("rule", "method", "path", "granted"),
    [
        ({"method": "GET", "path": "/*"}, "GET", "/me/order/1/status", True),
        ({"method": "GET", "path": "/*"}, "POST", "/me", False),
        ({"method": "GET", "path": "/me"}, "GET", "/me", True),
        ({"method": "GET", "path": "/me"}, "GET", "/me/order", False),
        ({"method": "GET", "path": "/me/order/*"}, "GET", "/me/order/12/details/3", True),
        ({"method": "GET", "path": "/me/order/*"}, "GET", "/me/order", False),
        ({"method": "POST", "path": "/me/order/*/retraction"}, "POST", "/me/order/12/retraction", True),
        ({"method": "POST", "path": "/me/order/*/retraction"}, "POST", "/me/order/12/pay", False),
        ({"method": "GET", "path": "/me.order"}, "GET", "/meXorder", False),  # only * is special
        ({"method": "get", "path": "/me"}, "GET", "/me", True),
        ({"path": "/me"}, "GET", "/me", False),
    ],
)
def test_rule_matching(rule, method, path, granted):
    assert rule_matches(rule, method, path) is granted


def test_no_rules_grant_nothing():
    assert not is_granted([], "GET", "/me")
    assert is_granted([{"method": "GET", "path": "/x"}, {"method": "GET", "path": "/me"}], "GET", "/me")


@pytest.mark.django_db
def test_application_secret_is_encrypted_at_rest(settings):
    new = credentials.application_create(account=UserFactory(), name="Terraform")
    stored = ApiApplication.objects.get(pk=new.application.pk).application_secret_encrypted
    assert new.secret not in stored
    assert crypto.decrypt_secret(stored) == new.secret
    assert len(new.application.application_key) == 16 and len(new.secret) == 32
    # A configured key takes over; the derived one no longer decrypts what it encrypts.
    settings.API_SECRET_ENCRYPTION_KEY = "rPSEBRjbSXzhJtzn3YSYy0HAJ8fSfY1Pg6B1G2BYfxs="
    assert crypto.decrypt_secret(stored) is None
    assert crypto.decrypt_secret(crypto.encrypt_secret("abc")) == "abc"


# --- /auth ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_auth_time_is_a_bare_integer(client):
    response = client.get("/1.0/auth/time")
    assert response.status_code == 200
    assert abs(json.loads(response.content) - int(time.time())) < 5


@pytest.mark.django_db
def test_credential_request_needs_a_known_application():
    api = api_for()
    assert_error(Api(Client()).post("/auth/credential", {"accessRules": ALL_RULES}), 403, "INVALID_KEY")
    bad = api.post("/auth/credential", {"accessRules": ALL_RULES}, signed=False, application_key="nope")
    assert_error(bad, 403, "INVALID_KEY")
    answer = api.post(
        "/auth/credential",
        {"accessRules": [{"method": "GET", "path": "/me"}], "redirection": None, "allowedIPs": None},
        signed=False,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["state"] == "pendingValidation"
    consumer = ConsumerKey.objects.get(consumer_key=body["consumerKey"])
    assert body["validationUrl"] == settings.PUBLIC_BASE_URL + reverse(
        "api_panel:validate", args=[consumer.validation_token]
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "accessRules"),
        ({"accessRules": []}, "accessRules"),
        ({"accessRules": [{"method": "PATCH", "path": "/*"}]}, "accessRules"),
        ({"accessRules": [{"method": "GET", "path": "me"}]}, "accessRules"),
        ({"accessRules": ALL_RULES, "redirection": "javascript:alert(1)"}, "redirection"),
        ({"accessRules": ALL_RULES, "allowedIPs": ["not-an-ip"]}, "allowedIPs"),
        ({"accessRules": "GET /*"}, "accessRules"),
    ],
)
def test_credential_request_rejects_bad_parameters(payload, field):
    body = assert_error(api_for().post("/auth/credential", payload, signed=False), 400)
    assert field in body["message"]


# --- every error code -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_signed_call_succeeds():
    account = UserFactory()
    api = api_for(account)
    response = api.get("/me")
    assert response.status_code == 200
    assert response.json()["nichandle"] == account.handle
    assert ConsumerKey.objects.get(consumer_key=api.token["consumer_key"]).last_used_at is not None


@pytest.mark.django_db
def test_invalid_key():
    api = api_for()
    assert_error(api.get("/me", application_key="unknown"), 403, "INVALID_KEY")
    credentials.application_revoke(application=ApiApplication.objects.get())
    assert_error(api.get("/me"), 403, "INVALID_KEY")


@pytest.mark.django_db
def test_invalid_credential_unknown_expired_pending_revoked_or_another_applications():
    account = UserFactory()
    api = api_for(account)
    assert_error(api.get("/me", consumer_key="x" * 32), 403, "INVALID_CREDENTIAL")
    consumer = ConsumerKey.objects.get(consumer_key=api.token["consumer_key"])

    ConsumerKey.objects.filter(pk=consumer.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(api.get("/me"), 403, "INVALID_CREDENTIAL")
    ConsumerKey.objects.filter(pk=consumer.pk).update(expires_at=None)
    assert api.get("/me").status_code == 200

    credentials.consumer_key_revoke(consumer=consumer)
    assert_error(api.get("/me"), 403, "INVALID_CREDENTIAL")

    pending = credentials.consumer_key_request(application=consumer.application, access_rules=ALL_RULES)
    assert_error(api.get("/me", consumer_key=pending.consumer_key), 403, "INVALID_CREDENTIAL")

    other = token_for(UserFactory())
    assert_error(api.get("/me", consumer_key=other["consumer_key"]), 403, "INVALID_CREDENTIAL")


@pytest.mark.django_db
def test_not_credential(client):
    api = api_for()
    assert_error(api.get("/me", signed=False), 403, "NOT_CREDENTIAL")
    assert_error(client.get("/1.0/me"), 403, "NOT_CREDENTIAL")


@pytest.mark.django_db
def test_not_granted_call():
    api = api_for(rules=[{"method": "GET", "path": "/me"}, {"method": "GET", "path": "/me/order/*"}])
    assert api.get("/me").status_code == 200
    assert_error(api.get("/me/order"), 403, "NOT_GRANTED_CALL")
    assert_error(api.post("/me/order/1/retraction", {"reason": "other"}), 403, "NOT_GRANTED_CALL")
    assert api.get("/me/order/999/status").status_code == 404  # granted, and then not found


@pytest.mark.django_db
def test_invalid_signature():
    api = api_for()
    assert_error(api.get("/me", application_secret="wrong"), 400, "INVALID_SIGNATURE")
    assert_error(api.get("/me", signature="$1$" + "0" * 40), 400, "INVALID_SIGNATURE")
    assert_error(api.get("/me", headers={"X-Ovh-Signature": ""}), 400, "INVALID_SIGNATURE")
    # The body is signed: a body changed in transit no longer matches.
    token = api.token
    timestamp = str(int(time.time()))
    url = settings.PUBLIC_BASE_URL + "/1.0/order/cart"
    signature = sign(
        token["application_secret"], token["consumer_key"], "POST", url, '{"ovhSubsidiary":"FR"}', timestamp
    )
    response = api.client.post(
        "/1.0/order/cart",
        data='{"ovhSubsidiary":"DE"}',
        content_type="application/json",
        headers={
            "X-Ovh-Application": token["application_key"],
            "X-Ovh-Consumer": token["consumer_key"],
            "X-Ovh-Timestamp": timestamp,
            "X-Ovh-Signature": signature,
        },
    )
    assert_error(response, 400, "INVALID_SIGNATURE")


@pytest.mark.django_db
def test_signature_covers_the_raw_query_string_and_the_public_base_url(settings):
    api = api_for()
    assert api.get("/me/order?date.from=2026-01-01T00%3A00%3A00%2B01%3A00").status_code == 200
    signed_elsewhere = Api(api.client, api.token)
    settings.PUBLIC_BASE_URL = "https://panel.example.com"
    assert signed_elsewhere.get("/me").status_code == 200  # signed against the new public URL
    response = api.client.get(
        "/1.0/me",
        headers={
            "X-Ovh-Application": api.token["application_key"],
            "X-Ovh-Consumer": api.token["consumer_key"],
            "X-Ovh-Timestamp": (ts := str(int(time.time()))),
            "X-Ovh-Signature": sign(
                api.token["application_secret"], api.token["consumer_key"], "GET", "http://testserver/1.0/me", "", ts
            ),
        },
    )
    assert_error(response, 400, "INVALID_SIGNATURE")  # the Host header is not what is signed


@pytest.mark.django_db
def test_a_signature_without_the_public_base_urls_port_passes_as_the_nodejs_client_signs(settings):
    """OVHcloud's Node.js client signs `https://host/…` whatever port it connects to; the host is still checked."""
    api = api_for()
    settings.PUBLIC_BASE_URL = "https://127.0.0.1:8443"

    def signed_as(url: str):
        timestamp = str(int(time.time()))
        secret, consumer = api.token["application_secret"], api.token["consumer_key"]
        headers = {
            "X-Ovh-Application": api.token["application_key"],
            "X-Ovh-Consumer": consumer,
            "X-Ovh-Timestamp": timestamp,
            "X-Ovh-Signature": sign(secret, consumer, "GET", url, "", timestamp),
        }
        return api.client.get("/1.0/me", headers=headers)

    assert signed_as("https://127.0.0.1:8443/1.0/me").status_code == 200
    assert signed_as("https://127.0.0.1/1.0/me").status_code == 200
    assert_error(signed_as("https://127.0.0.2/1.0/me"), 400, "INVALID_SIGNATURE")
    assert_error(signed_as("http://127.0.0.1/1.0/me"), 400, "INVALID_SIGNATURE")
    assert_error(signed_as("https://127.0.0.1:9999/1.0/me"), 400, "INVALID_SIGNATURE")


@pytest.mark.django_db
def test_query_time_out():
    api = api_for()
    # Ten seconds beyond the 5-minute window on each side: a loaded machine may take a second between the two clocks.
    assert_error(api.get("/me", timestamp=int(time.time()) - 310), 400, "QUERY_TIME_OUT")
    assert_error(api.get("/me", timestamp=int(time.time()) + 310), 400, "QUERY_TIME_OUT")
    assert_error(api.get("/me", timestamp="yesterday"), 400, "QUERY_TIME_OUT")
    assert api.get("/me", timestamp=int(time.time()) - 290).status_code == 200


@pytest.mark.django_db
def test_allowed_ips_are_enforced():
    account = UserFactory()
    api = api_for(account)
    consumer = ConsumerKey.objects.get(consumer_key=api.token["consumer_key"])
    ConsumerKey.objects.filter(pk=consumer.pk).update(allowed_ips=["10.0.0.0/8"])
    assert_error(api.get("/me"), 403, "FORBIDDEN")
    ConsumerKey.objects.filter(pk=consumer.pk).update(allowed_ips=["127.0.0.1/32"])
    assert api.get("/me").status_code == 200


@pytest.mark.django_db
def test_a_browser_session_does_not_authenticate_and_csrf_is_not_required():
    account = UserFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(account)
    assert_error(browser.get("/1.0/me"), 403, "NOT_CREDENTIAL")
    assert_error(browser.post("/1.0/me/order/1/waiveRetraction"), 403, "NOT_CREDENTIAL")
    # No CSRF token needed: a signed call from the same browser-ish client goes through.
    api = Api(browser, token_for(account))
    assert api.post("/order/cart", {"ovhSubsidiary": "FR"}).status_code == 200
    assert Api(browser).post("/order/cart", {"ovhSubsidiary": "FR"}).status_code == 200


@pytest.mark.django_db
def test_anonymous_cart_creation_is_throttled_per_ip(settings):
    settings.API_CART_CREATIONS_PER_MINUTE = 3
    anonymous = Api(Client())
    for _ in range(3):
        assert anonymous.post("/order/cart", {"ovhSubsidiary": "FR"}).status_code == 200
    response = anonymous.post("/order/cart", {"ovhSubsidiary": "FR"})
    assert_error(response, 429)
    assert int(response["Retry-After"]) >= 1
    other_ip = Client(REMOTE_ADDR="192.0.2.7")
    assert other_ip.post("/1.0/order/cart", {"ovhSubsidiary": "FR"}, content_type="application/json").status_code == 200
    # Signed calls are not counted against the anonymous limit.
    assert api_for().post("/order/cart", {"ovhSubsidiary": "FR"}).status_code == 200


# --- the panel pages ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_validation_page_needs_login_shows_rules_and_grants_for_the_chosen_validity(client):
    owner = UserFactory()
    new = credentials.application_create(account=owner, name="Billing robot", description="Reads my orders")
    pending = credentials.consumer_key_request(
        application=new.application,
        access_rules=[{"method": "GET", "path": "/me/order/*"}],
        redirection="https://robot.example/done",
    )
    url = reverse("api_panel:validate", args=[pending.validation_token])
    assert client.get(url).status_code == 302  # to the login page

    customer = UserFactory()
    client.force_login(customer)
    page = client.get(url)
    assert page.status_code == 200
    assert b"Billing robot" in page.content and b"GET /me/order/*" in page.content
    response = client.post(url, {"validity": "30d", "action": "validate"})
    assert response.status_code == 302 and response["Location"] == "https://robot.example/done"
    pending.refresh_from_db()
    assert pending.state == "validated" and pending.account == customer
    assert timedelta(days=29) < pending.expires_at - timezone.now() <= timedelta(days=30)
    assert b"no longer be validated" in client.get(url).content

    refused = credentials.consumer_key_request(application=new.application, access_rules=ALL_RULES)
    refuse_url = reverse("api_panel:validate", args=[refused.validation_token])
    client.post(refuse_url, {"action": "refuse"})
    refused.refresh_from_db()
    assert refused.state == "refused" and refused.account is None


@pytest.mark.django_db
def test_unlimited_validity_and_unknown_validity(client):
    new = credentials.application_create(account=UserFactory(), name="App")
    pending = credentials.consumer_key_request(application=new.application, access_rules=ALL_RULES)
    client.force_login(UserFactory())
    url = reverse("api_panel:validate", args=[pending.validation_token])
    assert client.post(url, {"validity": "forever", "action": "validate"}).status_code == 400
    assert client.post(url, {"validity": "unlimited", "action": "validate"}).status_code == 302
    pending.refresh_from_db()
    assert pending.state == "validated" and pending.expires_at is None


@pytest.mark.django_db
def test_pending_key_expires_unvalidated(client):
    new = credentials.application_create(account=UserFactory(), name="App")
    pending = credentials.consumer_key_request(application=new.application, access_rules=ALL_RULES)
    ConsumerKey.objects.filter(pk=pending.pk).update(created_at=timezone.now() - timedelta(days=2))
    client.force_login(UserFactory())
    url = reverse("api_panel:validate", args=[pending.validation_token])
    client.post(url, {"validity": "1h", "action": "validate"})
    pending.refresh_from_db()
    assert pending.state == "pendingValidation" and pending.account is None


@pytest.mark.django_db
def test_applications_page_creates_shows_the_secret_once_and_revokes(client):
    account = UserFactory()
    client.force_login(account)
    page = client.get(reverse("api_panel:applications"))
    assert page.status_code == 200
    created = client.post(reverse("api_panel:applications"), {"name": "CI", "description": "deploys"})
    application = ApiApplication.objects.get(account=account)
    secret = crypto.decrypt_secret(application.application_secret_encrypted)
    assert secret.encode() in created.content and application.application_key.encode() in created.content
    assert secret.encode() not in client.get(reverse("api_panel:applications")).content

    token = token_for(account)
    listing = client.get(reverse("api_panel:applications")).content
    assert token["consumer_key"][:8].encode() in listing
    consumer = ConsumerKey.objects.get(consumer_key=token["consumer_key"])
    client.post(reverse("api_panel:consumer_key_revoke", args=[consumer.pk]))
    consumer.refresh_from_db()
    assert consumer.state == "revoked"
    assert_error(Api(Client(), token).get("/me"), 403, "INVALID_CREDENTIAL")

    client.post(reverse("api_panel:application_revoke", args=[application.pk]))
    application.refresh_from_db()
    assert application.revoked_at is not None


@pytest.mark.django_db
def test_another_customers_application_and_keys_cannot_be_revoked(client):
    token = token_for(UserFactory())
    consumer = ConsumerKey.objects.get(consumer_key=token["consumer_key"])
    client.force_login(UserFactory())
    assert client.post(reverse("api_panel:consumer_key_revoke", args=[consumer.pk])).status_code == 404
    assert client.post(reverse("api_panel:application_revoke", args=[consumer.application_id])).status_code == 404
    assert client.get(reverse("api_panel:consumer_key_revoke", args=[consumer.pk])).status_code == 405


@pytest.mark.django_db
def test_contract_page_renders_the_legal_text(client):
    response = client.get(reverse("api_panel:contract", args=["withdrawal_information"]) + "?language=fr")
    assert response.status_code == 200 and "Droit de rétractation".encode() in response.content
    assert client.get(reverse("api_panel:contract", args=["nope"])).status_code == 404


# --- create_token ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_token_prints_one_json_object_with_a_validated_unlimited_key():
    account = UserFactory(username="tokenuser")
    out = io.StringIO()
    call_command(
        "create_token", "--customer", "tokenuser", "--rule", "GET:/*", "--rule", "post:/me/order/*", stdout=out
    )
    token = json.loads(out.getvalue())
    assert set(token) == {"application_key", "application_secret", "consumer_key"}
    consumer = ConsumerKey.objects.get(consumer_key=token["consumer_key"])
    assert consumer.account == account and consumer.state == "validated" and consumer.expires_at is None
    assert consumer.access_rules == [{"method": "GET", "path": "/*"}, {"method": "POST", "path": "/me/order/*"}]
    assert Api(Client(), token).get("/me").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args", [["--customer", "nobody", "--rule", "GET:/*"], ["--customer", "someone", "--rule", "GET"]]
)
def test_create_token_errors(args):
    UserFactory(username="someone")
    with pytest.raises(CommandError):
        call_command("create_token", *args, stdout=io.StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["a\x00b", "\x00"])
def test_a_validation_token_with_nul_is_a_404_not_a_database_error(client, token):
    """PostgreSQL refuses NUL in a text comparison (DataError, a 500): the panel fuzz sent one in the URL."""
    client.force_login(UserFactory())
    url = "/account/api/credential/" + token.replace("\x00", "%00") + "/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "refuse"}).status_code == 404
