"""Access sweep: every URL of the panel and of the /1.0/ API that names one of customer A's objects, requested
by customer B, answers 404 (as for an id that does not exist) and changes nothing.

The routes come from the resolver: a new route with an unknown parameter fails `test_the_sweep_knows_every_route`
until PANEL_FILL (tests/abuse_support.py), NOT_OBJECT_IDS or API_FILL says how to fill it: the sweep stays complete.
"""

from collections import defaultdict

import pytest
from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.models import OutboxEmail
from orders.models import Refund, Withdrawal
from orders.services.withdrawal_links import LINK_SALT
from payments.models import SandboxTransaction
from tests.support.abuse import (
    PANEL_FILL,
    PDF,
    Estate,
    all_routes,
    api_routes,
    build_estate,
    db_snapshot,
    panel_routes,
    snapshot_changes,
    url_for,
)
from tests.support.api import Api, token_for
from tests.support.factories import PaymentMethodFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

MISSING = 987654321  # an id no object has

# Routes that look the id up among the customer's own objects and answer a missing one with a message rather
# than a 404: a foreign id must get exactly the answer a missing one gets.
SAME_AS_MISSING = {
    "ordering:cart_remove": "the item is looked up in the customer's own cart (a double click must not be a 404)",
}
# Parameterised panel routes that name no customer object.
NOT_OBJECT_IDS = {
    "orders:withdraw_link": "a signed one-time link (see the tests of the link below)",
    "accounts:confirm_email": "a signed sign-up confirmation token, not an object id",
    "api_panel:validate": "the validation token of a credential request, handed to whoever will grant it",
    "api_panel:contract": "public contract texts",
    "password_reset_confirm": "Django's password reset token",
    "sandbox_paypal": "the sandbox's stand-in for PayPal's page: an unguessable approval token, PayPal's not ours",
}
# API parameters (OVHcloud's names): A's values. `product` and `catalogName` name catalogue entries, alike for all.
API_FILL = {
    "orderId": lambda e: e.order.pk,
    "orderDetailId": lambda e: e.line.pk,
    "billId": lambda e: e.invoice.number,
    "billDetailId": lambda e: "1",
    "refundId": lambda e: e.refund.pk,
    "paymentMethodId": lambda e: e.method.pk,
    "cartId": lambda e: e.cart.pk,
    "itemId": lambda e: e.cart_item.pk,
    "configurationId": lambda e: 1,
    "product": lambda e: e.cart_item.pricing.plan.family,
}
API_MISSING = {
    "billId": "FR-0000-999999",
    "cartId": "6f1e0000-0000-4000-8000-000000000000",
    "configurationId": 99,
    "billDetailId": "999",
}
API_PUBLIC_PARAMS = {"catalogName", "product"}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def estate_a() -> Estate:
    return build_estate(username="customer-a")


@pytest.fixture
def customer_b():
    account = UserFactory(username="customer-b")
    PaymentMethodFactory(account=account)
    return account


def client_for(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


def post_data(account) -> dict:
    """Enough for any of the panel's forms to act, were the object B's: only ownership should stop it."""
    return {
        "confirm": "on",
        "reason": "unused",
        "action": "saved",
        "method": account.payment_methods.first().pk,
        "payment_attempt": "attempt",
        "quantity": "1",
        "files": SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf"),
    }


# --- completeness -----------------------------------------------------------------------------------------


def test_the_sweep_knows_every_route():
    routes = panel_routes()
    unknown = [
        route.path
        for route in routes
        if route.params and route.params not in PANEL_FILL and route.name not in NOT_OBJECT_IDS
    ]
    assert not unknown, f"new panel routes with parameters: add them to PANEL_FILL or NOT_OBJECT_IDS: {unknown}"
    names = {route.name for route in routes}
    assert not (set(NOT_OBJECT_IDS) | set(SAME_AS_MISSING)) - names, "stale entries in NOT_OBJECT_IDS/SAME_AS_MISSING"
    api_unknown = [r.path for r in api_routes() if r.params - set(API_FILL) - API_PUBLIC_PARAMS]
    assert not api_unknown, f"new API routes with parameters: add them to API_FILL: {api_unknown}"
    assert sum(1 for route in routes if route.params in PANEL_FILL) >= 15
    assert sum(1 for route in api_routes() if route.params & set(API_FILL)) >= 20


# --- the panel ---------------------------------------------------------------------------------------------


def panel_object_urls(estate: Estate) -> dict:
    """Every panel route that names an object, filled with the estate's objects."""
    routes = [route for route in panel_routes() if route.params in PANEL_FILL]
    return {route: url_for(route, PANEL_FILL[route.params](estate)) for route in routes}


def answers_not_as_missing(client, account, urls: dict) -> list[str]:
    """The URLs whose answer to `client` (GET, POST, htmx GET) is not the answer an id that does not exist gets."""
    failures = []
    for route, url in urls.items():
        missing_url = url_for(route, dict.fromkeys(route.params, MISSING))
        for method in ("GET", "POST"):
            send = client.get if method == "GET" else lambda u: client.post(u, post_data(account))
            send_htmx = (lambda u: client.get(u, headers={"HX-Request": "true"})) if method == "GET" else None
            answer, missing = send(url), send(missing_url)
            if route.name in SAME_AS_MISSING:
                same = (answer.status_code, answer.get("Location")) == (missing.status_code, missing.get("Location"))
                if not same or answer.status_code >= 500:
                    failures.append(f"{method} {url}: {answer.status_code}, a missing id gets {missing.status_code}")
                continue
            expected = 405 if missing.status_code == 405 else 404
            if answer.status_code != expected or missing.status_code not in {404, 405}:
                failures.append(f"{method} {url}: {answer.status_code} (expected {expected})")
            if send_htmx and send_htmx(url).status_code != expected:
                failures.append(f"htmx {method} {url}: not {expected}")
    return failures


def test_every_object_url_of_the_panel_is_a_404_for_another_customer(estate_a, customer_b):
    urls = panel_object_urls(estate_a)
    owner, other = client_for(estate_a.account), client_for(customer_b)
    for url in urls.values():  # each URL reaches a real object of A's: A is not told "not found"
        assert owner.get(url).status_code in {200, 302, 405}, (url, "the owner should reach it")

    before = db_snapshot()
    failures = answers_not_as_missing(other, customer_b, urls)
    assert not failures, "\n".join(failures)
    assert not snapshot_changes(before, db_snapshot())


# Panel pages staff read for any customer (with the admin's permission for what they show, and the second factor):
# accounts.two_factor.staff_may. Every other object URL is the customer's alone, staff included.
STAFF_READS = {
    "orders:purchase_order",
    "orders:purchase_order_pdf",
    "orders:bill",
    "orders:bill_pdf",
    "orders:credit_note",
    "orders:credit_note_pdf",
    "orders:document_file",
}


def test_staff_read_customers_objects_only_with_the_second_factor(estate_a, settings):
    """With STAFF_2FA, a staff password alone (the customer login page, or the admin's stopped before the code) is
    a customer like B: 404 for every URL of A's. Once the session is verified, the pages of STAFF_READS open."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.STAFF_2FA = True
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)  # every permission: only the code lacks
    PaymentMethodFactory(account=staff)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    urls = panel_object_urls(estate_a)
    assert {route.name for route in urls} >= STAFF_READS

    password_only, admin_password_only = Client(), Client()
    assert password_only.post(reverse("login"), {"username": "staff", "password": "demo"}).status_code == 302
    admin_login = admin_password_only.post(reverse("admin:login"), {"username": "staff", "password": "demo"})
    assert admin_login.status_code == 302
    stopped_at = admin_password_only.get(reverse("admin:index"), follow=True).redirect_chain[-1][0]
    assert stopped_at.startswith(reverse("admin:otp"))  # the admin waits for the code
    before = db_snapshot()
    for client in (password_only, admin_password_only):
        failures = answers_not_as_missing(client, staff, urls)
        assert not failures, "\n".join(failures)
    assert not snapshot_changes(before, db_snapshot())

    verified = password_only  # the same session, after the code
    assert verified.post(reverse("admin:otp"), {"code": f"{TOTP(device.bin_key).token():06d}"}).status_code == 302
    for route, url in urls.items():
        if route.name in STAFF_READS:
            assert verified.get(url).status_code == 200, url
    failures = answers_not_as_missing(verified, staff, {r: u for r, u in urls.items() if r.name not in STAFF_READS})
    assert not failures, "\n".join(failures)  # the rest is the customer's alone
    assert not snapshot_changes(before, db_snapshot())


def test_a_customer_is_turned_away_from_the_admin(estate_a, customer_b):
    other = client_for(customer_b)
    # Any id in the admin's URLs: A's order's (object_id, pk…), A's account's, a content type.
    values = defaultdict(lambda: estate_a.order.pk, {"id": estate_a.account.pk, "content_type_id": 1})
    # Every admin page, index included, but not its own login/logout pages nor the regex catch-alls.
    admin_routes = [
        route
        for route in all_routes()
        if route.is_admin and "(?P" not in route.path and route.name not in {"admin:login", "admin:logout"}
    ]
    assert len(admin_routes) > 50
    for route in admin_routes:
        url = url_for(route, values)
        for response in (other.get(url), other.post(url, {"action": "delete_selected"})):
            assert response.status_code == 302, (url, response.status_code)
            assert response["Location"].startswith(reverse("admin:login")), url
    assert other.get("/admin/orders/").status_code == 302


# --- the API -----------------------------------------------------------------------------------------------


API_BODY = {
    "paymentMethod": {"id": 1},
    "reason": "unused",
    "planCode": "x",
    "duration": "P1M",
    "quantity": 1,
    "label": "a",
    "value": "b",
    "description": "d",
    "domain": "a.fr",
    "paymentMean": "creditCard",
    "itemId": 1,
}


# Routes whose GET answers its owner only with a query parameter (`?domain=`): the other customer's 404 comes first.
API_NEEDS_QUERY = ("/domain",)


def assert_ovh_404(response, where: str) -> dict:
    assert response.status_code == 404, (where, response.status_code, response.content)
    assert response["Content-Type"] == "application/json", where
    body = response.json()
    assert set(body) == {"message", "httpCode"} and body["httpCode"] == "404 Not Found", (where, body)
    assert isinstance(body["message"], str) and body["message"], where
    return body


def test_every_object_route_of_the_api_is_a_404_for_another_customer(estate_a, customer_b):
    routes = [route for route in api_routes() if route.params & set(API_FILL)]
    owner = Api(Client(), estate_a.api_token)
    other = Api(Client(), token_for(customer_b))
    a_values = {name: fill(estate_a) for name, fill in API_FILL.items()}
    missing_values = {**a_values, **dict.fromkeys(set(API_FILL) - API_PUBLIC_PARAMS, MISSING), **API_MISSING}
    for route in routes:
        path = url_for(route, a_values).removeprefix("/1.0")
        if "GET" in route.callback.operations and not path.endswith(API_NEEDS_QUERY):  # the owner reads it: real ids
            if path.endswith("/options"):  # its planCode is required
                path += f"?planCode={estate_a.cart_item.pricing.plan.plan_code}"
            if path.endswith("/debt"):  # A's order is paid: it owes nothing, which is a 404 of its own
                assert owner.get(path).json()["message"] == "This order has no debt"
                continue
            assert owner.get(path).status_code == 200, (path, owner.get(path).content)

    before = db_snapshot()
    for route in routes:
        path = url_for(route, a_values).removeprefix("/1.0")
        missing_path = url_for(route, missing_values).removeprefix("/1.0")
        for method in route.callback.operations:
            body = None if method in {"GET", "DELETE"} else API_BODY
            answer = assert_ovh_404(other.call(method, path, body), f"{method} {path}")
            missing = assert_ovh_404(other.call(method, missing_path, body), f"{method} {missing_path}")
            assert answer["message"] == missing["message"], (method, path)  # nothing tells the two apart
    assert not snapshot_changes(before, db_snapshot())

    # The lists of B's objects do not include A's.
    for path in ("/me/order", "/me/refund", "/me/bill", "/me/payment/method", "/order/cart"):
        listed = other.get(path).json()
        assert not {estate_a.order.pk, estate_a.refund.pk, estate_a.invoice.number, str(estate_a.cart.pk)} & set(
            listed
        ), path


# --- the one-time withdrawal link --------------------------------------------------------------------------


def link_emails(order) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(key__startswith=f"withdrawal-link:{order.pk}:"))


def test_withdrawal_links_of_a_give_b_nothing(estate_a, customer_b):
    order = estate_a.document_order  # paid, in validation: withdrawable
    other = client_for(customer_b)
    start = reverse("orders:withdraw_start")

    # B asks for a link to A's order with B's own address: none is sent (and the answer is the usual one).
    answer = other.post(start, {"order": order.pk, "email": customer_b.email})
    assert answer.status_code == 302 and not link_emails(order)

    # B forges a link for A's order: refused, nothing recorded.
    forged = signing.dumps({"order": order.pk}, salt=LINK_SALT, key="not-" + settings.SECRET_KEY)
    tampered = signing.dumps({"order": estate_a.unpaid_order.pk}, salt=LINK_SALT)[:-2] + "xx"
    before = db_snapshot()
    for token in (forged, tampered, "x" * 40):
        url = reverse("orders:withdraw_link", args=[token])
        assert other.get(url).status_code == 400
        assert other.post(url, {"confirm": "on", "reason": "unused"}).status_code == 400
    assert not snapshot_changes(before, db_snapshot())

    # A's real link, once A has used it, does nothing more for B: one withdrawal, one refund, one charge back.
    assert Client().post(start, {"order": order.pk, "email": estate_a.account.email}).status_code == 302
    (email,) = link_emails(order)
    link = email.context["path"]
    assert Client().post(link, {"confirm": "on", "reason": "unused"}).status_code == 302
    assert Withdrawal.objects.filter(order=order).count() == 1
    before = db_snapshot()
    page = other.post(link, {"confirm": "on", "reason": "other"})
    assert page.status_code == 200 and "orders/withdrawn.html" in [t.name for t in page.templates]
    assert not snapshot_changes(before, db_snapshot())
    refund = Refund.objects.get(order=order)
    refunds = SandboxTransaction.objects.filter(operation="refund", idempotency_key=refund.idempotency_key)
    assert refunds.count() == 1
    # Holding A's link opens none of A's pages to B.
    assert other.get(reverse("orders:tracking", args=[order.pk])).status_code == 404
