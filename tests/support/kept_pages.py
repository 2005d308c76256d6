"""What the tests of kept pages share (test_page_cache.py and test_list_cache.py, tests/database/orders/views/)."""

import re

from orders.models import Order
from orders.services.delivery import order_deliver
from orders.services.payments import order_pay
from orders.services.validation import order_validate
from tests.support.factories import PaymentMethodFactory, UserFactory, place_order


def delivered(account=None) -> Order:
    """A first order paid by card, validated and delivered through the services."""
    account = account or UserFactory()
    order = place_order(account=account)
    order_pay(order_id=order.pk, account=account, method=PaymentMethodFactory(account=account))
    order_validate(order_id=order.pk, staff=None)
    return order_deliver(order_id=order.pk)


def nonce(response) -> str:
    return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)


def anonymised(response) -> str:
    """The body with this response's nonce and CSRF token replaced, to compare two responses' content."""
    body = response.content.decode()
    assert "\x00" not in body
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    return body.replace(nonce(response), "NONCE").replace(token, "TOKEN")


def revalidated(client, path: str, response, **headers):
    """The answer to the request a browser holding `response` makes to revalidate it."""
    return client.get(
        path,
        headers={"If-None-Match": response["ETag"], "If-Modified-Since": response["Last-Modified"], **headers},
    )
