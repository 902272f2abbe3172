"""Key-value stores for caches: bytes under string keys, with expiry and an atomic add.

`MemoryBackend` keeps entries in the process (bounded, least recently used first out);
`RedisBackend` keeps them in Redis, shared by every server.  Both answer the same five
calls, so a cache can be given either.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class MemoryBackend:
    """A bounded in-process store (development, tests): evicts the least recently used."""

    def __init__(self, max_items: int = 64, max_bytes: int = 256 * 1024 * 1024) -> None:
        self._items: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._bytes = 0

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            value, expires = item
            if expires is not None and expires < time.monotonic():
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, ttl: int | None = None) -> None:
        with self._lock:
            self._drop(key)
            expires = time.monotonic() + ttl if ttl else None
            self._items[key] = (value, expires)
            self._bytes += len(value)
            while len(self._items) > 1 and (
                len(self._items) > self.max_items or self._bytes > self.max_bytes
            ):
                self._drop(next(iter(self._items)))

    def _drop(self, key: str) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            self._bytes -= len(item[0])

    def add(self, key: str, value: bytes, ttl: int) -> bool:
        """Set `key` only if absent (a lock); True if this call set it."""
        with self._lock:
            item = self._items.get(key)
            if item is not None and (item[1] is None or item[1] >= time.monotonic()):
                return False
            self._drop(key)
            self._items[key] = (value, time.monotonic() + ttl)
            self._bytes += len(value)
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            self._drop(key)

    def expire(self, key: str, ttl: int) -> None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items[key] = (item[0], time.monotonic() + ttl)


class RedisBackend:
    """Entries, pointer and lock in Redis, shared by every server and the RQ worker."""

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self.client = redis.Redis.from_url(url)

    def get(self, key: str) -> bytes | None:
        # redis-py types each command as sync or async: this client is the sync one.
        return self.client.get(key)  # type: ignore[return-value]

    def set(self, key: str, value: bytes, ttl: int | None = None) -> None:
        self.client.set(key, value, ex=ttl)

    def add(self, key: str, value: bytes, ttl: int) -> bool:
        return bool(self.client.set(key, value, ex=ttl, nx=True))

    def delete(self, key: str) -> None:
        self.client.delete(key)

    def expire(self, key: str, ttl: int) -> None:
        self.client.expire(key, ttl)
