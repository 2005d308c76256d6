"""The tracking page and the purchase order kept rendered in the cache (orders.views.page_cache): a repeated visit
is served without the page's queries, with its own CSRF token and CSP nonce, and any write to a row the page
shows, the next local day, another language or another link back to the list gives a new key.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Subsidiary, User
from orders.models import Order, OrderStatus
from orders.services.consents import Evidence
from orders.services.withdrawals import WithdrawalRequest, order_withdraw
from orders.views.page_cache import ROW_SETS, TABLES, cache_key, fingerprint
from tests.support.factories import PaymentMethodFactory, SupportingDocumentFactory, pay_order, place_order
from tests.support.kept_pages import REQUEST_TABLES, anonymised, delivered, nonce, tables_read, touch

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])]
PARIS = ZoneInfo("Europe/Paris")
PAGES = ["orders:tracking", "orders:purchase_order"]


def at(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def url(page: str, order: Order, query: str = "") -> str:
    return reverse(page, args=[order.pk]) + query


@pytest.mark.parametrize("page", PAGES)
def test_a_repeated_visit_is_served_from_the_cache(client, page, django_assert_max_num_queries):
    order = delivered()
    client.force_login(order.account)
    first = client.get(url(page, order))
    with django_assert_max_num_queries(3):  # the session, the user, the fingerprint
        second = client.get(url(page, order))
    assert first.status_code == second.status_code == 200
    assert anonymised(first) == anonymised(second)
    assert order.number in second.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_each_response_has_its_own_nonce_and_a_token_that_works(page):
    order = delivered()
    client = Client(enforce_csrf_checks=True)
    client.force_login(order.account)
    client.get(url(page, order))
    responses = [client.get(url(page, order)) for _ in range(2)]
    nonces = [nonce(r) for r in responses]
    assert nonces[0] != nonces[1]
    for response, value in zip(responses, nonces, strict=True):
        assert response.content.decode().count(f'nonce="{value}"') == 2  # htmx and the panel's script
    token = re.search(r'"X-CSRFToken": "([^"]+)"', responses[1].content.decode()).group(1)
    changed = client.post(reverse("accounts:language"), {"language": "fr", "csrfmiddlewaretoken": token})
    assert changed.status_code == 302
    assert User.objects.get(pk=order.account_id).language == "fr"


def test_every_table_the_pages_read_is_in_the_fingerprint(client):
    order = delivered()
    client.force_login(order.account)
    read = tables_read(client, [url(page, order, "?back=page%3D2") for page in PAGES])
    assert read - REQUEST_TABLES - TABLES == set()
    assert "orders_orderevent" in read and "accounts_paymentmethod" in read  # the capture saw the page's reads


def withdrawn_with_everything() -> Order:
    """A delivered order withdrawn and refunded, with a supporting document: a row in every table of the key."""
    order = delivered()
    order_withdraw(
        order_id=order.pk,
        request=WithdrawalRequest(confirmed=True),
        evidence=Evidence(channel="panel", actor=order.account),
        channel="panel",
    )
    SupportingDocumentFactory(order=order)
    return order


def related_rows(model, order: Order):
    """`model`'s rows that the fingerprint reads for `order`."""
    paths = {
        "Plan": "orderline__order",
        "Service": "origin_line__order",
        "CreditNote": "refund__order",
        "WithdrawalLine": "withdrawal__order",
        "PaymentMethod": "account__orders",
    }
    return model.objects.filter(**{paths.get(model.__name__, "order"): order}).distinct()


def test_any_write_to_a_row_the_pages_show_changes_the_fingerprint():
    order = withdrawn_with_everything()
    versions = lambda: fingerprint(order_id=order.pk, account_id=order.account_id)[2]  # noqa: E731
    touched = []
    rows = [(Order, Order.objects.filter(pk=order.pk)), (User, User.objects.filter(pk=order.account_id))]
    rows.append((Subsidiary, Subsidiary.objects.filter(pk=order.subsidiary_id)))
    rows += [(model, related_rows(model, order)) for model in ROW_SETS]
    for model, queryset in rows:
        pk = queryset.values_list("pk", flat=True).first()
        assert pk is not None, f"the scenario has no {model.__name__}"
        before = versions()
        touch(model, pk=pk)
        assert versions() != before, model.__name__
        touched.append(model)
    assert len(touched) == len(ROW_SETS) + 3


def test_a_new_row_and_a_deleted_one_change_the_fingerprint():
    order = delivered()
    versions = lambda: fingerprint(order_id=order.pk, account_id=order.account_id)[2]  # noqa: E731
    before = versions()
    method = PaymentMethodFactory(account=order.account, is_default=False)
    added = versions()
    method.delete()
    assert len({before, added, versions()}) == 2 and added != before and versions() == before


def test_the_fingerprint_statement_is_prepared_on_each_new_connection():
    order = delivered()
    first = fingerprint(order_id=order.pk, account_id=order.account_id)
    connection.close()  # a new connection holds no prepared statement
    assert fingerprint(order_id=order.pk, account_id=order.account_id) == first
    assert fingerprint(order_id=order.pk, account_id=order.account_id + 1) is None  # another account's: nothing


def test_the_page_follows_a_withdrawal(client):
    order = delivered()
    client.force_login(order.account)
    for _ in range(2):
        assert "Withdraw" in client.get(url("orders:tracking", order)).content.decode()
    order_withdraw(
        order_id=order.pk,
        request=WithdrawalRequest(confirmed=True),
        evidence=Evidence(channel="panel", actor=order.account),
        channel="panel",
    )
    page = client.get(url("orders:tracking", order)).content.decode()
    assert "Withdrawal received" in page and "Order cancelled" in page


def test_the_next_local_day_ends_the_withdrawal_period_on_a_kept_page(client):
    order = pay_order(place_order(now=at(2026, 3, 4, 9)), now=at(2026, 3, 4, 10))  # withdrawable until March 18
    client.force_login(order.account)
    with time_machine.travel(at(2026, 3, 18, 23, 59), tick=False):
        pages = [client.get(url("orders:tracking", order)).content.decode() for _ in range(2)]
    assert all("Withdraw from contract here" in page for page in pages)
    with time_machine.travel(at(2026, 3, 19, 0, 0), tick=False):
        page = client.get(url("orders:tracking", order)).content.decode()
    assert "The withdrawal period has ended." in page and "Withdraw from contract here" not in page


def test_languages_and_links_back_are_kept_apart(client):
    order = delivered()
    client.force_login(order.account)
    english = client.get(url("orders:tracking", order)).content.decode()
    back = client.get(url("orders:tracking", order, "?back=page%3D2")).content.decode()
    assert "?page=2" in back and "?page=2" not in english
    User.objects.filter(pk=order.account_id).update(language="fr")
    french = client.get(url("orders:tracking", order)).content.decode()
    assert 'lang="fr"' in french and 'lang="en"' in english


def keyed(client, path: str) -> bool:
    """Whether the page at `path` would be kept, for the request the client makes."""
    request = client.get(path).wsgi_request
    order_id = int(re.search(r"/orders/(\d+)/", path).group(1))
    return cache_key(request, page="tracking", order_id=order_id) is not None


def test_pages_that_are_never_kept(client, settings):
    order = delivered()
    client.force_login(order.account)
    assert keyed(client, url("orders:tracking", order))
    assert keyed(client, url("orders:tracking", order, "?back=page%3D2"))
    assert not keyed(client, url("orders:tracking", order, "?back=page%3D2&x=1"))  # not a link the list makes
    assert not keyed(client, url("orders:tracking", order, "?utm=1"))
    unpaid = place_order(account=order.account)  # expires at an instant
    assert unpaid.status == OrderStatus.NOT_PAID and not keyed(client, url("orders:tracking", unpaid))
    settings.ORDER_PAGE_CACHE_SECONDS = 0
    assert not keyed(client, url("orders:tracking", order))
    settings.ORDER_PAGE_CACHE_SECONDS = 600
    User.objects.filter(pk=order.account_id).update(is_staff=True)
    assert not keyed(client, url("orders:tracking", order))


def test_a_message_to_show_is_shown_not_skipped(client):
    order = delivered()
    client.force_login(order.account)
    for _ in range(2):  # kept
        client.get(url("orders:purchase_order", order))
    redirected = client.post(reverse("orders:reorder", args=[order.pk]), follow=True)
    assert redirected.redirect_chain == [(url("orders:purchase_order", order), 302)]
    assert "Only an expired purchase order can be reordered." in redirected.content.decode()
    again = client.get(url("orders:purchase_order", order)).content.decode()
    assert "Only an expired purchase order can be reordered." not in again
