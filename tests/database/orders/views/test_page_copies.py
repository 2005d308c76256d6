"""Kept pages copied in each process's memory in front of a shared cache (orders.views.kept_pages): a repeated visit
is served from the copy when the shared cache no longer has the page, the copies are bounded in bytes and in age,
`clear()` forgets them, and none are made when the default cache is the process's memory already."""

import re
import uuid

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from orders.views import kept_pages
from orders.views.kept_pages import LeastRecentlyUsed
from orders.views.page_cache import order_page_key
from tests.support.kept_pages import anonymised, delivered, revalidated

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


@pytest.fixture
def shared_cache_that_keeps_nothing(settings):
    """A default cache other than the process's memory, which has lost every page (as after a Redis restart)."""
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.mark.parametrize("page", ["orders:tracking", "orders:purchase_order", "orders:list"])
def test_a_page_is_served_from_the_process_copy_without_the_shared_cache(
    client, page, shared_cache_that_keeps_nothing, django_assert_num_queries
):
    order = delivered()
    client.force_login(order.account)
    path = reverse(page, args=[order.pk] if page != "orders:list" else [])
    first = client.get(path)
    with django_assert_num_queries(2):  # the session with its user, the page versions: not rendered
        second = client.get(path)
    assert first.status_code == second.status_code == 200
    assert anonymised(first) == anonymised(second)
    assert second["ETag"] == first["ETag"]

    kept_pages.clear()
    with CaptureQueriesContext(connection) as rendering:
        rendered = client.get(path)
    assert len(rendering) > 3  # forgotten: rendered again
    assert rendered.status_code == 200 and anonymised(rendered) == anonymised(first)
    with django_assert_num_queries(2):  # and copied again
        client.get(path)


def test_a_page_whose_redis_entry_is_gone_is_served_from_the_copy(
    client, settings, redis_url, django_assert_num_queries
):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "controlpanel.redis_cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"test-page-copies-{uuid.uuid4().hex}",
        },
    }
    order = delivered()
    client.force_login(order.account)
    path = reverse("orders:tracking", args=[order.pk])
    first = client.get(path)
    key = order_page_key(first.wsgi_request, page="tracking", order_id=order.pk).key
    redis = caches["default"]
    assert redis.get(key) is not None
    redis.delete(key)
    with django_assert_num_queries(2):  # the session with its user, the page versions: not rendered
        second = client.get(path)
    assert anonymised(second) == anonymised(first) and redis.get(key) is None
    kept_pages.clear()
    assert anonymised(client.get(path)) == anonymised(first) and redis.get(key) is not None  # rendered, kept again
    redis.delete(key)


def test_clearing_forgets_the_copies(client, shared_cache_that_keeps_nothing):
    order = delivered()
    client.force_login(order.account)
    client.get(reverse("orders:tracking", args=[order.pk]))
    assert kept_pages.copies.size > 0
    kept_pages.clear()
    assert kept_pages.copies.size == 0


def test_no_copy_when_the_default_cache_is_the_process_memory(client):
    order = delivered()
    client.force_login(order.account)
    client.get(reverse("orders:tracking", args=[order.pk]))
    client.get(reverse("orders:tracking", args=[order.pk]))
    assert kept_pages.copies.size == 0


def test_no_copy_when_the_setting_is_zero(client, settings, shared_cache_that_keeps_nothing):
    settings.ORDER_PAGE_PROCESS_BYTES = 0
    order = delivered()
    client.force_login(order.account)
    client.get(reverse("orders:tracking", args=[order.pk]))
    assert kept_pages.copies.size == 0


def test_a_first_visit_without_a_csrf_cookie_gets_the_token_of_the_cookie_it_is_given(
    shared_cache_that_keeps_nothing,
):
    """The token is masked once for the new cookie: the page's works, and its ETag names that cookie."""
    order = delivered()
    path = reverse("orders:tracking", args=[order.pk])
    keeper = Client()
    keeper.force_login(order.account)
    keeper.get(path)
    client = Client(enforce_csrf_checks=True)
    client.force_login(order.account)
    response = client.get(path)  # from the copy, with no CSRF cookie yet
    assert "csrftoken" in response.cookies
    assert revalidated(client, path, response).status_code == 304
    token = re.search(r'"X-CSRFToken": "([^"]+)"', response.content.decode()).group(1)
    changed = client.post(reverse("accounts:language"), {"language": "fr", "csrfmiddlewaretoken": token})
    assert changed.status_code == 302
    assert User.objects.get(pk=order.account_id).language == "fr"


def test_the_copies_are_bounded_in_bytes_least_recently_used_first():
    copies = LeastRecentlyUsed()
    for key in "abc":
        copies.put(key, b"x" * 40, seconds=60, limit=100)
    assert copies.get("a") is None and copies.size == 80  # a third page of 40 bytes pushed the first out
    assert copies.get("b") == b"x" * 40  # b is now the most recently used
    copies.put("d", b"y" * 40, seconds=60, limit=100)
    assert copies.get("c") is None and copies.get("b") and copies.get("d")
    copies.put("big", b"z" * 101, seconds=60, limit=100)  # larger than the bound: not kept, the others stay
    assert copies.get("big") is None and copies.size == 80
    copies.put("b", b"w" * 10, seconds=60, limit=100)  # the same key again: replaced, counted once
    assert copies.get("b") == b"w" * 10 and copies.size == 50


def test_a_copy_is_dropped_after_its_seconds():
    copies = LeastRecentlyUsed()
    copies.put("a", b"x", seconds=0, limit=100)
    assert copies.get("a") is None and copies.size == 0
