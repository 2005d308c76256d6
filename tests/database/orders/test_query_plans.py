"""Query plans of "View my orders", tracking and the purchase order on scale data (PostgreSQL's EXPLAIN).

The queries are the ones a real request issues (captured), explained with ANALYZE so that only nodes that
ran count. The list must come out of its index already sorted (no Sort over the customer's orders) and
its count read only that index; no page reads a whole orders table.
"""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Subsidiary, User
from accounts.subsidiaries import seller_values, subsidiary_rows
from bench.scale_data import BIG_CUSTOMER, scale_data_generate
from orders.models import Order, OrderStatus

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(databases=["default", "sandbox"])]
ORDER_TABLES = {"orders_order", "orders_orderline", "orders_orderevent", "orders_consent", "orders_payment"}
DATABASES = ("default", "sandbox")


@pytest.fixture(scope="module")
def scale_data(django_db_setup, django_db_blocker):
    """The scale data, generated once for the module and committed: scale_data runs outside a transaction and
    VACUUMs, as `python -m bench scale_data` does. The tests only read it (each inside its own rolled-back
    transaction); the tables are emptied afterwards, as after a transactional test."""
    with django_db_blocker.unblock():
        if not Subsidiary.objects.exists():  # a transactional test before this module flushed them
            Subsidiary.objects.bulk_create(Subsidiary(**row, **seller_values(row["code"])) for row in subsidiary_rows())
        scale_data_generate(customers=40, orders=12_000, big_orders=1_000, now=timezone.now())
        yield User.objects.get(username=BIG_CUSTOMER).pk
        for alias in DATABASES:
            call_command("flush", verbosity=0, interactive=False, database=alias)


@pytest.fixture
def big_customer(scale_data):
    return User.objects.get(pk=scale_data)


def captured(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("SELECT")]


def plan_nodes(sql: str) -> list[dict]:
    """Every node of the plan that ran at least once."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    nodes, todo = [], [plan[0]["Plan"]]
    while todo:
        node = todo.pop()
        if node.get("Actual Loops", 1):
            nodes.append(node)
            todo += node.get("Plans", [])
    return nodes


def seq_scans(nodes: list[dict]) -> set[str]:
    return {n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"} & ORDER_TABLES


def sorts(nodes: list[dict]) -> list[dict]:
    return [n for n in nodes if n["Node Type"] in {"Sort", "Incremental Sort"}]


def indexes(nodes: list[dict]) -> set[str]:
    return {n["Index Name"] for n in nodes if "Index Name" in n}


@pytest.mark.parametrize(
    ("sort", "index"),
    [("", "order_account_list_idx"), ("amount", "order_account_amount_idx"), ("-number", "order_account_number_idx")],
)
def test_the_list_page_comes_sorted_out_of_its_index(client, big_customer, sort, index):
    client.force_login(big_customer)
    queries = captured(client, reverse("orders:list") + (f"?sort={sort}" if sort else ""))
    (page,) = [q for q in queries if '"orders_order"."id"' in q and "LIMIT 10" in q]
    nodes = plan_nodes(page)
    assert index in indexes(nodes)
    assert not sorts(nodes) and not seq_scans(nodes)


def test_the_list_count_reads_only_the_index_of_what_it_counts(client, big_customer):
    """Orders neither unpaid nor expired are counted from their own index, no row read and nothing filtered; the
    unpaid ones, few, are read through theirs, in the same statement (orders.order_list.AccountOrderList.count)."""
    client.force_login(big_customer)
    queries = captured(client, reverse("orders:list"))
    (count,) = [q for q in queries if "COUNT(*)" in q]
    nodes = plan_nodes(count)
    scans = [n for n in nodes if n.get("Relation Name") == "orders_order"]
    (settled,) = [n for n in scans if n.get("Index Name") == "order_account_settled_idx"]
    assert settled["Node Type"] == "Index Only Scan" and "Filter" not in settled and settled["Actual Rows"] > 500
    assert not seq_scans(nodes)
    assert all(n["Actual Rows"] <= 50 for n in scans if n is not settled)  # the unpaid orders


def test_tracking_and_purchase_order_read_one_orders_rows(client, big_customer):
    order = Order.objects.filter(account=big_customer, status=OrderStatus.DELIVERED).latest("created_at")
    client.force_login(big_customer)
    for name in ("orders:tracking", "orders:purchase_order"):
        for sql in captured(client, reverse(name, args=[order.pk])):
            nodes = plan_nodes(sql)
            assert not seq_scans(nodes), sql
            assert all(n["Actual Rows"] <= 50 for n in sorts(nodes)), sql
