"""Django's Redis cache, made to survive a Redis outage, with one Redis client per connection pool.

**Failure tolerance.** The cache is an optimisation here, never the record: sessions are `cached_db` (the
database has every one), the page caches render when they miss, the login lockout is in the database. So
while Redis cannot be reached, or refuses a command, the cache behaves as an empty one that keeps nothing:
reads miss (`get` gives the default, `get_many` nothing, `has_key` False, `incr` raises ValueError as for a
missing key), writes are dropped (`add`, `delete`, `touch` give False, `set_many` lists every key as failed).
Requests then go to the database instead of answering 500.
- Every socket operation has a short timeout (`socket_timeout`, `socket_connect_timeout`: CACHE_SOCKET_TIMEOUT,
  0.5 s) and no retry, so that an unreachable Redis costs a request at most that once.
- After a connection error or timeout the process stops asking Redis for `retry_after` seconds
  (CACHE_RETRY_SECONDS, 5): a dead Redis whose packets are dropped would otherwise cost every cache call its
  timeout. Other Redis errors (a full Redis under `noeviction` refusing writes, a read-only replica) only
  make that one call miss.
- Failures are logged at WARNING on `controlpanel.redis_cache`, at most once a minute per process, with the
  number of calls served without Redis since the last message; the first success after an outage is logged
  at INFO.
- Keys a process failed to write or delete are deleted once Redis answers again (up to MAX_STALE_KEYS per
  process): a session logged out, or changed, during the outage must not come back from a Redis that kept
  its data. A process that restarts meanwhile forgets its list; see docs/deployment.md, "Redis".

**One client per pool.** Django builds a `redis.Redis` for each cache operation, and building one copies its
~170 response callbacks: about 0.3 ms here, paid by every logged-in page for its session (`cached_db`). A client
is thread-safe and takes a connection from its pool for each command, so one per pool can serve a cache
instance for good (Django keeps one cache instance per thread).
"""

import contextlib
import logging
import threading
import time

from django.core.cache.backends import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from redis import exceptions as redis_errors
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

LOG_EVERY_SECONDS = 60
MAX_STALE_KEYS = 10_000


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


class _Health:
    """What this process knows of one Redis location, shared by its threads' cache instances."""

    def __init__(self):
        self.lock = threading.Lock()
        self.skip_until = 0.0  # time.monotonic() before which Redis is not asked
        self.down = False  # a call failed since the last success
        self.missed = 0  # calls served without Redis since the last message
        self.logged_at = float("-inf")
        self.stale: set[str] = set()  # keys written or deleted during the outage, deleted on recovery
        self.stale_overflow = False


_health: dict[tuple, _Health] = {}
_health_lock = threading.Lock()


def _health_of(location: tuple) -> _Health:
    with _health_lock:
        return _health.setdefault(location, _Health())


class _Missed(Exception):
    """The call was not served by Redis: the caller returns its fallback."""


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("retry_after", 5))
        timeout = float(options.pop("socket_timeout", 0.5))
        options.setdefault("socket_connect_timeout", timeout)
        options["socket_timeout"] = timeout
        if "retry" not in options:  # one attempt: a retry would double the wait on a dead Redis
            options["retry"] = Retry(NoBackoff(), 0)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = RedisCacheClient
        self._health = _health_of(tuple(self._servers))

    # --- the failure tolerance ---------------------------------------------------------------------

    def _call(self, operation, *args, written=()):
        """`operation(*args)` on Redis, or _Missed when Redis is skipped or fails; `written`: the keys it changes."""
        health = self._health
        if time.monotonic() < health.skip_until:
            self._missed(None, written)
        try:
            result = operation(*args)
        except (redis_errors.ConnectionError, redis_errors.TimeoutError) as error:
            health.skip_until = time.monotonic() + self.retry_after
            self._missed(error, written)
        except redis_errors.RedisError as error:
            self._missed(error, written)
        if health.down:
            self._recovered()
        return result

    def _missed(self, error, written):
        health = self._health
        now = time.monotonic()
        with health.lock:
            health.down = True
            health.missed += 1
            for key in written:
                if len(health.stale) < MAX_STALE_KEYS:
                    health.stale.add(key)
                else:
                    health.stale_overflow = True
            due = now - health.logged_at >= LOG_EVERY_SECONDS
            if due and error is not None:
                health.logged_at, missed, health.missed = now, health.missed, 0
        if due and error is not None:
            logger.warning(
                "Redis cache %s unavailable (%s: %s): %d cache calls served without it since the last message;"
                " reads miss and writes are dropped, Redis is asked again in %s s",
                self._servers[0].rsplit("@", 1)[-1],
                type(error).__name__,
                error,
                missed,
                self.retry_after,
            )
        raise _Missed

    def _recovered(self):
        health = self._health
        with health.lock:
            if not health.down:
                return
            health.down = False
            stale, overflow = list(health.stale), health.stale_overflow
            health.stale, health.stale_overflow, missed, health.missed = set(), False, health.missed, 0
        try:
            client = self._cache.get_client(None, write=True)
            for start in range(0, len(stale), 500):
                client.delete(*stale[start : start + 500])
        except Exception as error:  # Redis went again: forget nothing
            with health.lock:
                health.down = True
                health.stale.update(stale[: MAX_STALE_KEYS - len(health.stale)])
                health.stale_overflow |= overflow
            logger.warning("Redis cache: could not delete the keys changed during the outage (%s)", error)
            return
        logger.info(
            "Redis cache reachable again: %d calls were served without it since the last message;"
            " %d keys changed meanwhile deleted%s",
            missed,
            len(stale),
            f" (more than {MAX_STALE_KEYS}: some entries may be stale until they expire)" if overflow else "",
        )

    # --- Django's cache API, each call through _call -------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        full = self.make_and_validate_key(key, version=version)
        try:
            return self._call(self._cache.add, full, value, self.get_backend_timeout(timeout), written=[full])
        except _Missed:
            return False

    def get(self, key, default=None, version=None):
        full = self.make_and_validate_key(key, version=version)
        try:
            return self._call(self._cache.get, full, default)
        except _Missed:
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        full = self.make_and_validate_key(key, version=version)
        with contextlib.suppress(_Missed):
            self._call(self._cache.set, full, value, self.get_backend_timeout(timeout), written=[full])

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        full = self.make_and_validate_key(key, version=version)
        try:
            return self._call(self._cache.touch, full, self.get_backend_timeout(timeout))
        except _Missed:
            return False

    def delete(self, key, version=None):
        full = self.make_and_validate_key(key, version=version)
        try:
            return self._call(self._cache.delete, full, written=[full])
        except _Missed:
            return False

    def get_many(self, keys, version=None):
        try:
            return self._call(super().get_many, keys, version)
        except _Missed:
            return {}

    def has_key(self, key, version=None):
        full = self.make_and_validate_key(key, version=version)
        try:
            return self._call(self._cache.has_key, full)
        except _Missed:
            return False

    def incr(self, key, delta=1, version=None):
        full = self.make_and_validate_key(key, version=version)
        try:
            return self._call(self._cache.incr, full, delta, written=[full])
        except _Missed:
            raise ValueError(f"Key '{full}' not found (Redis unavailable).") from None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        if not data:
            return []
        written = [self.make_and_validate_key(key, version=version) for key in data]
        try:
            return self._call(super().set_many, data, timeout, version, written=written)
        except _Missed:
            return list(data)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        if not keys:
            return
        written = [self.make_and_validate_key(key, version=version) for key in keys]
        with contextlib.suppress(_Missed):
            self._call(super().delete_many, keys, version, written=written)

    def clear(self):
        try:
            return self._call(self._cache.clear)
        except _Missed:
            return False
