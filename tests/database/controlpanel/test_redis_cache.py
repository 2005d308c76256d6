"""The production cache backend (controlpanel.redis_cache): Django's Redis cache, one client per pool."""

from controlpanel.redis_cache import RedisCache


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
