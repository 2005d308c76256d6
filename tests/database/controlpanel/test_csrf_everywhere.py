"""CSRF everywhere: every panel URL refuses a POST without the token (htmx posts included) and changes nothing;
every POST form the panel renders carries the token, and htmx sends it from the page's `hx-headers`.

Only the signed /1.0/ API is exempt: it never reads the session cookie, so a forged cross-site request
has nothing to ride on. The routes come from the resolver, so a new page is covered without editing this file.
"""

import json
from html.parser import HTMLParser

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from orders.services.withdrawal_links import LINK_SALT
from tests.support.abuse import (
    PANEL_FILL,
    PDF,
    all_routes,
    build_estate,
    db_snapshot,
    panel_routes,
    snapshot_changes,
    url_for,
)

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

HTMX_METHODS = ("hx-post", "hx-put", "hx-patch", "hx-delete")


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def estate():
    return build_estate(username="customer-c")


def route_values(route, estate) -> dict:
    """Real values for every panel route: the estate's objects, a real withdrawal link, plausible tokens."""
    if route.params in PANEL_FILL:
        return PANEL_FILL[route.params](estate)
    token = signing.dumps({"order": estate.document_order.pk}, salt=LINK_SALT)
    known = {"token": token, "key": "withdrawal_information", "uidb64": "MQ"}
    return {name: known[name] for name in route.params}


def form_data(estate, path: str) -> dict:
    """What each form would need to act (withdraw, pay, add, close, change language…): only the token is missing."""
    return {
        "confirm": "on",
        "reason": "unused",
        "action": "saved",
        "method": estate.method.pk,
        "payment_attempt": "attempt",
        "pricing": estate.cart_item.pricing_id,
        "quantity": "1",
        "language": "fr",
        "name": "CSRF app",
        "cart": str(estate.cart.pk),
        "revision": "r",
        "order": estate.unpaid_order.pk,
        "email": estate.account.email,
        "username": estate.account.username,
        "password": "demo",
        "password1": "a-Long-passw0rd",
        "password2": "a-Long-passw0rd",
        "old_password": "demo",
        "new_password1": "a-Long-passw0rd",
        "new_password2": "a-Long-passw0rd",
        "city": "Lyon",
        "files": SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf"),
        "next": path,
    }


# --- the exemption ---------------------------------------------------------------------------------------


def test_only_the_signed_api_is_csrf_exempt():
    routes = all_routes()
    exempt = sorted(route.path for route in routes if getattr(route.callback, "csrf_exempt", False))
    api = sorted(route.path for route in routes if route.is_api)
    assert exempt == api and len(api) > 30


def test_the_api_ignores_the_session_cookie(estate):
    """A logged-in browser posting to /1.0/ without a signature (a forged cross-site request) acts on nothing."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(estate.account)
    before = db_snapshot()
    for path, body in (
        (f"/1.0/me/order/{estate.document_order.pk}/retraction", {"reason": "other"}),
        (f"/1.0/me/order/{estate.unpaid_order.pk}/pay", {"paymentMethod": {"id": estate.method.pk}}),
        (f"/1.0/order/cart/{estate.cart.pk}/checkout", {}),
    ):
        response = client.post(path, json.dumps(body), content_type="application/json")
        assert response.status_code == 403, (path, response.status_code)
        assert response.json()["message"]
    assert not snapshot_changes(before, db_snapshot())


# --- every POST without a token ----------------------------------------------------------------------------


@pytest.mark.parametrize("logged_in", [True, False], ids=["customer", "anonymous"])
def test_every_panel_post_without_the_token_is_refused_and_changes_nothing(estate, logged_in):
    client = Client(enforce_csrf_checks=True)
    if logged_in:
        client.force_login(estate.account)
    client.get(reverse("login"))  # a CSRF cookie, as a browser has; only the token in the request is missing
    routes = panel_routes()
    assert len(routes) > 30
    before = db_snapshot()
    refused = []
    for route in routes:
        url = url_for(route, route_values(route, estate))
        for headers in ({}, {"HX-Request": "true", "HX-Current-URL": "http://testserver" + url}):
            response = client.post(url, form_data(estate, url), headers=headers)
            if response.status_code != 403:
                refused.append(f"POST {url} {headers and 'htmx'}: {response.status_code}")
    assert not refused, "accepted without a CSRF token:\n" + "\n".join(refused)
    assert not snapshot_changes(before, db_snapshot())
    if logged_in:  # logging out needs the token too
        assert client.get(reverse("orders:list")).status_code == 200


# --- the forms and htmx carry the token --------------------------------------------------------------------


class FormScan(HTMLParser):
    """POST forms and whether each has a csrfmiddlewaretoken, elements that post through htmx, <body hx-headers>."""

    def __init__(self):
        super().__init__()
        self.post_forms: list[dict] = []  # {"action", "token"}
        self.htmx_posts: list[str] = []
        self.body_headers: dict | None = None
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "body" and attributes.get("hx-headers"):
            self.body_headers = json.loads(attributes["hx-headers"])
        if tag == "form":
            is_post = (attributes.get("method") or "get").lower() == "post"
            self._form = {"action": attributes.get("action", ""), "token": ""} if is_post else None
            if is_post:
                self.post_forms.append(self._form)
        if tag == "input" and self._form is not None and attributes.get("name") == "csrfmiddlewaretoken":
            self._form["token"] = attributes.get("value") or ""
        for method in HTMX_METHODS:
            if method in attributes:
                self.htmx_posts.append(attributes[method])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def scan(response) -> FormScan:
    parser = FormScan()
    parser.feed(response.content.decode())
    return parser


def test_every_post_form_and_htmx_post_carries_the_token(estate):
    customer = Client(enforce_csrf_checks=True)
    customer.force_login(estate.account)
    anonymous = Client(enforce_csrf_checks=True)
    pages = []
    for route in panel_routes():
        values = route_values(route, estate)
        variants = [values]
        if route.params == {"order_id"}:  # the order's pages in each state: payable, withdrawable, withdrawn
            variants += [{"order_id": estate.unpaid_order.pk}, {"order_id": estate.document_order.pk}]
        pages += [(client, url_for(route, v)) for v in variants for client in (customer, anonymous)]

    forms = htmx = 0
    missing = []
    for client, url in pages:
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        page = scan(response)
        forms += len(page.post_forms)
        missing += [f"{url}: form to {form['action']!r}" for form in page.post_forms if not form["token"]]
        if page.htmx_posts:
            htmx += len(page.htmx_posts)
            token = (page.body_headers or {}).get("X-CSRFToken", "")
            if not token:
                missing.append(f"{url}: hx-post without X-CSRFToken in <body hx-headers>")
    assert not missing, "\n".join(missing)
    assert forms > 30 and htmx > 0, (forms, htmx)


def test_the_token_htmx_sends_is_accepted(estate):
    """The positive control of the refusals above: with the page's token, the same posts go through."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(estate.account)
    page = scan(client.get(reverse("ordering:catalog")))
    token = page.body_headers["X-CSRFToken"]
    added = client.post(
        reverse("ordering:cart_add"),
        {"pricing": estate.cart_item.pricing_id, "quantity": "1"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert added.status_code == 200
    assert sum(estate.cart.items.values_list("quantity", flat=True)) == 2
    (form,) = [f for f in page.post_forms if f["action"] == reverse("accounts:language")]
    changed = client.post(reverse("accounts:language"), {"language": "fr", "csrfmiddlewaretoken": form["token"]})
    assert changed.status_code == 302
    estate.account.refresh_from_db()
    assert estate.account.language == "fr"
