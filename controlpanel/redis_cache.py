"""Django's Redis cache with one Redis client per connection pool, instead of a new one for every call.

Django builds a `redis.Redis` for each cache operation, and building one copies its ~170 response callbacks:
about 0.3 ms here, paid by every logged-in page for its session (`cached_db`). A client is thread-safe and
takes a connection from its pool for each command, so one per pool can serve a cache instance for good
(Django keeps one cache instance per thread).
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # id of a pool in self._pools (kept for good) -> its client

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
