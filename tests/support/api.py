"""Signed calls to the /1.0/ API, as OVHcloud's clients sign them, for the API tests."""

import json
import time

from django.conf import settings
from django.test import Client

from api import credentials
from api.signing import sign
from tests.support.factories import UserFactory

ALL_RULES = [{"method": m, "path": "/*"} for m in ("GET", "POST", "PUT", "DELETE")]


class Api:
    """Calls /1.0/ through Django's test client, signed as OVHcloud's clients sign them."""

    def __init__(self, client: Client, token: dict | None = None):
        self.client = client
        self.token = token

    def call(self, method: str, path: str, body=None, *, raw: str | None = None, signed: bool = True, **overrides):
        full_path = "/1.0" + path
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        headers = {}
        if self.token:
            headers["X-Ovh-Application"] = overrides.get("application_key", self.token["application_key"])
        if self.token and signed:
            consumer = overrides.get("consumer_key", self.token["consumer_key"])
            timestamp = str(overrides.get("timestamp", int(time.time())))
            secret = overrides.get("application_secret", self.token["application_secret"])
            url = settings.PUBLIC_BASE_URL.rstrip("/") + full_path
            headers["X-Ovh-Consumer"] = consumer
            headers["X-Ovh-Timestamp"] = timestamp
            headers["X-Ovh-Signature"] = overrides.get(
                "signature", sign(secret, consumer, method, url, data.encode(), timestamp)
            )
        headers.update(overrides.get("headers", {}))
        return self.client.generic(method, full_path, data=data, content_type="application/json", headers=headers)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


def token_for(account, rules=None) -> dict:
    return credentials.token_create(account=account, rules=rules or ALL_RULES)


def api_for(account=None, rules=None) -> Api:
    account = account or UserFactory()
    return Api(Client(), token_for(account, rules))


def assert_error(response, status: int, code: str | None = None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body.get("errorCode") == code
    return body
