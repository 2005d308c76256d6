"""The orders list kept rendered in the cache (orders.views.list_cache), on SQLite as on PostgreSQL: a repeated
visit is served without the list's queries, or answered 304 when the browser holds it; a new version of the
account's or the reference data's pages, an unpaid order's expiry, another query or language gives a new key.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.page_versions import account_pages_changed, reference_pages_changed
from orders.page_versions import order_pages_changed
from orders.services.payments import order_pay, payments_reconcile
from orders.views.list_cache import list_page_key
from orders.views.list_query import parse_list_query
from payments.kinds import PaymentKind
from payments.models import SandboxTransaction
from tests.support.factories import PaymentMethodFactory, place_order, subsidiary
from tests.support.kept_pages import anonymised, delivered, revalidated
from tests.support.pages import pay_url

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
LIST = reverse("orders:list")


def key_of(client, query: str = "", **headers) -> str | None:
    """The key the list would be kept under, for the client's account."""
    request = client.get(LIST + query, headers=headers).wsgi_request
    parsed, problems = parse_list_query(request.GET)
    key = list_page_key(request, query=parsed, valid=not problems, partial=bool(headers))
    return key and key.key


def test_a_repeated_visit_is_served_from_the_cache(client, django_assert_max_num_queries):
    order = delivered()
    client.force_login(order.account)
    first = client.get(LIST)
    with django_assert_max_num_queries(2):  # the session with its user, the page versions
        second = client.get(LIST)
    assert anonymised(first) == anonymised(second) and order.number in second.content.decode()
    rows = client.get(LIST, headers={"HX-Request": "true"})
    assert "<html" not in rows.content.decode() and order.number in rows.content.decode()
    assert second["Vary"] == rows["Vary"] and "HX-Request" in rows["Vary"]


def test_the_accounts_and_the_reference_versions_change_the_key_and_another_accounts_do_not(client):
    order = delivered()
    other = delivered()
    client.force_login(order.account)
    keys = [key_of(client)]
    for bump in (
        lambda: order_pages_changed(order_ids=[order.pk]),
        lambda: account_pages_changed(account_ids=[order.account_id]),
        reference_pages_changed,
    ):
        bump()
        keys.append(key_of(client))
    assert None not in keys and len(set(keys)) == 4
    order_pages_changed(order_ids=[other.pk])  # another account's order
    account_pages_changed(account_ids=[other.account_id])
    assert key_of(client) == keys[-1]


def test_a_browser_holding_the_list_gets_a_304_until_it_changes(client, django_assert_max_num_queries):
    order = delivered()
    client.force_login(order.account)
    for headers in ({}, {"HX-Request": "true"}):
        first = client.get(LIST, headers=headers)
        assert first["Cache-Control"] == "private, no-cache" and first["ETag"] and first["Last-Modified"]
        with django_assert_max_num_queries(2):  # the session with its user, the page versions
            again = revalidated(client, LIST, first, **headers)
        assert again.status_code == 304 and "Content-Security-Policy" not in again
    page, rows = client.get(LIST), client.get(LIST, headers={"HX-Request": "true"})
    assert page["ETag"] != rows["ETag"]
    order_pages_changed(order_ids=[order.pk])
    assert revalidated(client, LIST, page).status_code == 200


def test_an_unpaid_order_leaves_the_kept_list_when_it_expires(client):
    order = place_order()
    client.force_login(order.account)
    link = f'href="{reverse("orders:purchase_order", args=[order.pk])}"'
    with time_machine.travel(order.expires_at - timedelta(minutes=1), tick=False):
        pages = [client.get(LIST).content.decode() for _ in range(2)]
    assert all(link in page for page in pages)
    with time_machine.travel(order.expires_at + timedelta(minutes=1), tick=False):
        page = client.get(LIST).content.decode()
    assert link not in page  # expired orders are hidden by default, before the sweep marks them


def test_the_kept_list_follows_a_payment_that_starts_then_settles(client):
    order = place_order()
    account = order.account
    client.force_login(account)
    pay = f'href="{pay_url(order)}'
    pages = [client.get(LIST).content.decode() for _ in range(2)]  # the second one is the kept copy
    assert all(pay in page and "Payment in progress" not in page for page in pages)
    sepa = PaymentMethodFactory(account=account, kind=PaymentKind.SEPA)
    payment = order_pay(order_id=order.pk, account=account, method=sepa)
    pages = [client.get(LIST).content.decode() for _ in range(2)]
    assert all(pay not in page and "Payment in progress" in page for page in pages)
    SandboxTransaction.objects.filter(reference=payment.gateway_reference).update(settles_at=timezone.now())
    assert payments_reconcile() == 1
    page = client.get(LIST).content.decode()
    assert "Payment in progress" not in page and pay not in page


def test_the_key_changes_at_midnight_in_each_subsidiarys_time_zone_and_not_otherwise(client):
    order = delivered()
    client.force_login(order.account)
    tomorrow = timezone.now().date() + timedelta(days=1)

    def key_at(instant: datetime) -> str:
        with time_machine.travel(instant, tick=False):
            return key_of(client)

    def midnight(zone: str) -> datetime:
        return datetime.combine(tomorrow + timedelta(days=1), time(0), tzinfo=ZoneInfo(zone))

    minute = timedelta(minutes=1)
    morning_utc = datetime.combine(tomorrow, time(10), tzinfo=UTC)
    assert key_at(morning_utc) == key_at(morning_utc + timedelta(hours=10))  # no subsidiary's midnight in between
    assert subsidiary("CA").time_zone == "America/Toronto"
    for zone in ("Europe/Paris", "America/Toronto"):
        assert key_at(midnight(zone) - minute) != key_at(midnight(zone) + minute), zone


def test_languages_and_pages_are_kept_apart(client):
    order = delivered()
    client.force_login(order.account)
    keys = {key_of(client), key_of(client, "?page=2"), key_of(client, "?sort=amount")}
    User.objects.filter(pk=order.account_id).update(language="fr")
    keys.add(key_of(client))
    assert len(keys) == 4 and None not in keys


def test_lists_that_are_never_kept(client):
    order = delivered()
    client.force_login(order.account)
    today = timezone.localdate().isoformat()
    for query in (f"?date_from={today}", f"?q={order.number}", "?page=1", "?sort=nonsense", "?x=1"):
        assert key_of(client, query) is None, query
    assert key_of(client, "?status=delivered") is not None
    User.objects.filter(pk=order.account_id).update(is_staff=True)
    assert key_of(client) is None
