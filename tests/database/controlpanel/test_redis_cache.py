"""The production cache backend (controlpanel.redis_cache): Django's Redis cache, one client per pool, that
a Redis outage turns into an empty cache instead of errors."""

import logging
import time

import pytest

from controlpanel import redis_cache
from controlpanel.redis_cache import RedisCache
from tests.support.processes import free_port


def test_one_client_serves_every_call_and_the_cache_works(redis_url):
    cache = RedisCache(redis_url, {"KEY_PREFIX": "test-redis-cache"})
    cache.set("greeting", {"text": "bonjour"}, 30)
    assert cache.get("greeting") == {"text": "bonjour"}
    assert cache.add("greeting-count", 1, 30)
    assert cache.incr("greeting-count") == 2
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client  # one server: reads and writes share its pool
    cache.delete_many(["greeting", "greeting-count"])
    assert cache.get("greeting") is None
    assert cache._cache.get_client() is client


# --- a Redis outage: reads miss, writes are dropped, never an exception --------------------------


@pytest.fixture(autouse=True)
def _fresh_health():
    """Each test starts with no outage known (the state is per process and Redis location)."""
    redis_cache._health.clear()
    yield
    redis_cache._health.clear()


def dead_redis_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


def test_every_call_on_an_unreachable_redis_misses_or_is_dropped_quickly(caplog):
    cache = RedisCache(dead_redis_url(), {"KEY_PREFIX": "test-outage", "OPTIONS": {"retry_after": 0}})
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="controlpanel.redis_cache"):
        assert cache.get("k") is None and cache.get("k", "fallback") == "fallback"
        assert cache.get_many(["k", "l"]) == {}
        assert cache.has_key("k") is False and "k" not in cache
        assert cache.get_or_set("k", 7) == 7
        cache.set("k", 1)
        assert cache.add("k", 1) is False
        assert cache.touch("k") is False and cache.delete("k") is False
        with pytest.raises(ValueError):
            cache.incr("k")
        with pytest.raises(ValueError):
            cache.decr("k")
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        cache.delete_many(["a", "b"])
        assert cache.clear() is False
    assert time.monotonic() - started < 5
    warnings = [r for r in caplog.records if r.name == "controlpanel.redis_cache"]
    assert len(warnings) == 1, warnings  # once a minute, not once a call
    assert "unavailable" in warnings[0].getMessage() and "ConnectionError" in warnings[0].getMessage()


def test_after_a_connection_failure_redis_is_left_alone_for_retry_after(monkeypatch):
    cache = RedisCache(dead_redis_url(), {"KEY_PREFIX": "test-outage", "OPTIONS": {"retry_after": 60}})
    assert cache.get("k") is None
    calls = []
    monkeypatch.setattr(cache._cache, "get", lambda *args: calls.append(args))
    assert cache.get("k") is None and cache.get("l", 3) == 3
    assert calls == []  # not asked again within the 60 s


def test_socket_timeouts_are_short_and_calls_are_not_retried():
    cache = RedisCache(dead_redis_url(), {"OPTIONS": {"socket_timeout": 0.25}})
    kwargs = cache._cache._get_connection_pool(write=True).connection_kwargs
    assert kwargs["socket_timeout"] == 0.25 and kwargs["socket_connect_timeout"] == 0.25
    assert kwargs["retry"].get_retries() == 0


def test_keys_changed_during_the_outage_are_deleted_when_redis_answers_again(redis_url, monkeypatch, caplog):
    from redis.exceptions import ConnectionError

    cache = RedisCache(redis_url, {"KEY_PREFIX": "test-stale", "OPTIONS": {"retry_after": 0}})
    cache.set("session", "logged in", 60)
    cache.set("untouched", "kept", 60)

    def down(*args, **kwargs):
        raise ConnectionError("Connection refused")

    with monkeypatch.context() as patch:  # Redis unreachable, but keeping its data (AOF, a partition)
        for name in ("get", "set", "delete"):
            patch.setattr(cache._cache, name, down)
        cache.delete("session")  # e.g. a logout: the database row is gone, the cached copy must not come back
        cache.set("counter", 5)
    with caplog.at_level(logging.INFO, logger="controlpanel.redis_cache"):
        assert cache.get("untouched") == "kept"  # the first call that reaches Redis again
    assert cache.get("session") is None and cache.get("counter") is None
    assert any("reachable again" in r.getMessage() for r in caplog.records)
    cache.delete("untouched")


@pytest.mark.django_db
def test_logins_and_pages_work_while_redis_is_down(client, settings):
    from django.contrib.auth import SESSION_KEY

    from tests.support.factories import UserFactory

    settings.CACHES = {
        "default": {
            "BACKEND": "controlpanel.redis_cache.RedisCache",
            "LOCATION": dead_redis_url(),
        }
    }
    user = UserFactory(password="secret-pass-1")
    response = client.post("/accounts/login/", {"username": user.username, "password": "secret-pass-1"})
    assert response.status_code == 302, response.content[:500]
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.get("/").status_code == 200
    assert client.get("/orders/").status_code == 200
