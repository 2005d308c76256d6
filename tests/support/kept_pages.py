"""What the tests of kept pages share (test_page_cache.py and test_list_cache.py, tests/database/orders/views/)."""

import re

from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from orders.services.delivery import order_deliver
from orders.services.payments import order_pay
from orders.services.validation import order_validate
from tests.support.factories import PaymentMethodFactory, UserFactory, place_order

# Read by every logged-in page before the view runs (session, user, lockout, 2FA), not by the page itself.
REQUEST_TABLES = {"django_session", "accounts_user", "otp_totp_totpdevice", "otp_static_staticdevice"}


def delivered(account=None) -> Order:
    """A first order paid by card, validated and delivered through the services."""
    account = account or UserFactory()
    order = place_order(account=account)
    order_pay(order_id=order.pk, account=account, method=PaymentMethodFactory(account=account))
    order_validate(order_id=order.pk, staff=None)
    return order_deliver(order_id=order.pk)


def tables_read(client, paths: list[str]) -> set[str]:
    """The tables the queries of these pages read (each page must answer 200)."""
    read = set()
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200, path
        for query in queries:
            read |= set(re.findall(r'(?:FROM|JOIN) "(\w+)"', query["sql"]))
    return read


def touch(model, **lookup) -> None:
    """A write that changes no value: still a new row version, and a statement the list's triggers log."""
    column = model._meta.pk.attname
    assert model.objects.filter(**lookup).update(**{column: F(column)}) >= 1, model.__name__


def nonce(response) -> str:
    return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)


def anonymised(response) -> str:
    """The body with this response's nonce and CSRF token replaced, to compare two responses' content."""
    body = response.content.decode()
    assert "\x00" not in body
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    return body.replace(nonce(response), "NONCE").replace(token, "TOKEN")
