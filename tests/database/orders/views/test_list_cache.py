"""The orders list kept rendered in the cache (orders.views.list_cache): a repeated visit is served without the
list's queries, and any write to what it shows (through the triggers' change log, or the versions of the
account's and the reference rows), an unpaid order's expiry, another query or language gives a new key.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Subsidiary, User
from catalog.models import Plan
from orders.models import Consent, Invoice, Order, OrderLine, OrderListChange, Payment
from orders.models.list_change import LOGGED_TABLES
from orders.services.list_changes import list_changes_prune
from orders.services.payments import order_pay, payments_reconcile
from orders.tasks import prune_order_list_changes
from orders.views.list_cache import list_cache_key
from orders.views.list_query import parse_list_query
from payments.kinds import PaymentKind
from payments.models import SandboxTransaction
from tests.support.factories import PaymentMethodFactory, pay_order, place_order, subsidiary
from tests.support.kept_pages import REQUEST_TABLES, anonymised, delivered, tables_read, touch
from tests.support.pages import pay_url

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])]
LIST = reverse("orders:list")
REFERENCE_TABLES = {"accounts_user", "accounts_subsidiary", "catalog_plan"}


def key_of(client, query: str = "", **headers) -> str | None:
    """The key the list would be kept under, for the client's account."""
    request = client.get(LIST + query, headers=headers).wsgi_request
    parsed, problems = parse_list_query(request.GET)
    return list_cache_key(request, query=parsed, valid=not problems, partial=bool(headers))


def test_a_repeated_visit_is_served_from_the_cache(client, django_assert_max_num_queries):
    order = delivered()
    client.force_login(order.account)
    first = client.get(LIST)
    with django_assert_max_num_queries(3):  # the session, the user, the key's probe
        second = client.get(LIST)
    assert anonymised(first) == anonymised(second) and order.number in second.content.decode()
    rows = client.get(LIST, headers={"HX-Request": "true"})
    assert "<html" not in rows.content.decode() and order.number in rows.content.decode()
    assert second["Vary"] == rows["Vary"] and "HX-Request" in rows["Vary"]


def test_every_table_the_list_reads_is_logged_or_versioned(client):
    account = delivered().account
    pay_order(place_order(account=account))
    place_order(account=account)
    client.force_login(account)
    read = tables_read(client, [LIST + query for query in ("", "?sort=amount", "?status=all", "?page=2")])
    assert read - REQUEST_TABLES - REFERENCE_TABLES - set(LOGGED_TABLES) == set()
    assert {"orders_orderline", "orders_consent", "catalog_plan"} <= read  # the capture saw the withdrawal reads


def test_a_write_to_any_row_the_list_shows_changes_the_key(client):
    order = delivered()
    other = delivered()
    client.force_login(order.account)
    writes = [
        (Order, {"pk": order.pk}),
        (OrderLine, {"order": order}),
        (Consent, {"order": order}),
        (Invoice, {"order": order}),
        (Payment, {"order": order}),
        (User, {"pk": order.account_id}),
        (Subsidiary, {"pk": order.subsidiary_id}),
        (Plan, {"orderline__order": order}),
    ]
    assert {model._meta.db_table for model, _ in writes} == set(LOGGED_TABLES) | REFERENCE_TABLES
    for model, lookup in writes:
        before = key_of(client)
        touch(model, **lookup)
        assert key_of(client) != before, model.__name__
    before = key_of(client)
    touch(Order, pk=other.pk)  # another account's order
    assert key_of(client) == before


def test_a_row_committed_late_with_a_smaller_id_changes_the_key(client):
    order = delivered()
    client.force_login(order.account)
    smallest = OrderListChange.objects.filter(account=order.account).order_by("id").first()
    smallest.delete()
    before = key_of(client)
    OrderListChange.objects.create(id=smallest.id, account=order.account)  # as a transaction that took it first
    assert key_of(client) != before


def test_pruning_keeps_one_row_per_account_and_a_new_key(client):
    order = delivered()
    client.force_login(order.account)
    assert OrderListChange.objects.filter(account=order.account).count() > 1
    before = key_of(client)
    assert list_changes_prune() >= 1 and prune_order_list_changes.apply().result == 0  # the second finds nothing
    assert OrderListChange.objects.filter(account=order.account).count() == 1
    assert key_of(client) != before


def test_a_pruned_log_never_returns_to_an_earlier_key(client):
    order = delivered()
    client.force_login(order.account)
    log = OrderListChange.objects.filter(account=order.account)
    free_id = min(log.values_list("id", flat=True))
    log.delete()
    OrderListChange.objects.create(account=order.account)
    alone = key_of(client)  # one row visible, the largest id
    OrderListChange.objects.create(id=free_id, account=order.account)  # committed late, with a smaller id
    assert key_of(client) != alone
    list_changes_prune()  # keeping the largest row alone would bring back `alone` for a page that changed since
    assert key_of(client) != alone


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
