"""The orders' admin: search by number, customer handle or email, and a CSV export of the selected orders."""

import csv
import io
from datetime import UTC

import pytest
from django.urls import reverse

from accounts.groups import ensure_staff_groups
from tests.support.factories import UserFactory, pay_order, place_order

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])
CHANGELIST = reverse("admin:orders_order_changelist")


@pytest.fixture
def finance_client(client):
    user = UserFactory(is_staff=True)
    user.groups.add(ensure_staff_groups()["finance"])
    client.force_login(user)
    return client


def found(client, term: str) -> set[int]:
    response = client.get(CHANGELIST, {"q": term})
    assert response.status_code == 200
    return {order.pk for order in response.context["cl"].result_list}


def test_search_by_number_handle_and_email(finance_client):
    alice = UserFactory(email="alice@example.com")
    bob = UserFactory(email="bob@example.net")
    a1, a2 = place_order(account=alice), place_order(account=alice)
    b1 = place_order(account=bob)

    assert found(finance_client, a2.number) == {a2.pk}
    assert found(finance_client, alice.handle) == {a1.pk, a2.pk}
    assert found(finance_client, alice.handle.lower()) == {a1.pk, a2.pk}
    assert found(finance_client, "bob@example.net") == {b1.pk}
    assert found(finance_client, "example.net") == {b1.pk}
    assert found(finance_client, "nobody") == set()
    assert found(finance_client, "999999") == set()


def test_csv_export_of_the_selected_orders(finance_client):
    account = UserFactory()
    paid = pay_order(place_order(account=account))
    unpaid = place_order(account=account)
    place_order()  # not selected

    response = finance_client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [unpaid.pk, paid.pk]})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="orders.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["number", "date", "account", "status", "total_incl_vat", "currency"],
        *[
            [o.number, o.created_at.astimezone(UTC).isoformat(), account.handle, str(o.status), "12.00", "EUR"]
            for o in (paid, unpaid)
        ],
    ]
    assert rows[2][3] == "notPaid" and rows[1][3] != "notPaid"


def test_customers_cannot_export(client):
    order = place_order()
    client.force_login(order.account)
    response = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [order.pk]})
    assert response.status_code == 302 and "login" in response["Location"]
