"""Where kept pages (orders.views.page_cache) are stored: the default cache, with a copy in this process's memory
in front of it when that cache is shared (Redis).

A key names one content for good (page versions only grow, and the key holds the day and the release), so a copy
never goes stale: a process keeps the pages it read or rendered, and a repeated visit costs no Redis round trip.
The copies are bounded by ORDER_PAGE_PROCESS_BYTES, the least recently used dropped first, and each is dropped
ORDER_PAGE_CACHE_SECONDS after the process read or rendered it (a closed account's pages leave memory too).
None are made when the default cache is the process's own memory already (the quick start's locmem), which would
keep each page twice. Tests that empty the cache empty the copies too (`clear`), so that no test sees a page an
earlier one kept.
"""

import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache


class LeastRecentlyUsed:
    """Contents by key, each for `seconds`, at most `limit` bytes of them: the least recently used go first.
    Thread-safe."""

    def __init__(self):
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()  # key -> content, monotonic deadline
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[1] <= time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: str, content: bytes, *, seconds: float, limit: int) -> None:
        with self._lock:
            if key in self._entries:
                self._drop(key)
            if len(content) > limit:
                return
            self._entries[key] = (content, time.monotonic() + seconds)
            self._size += len(content)
            while self._size > limit:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        content, _deadline = self._entries.pop(key)
        self._size -= len(content)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    @property
    def size(self) -> int:
        return self._size


copies = LeastRecentlyUsed()


def _copied(shared) -> bool:
    """Whether pages read from or written to `shared` are copied in this process."""
    return settings.ORDER_PAGE_PROCESS_BYTES > 0 and not isinstance(shared, LocMemCache)


def _copy(key: str, content: bytes) -> None:
    copies.put(key, content, seconds=settings.ORDER_PAGE_CACHE_SECONDS, limit=settings.ORDER_PAGE_PROCESS_BYTES)


def kept(key: str) -> bytes | None:
    """The page kept under `key`: this process's copy, else the default cache's (then copied), else None."""
    shared = caches["default"]
    copied = _copied(shared)
    content = copies.get(key) if copied else None
    if content is None:
        content = shared.get(key)
        if content is not None and copied:
            _copy(key, content)
    return content


def keep(key: str, content: bytes) -> None:
    """Keep a rendered page under `key`, in the default cache and, when it is shared, in this process."""
    shared = caches["default"]
    shared.set(key, content, settings.ORDER_PAGE_CACHE_SECONDS)
    if _copied(shared):
        _copy(key, content)


def clear() -> None:
    """Forget this process's copies (the default cache's entries are its own `clear()`'s)."""
    copies.clear()
