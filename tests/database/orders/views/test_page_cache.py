"""The tracking page and the purchase order kept rendered in the cache (orders.views.page_cache), on SQLite as on
PostgreSQL: a repeated visit is served without the page's queries, with its own CSRF token and CSP nonce, or
answered 304 when the browser holds it; a new page version, the next local day, another language or another link
back to the list gives a new key. That every write a page shows bumps a version is tested per service
(tests/database/*/test_page_versions_*.py).
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core.page_versions import account_pages_changed, reference_pages_changed
from orders.models import Order, OrderStatus
from orders.page_versions import order_pages_changed
from orders.services.consents import Evidence
from orders.services.withdrawals import WithdrawalRequest, order_withdraw
from orders.views.page_cache import order_page_key
from tests.support.factories import pay_order, place_order
from tests.support.kept_pages import anonymised, delivered, nonce, revalidated

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
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
    with django_assert_max_num_queries(2):  # the session with its user, the page versions
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


def key_of(client, page: str, order: Order) -> str | None:
    """The key the order's page would be kept under, for the request the client makes."""
    request = client.get(url(page, order)).wsgi_request
    key = order_page_key(request, page=page, order_id=order.pk)
    return key and key.key


@pytest.mark.parametrize("page", PAGES)
def test_each_page_version_changes_the_key_and_another_orders_does_not(client, page):
    order = delivered()
    other = delivered()
    client.force_login(order.account)
    bumps = [
        lambda: order_pages_changed(order_ids=[order.pk]),
        lambda: account_pages_changed(account_ids=[order.account_id]),
        reference_pages_changed,
    ]
    keys = [key_of(client, page, order)]
    for bump in bumps:
        bump()
        keys.append(key_of(client, page, order))
    assert None not in keys and len(set(keys)) == len(bumps) + 1
    order_pages_changed(order_ids=[other.pk])  # another account's order
    assert key_of(client, page, order) == keys[-1]


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
    return order_page_key(request, page="tracking", order_id=order_id) is not None


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


@pytest.mark.parametrize("page", PAGES)
def test_a_browser_holding_the_page_gets_a_304_until_it_changes(client, page, django_assert_max_num_queries):
    order = delivered()
    client.force_login(order.account)
    first = client.get(url(page, order))
    assert first["Cache-Control"] == "private, no-cache" and first["ETag"] and first["Last-Modified"]
    with django_assert_max_num_queries(2):  # the session with its user, the page versions: nothing rendered
        again = revalidated(client, url(page, order), first)
    assert again.status_code == 304 and again.content == b""
    assert "Content-Security-Policy" not in again  # the browser keeps its copy's, whose nonce the copy holds
    assert again["ETag"] == first["ETag"]
    order_withdraw(
        order_id=order.pk,
        request=WithdrawalRequest(confirmed=True),
        evidence=Evidence(channel="panel", actor=order.account),
        channel="panel",
    )
    changed = revalidated(client, url(page, order), first)
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_a_new_csrf_cookie_makes_the_copy_stale(client):
    """The page holds a token of the CSRF cookie: after a new one (a new login), the old copy must not be used."""
    order = delivered()
    client.force_login(order.account)
    first = client.get(url("orders:tracking", order))
    client.cookies.pop("csrftoken", None)
    client.get(reverse("dashboard"))  # a page that sets a new CSRF cookie
    assert revalidated(client, url("orders:tracking", order), first).status_code == 200


def test_htmx_polls_of_the_steps_are_answered_304_while_nothing_changes(client):
    order = place_order()
    pay_order(order)  # paid, waiting for validation: the steps poll
    client.force_login(order.account)
    poll = {"HX-Request": "true"}
    first = client.get(url("orders:tracking", order), headers=poll)
    assert first.status_code == 200 and "<html" not in first.content.decode() and "hx-trigger" in first.content.decode()
    assert "HX-Request" in first["Vary"]
    assert revalidated(client, url("orders:tracking", order), first, **poll).status_code == 304
    page = client.get(url("orders:tracking", order))
    assert page["ETag"] != first["ETag"]  # the page and its steps are kept apart
    order_pages_changed(order_ids=[order.pk])
    assert revalidated(client, url("orders:tracking", order), first, **poll).status_code == 200
