"""The cache on Redis, for a Redis that can be down (issue 25).

Django's RedisCache raises on every call while Redis is unreachable, which
made `GET /board/` and `POST /password-reset/` answer 500. This backend
sorts the callers into two kinds:

- **Kept for speed** (the board's tables and charts, `get`/`set` and the
  rest): a read while Redis is down is a miss, so the page computes what it
  would have cached; a write is dropped. The page is slower, never broken.
- **Counting** (`add`, `incr`: django-ratelimit's throttle counts): a count
  that cannot be kept must not pass for zero, or the throttle would let
  everything through. These raise `CacheUnavailable`, and the caller refuses
  what it could not count, with a message (programmes.signin).

After a failure the backend does not try Redis again for `RETRY_AFTER`
seconds (every call in that time is a miss or CacheUnavailable at once), so
a Redis that hangs costs a page one timeout, not one per call. `available()`
pings Redis for /healthz (not within the back-off). Failures are logged,
without the exception's text beyond its class (a URL may hold a password).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Seconds to wait for Redis to accept a connection or answer, unless OPTIONS
# say otherwise: a page waits this long at most when Redis hangs.
SOCKET_TIMEOUT = 0.5


class CacheUnavailable(Exception):
    """The cache could not count (Redis is down): refuse what needed the count."""


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 5.0))
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        super().__init__(server, {**params, "OPTIONS": options})
        self._down_until = 0.0
        self._lock = threading.Lock()

    # Whether to try Redis at all, and what a failure does --------------------
    def _skipping(self) -> bool:
        return time.monotonic() < self._down_until

    def _failed(self, error: Exception, operation: str) -> None:
        with self._lock:
            first = not self._skipping()
            self._down_until = time.monotonic() + self.retry_after
        if first:
            logger.warning(
                "Cache unavailable (%s during %s): pages compute, throttles refuse, "
                "for the next %g s",
                type(error).__name__,
                operation,
                self.retry_after,
            )

    def _read(self, operation: str, call, fallback):
        if self._skipping():
            return fallback
        try:
            return call()
        except RedisError as error:
            self._failed(error, operation)
            return fallback

    def _count(self, operation: str, call):
        if self._skipping():
            raise CacheUnavailable(f"The cache is unavailable ({operation})")
        try:
            return call()
        except RedisError as error:
            self._failed(error, operation)
            raise CacheUnavailable(f"The cache is unavailable ({operation})") from error

    def available(self) -> bool:
        """A PING (for /healthz and the board's health); within the back-off
        after a failure, down without asking (the board asks on every page)."""
        if self._skipping():
            return False
        try:
            client = self._cache.get_client(write=True)  # type: ignore[attr-defined]
            return bool(client.ping())
        except RedisError as error:
            self._failed(error, "ping")
            return False

    # Kept for speed: a miss or a dropped write ---------------------------------
    def get(self, key, default=None, version=None):
        return self._read(
            "get", lambda: super(ResilientRedisCache, self).get(key, default, version), default
        )

    def get_many(self, keys, version=None):
        return self._read(
            "get_many", lambda: super(ResilientRedisCache, self).get_many(keys, version), {}
        )

    def has_key(self, key, version=None):
        return self._read(
            "has_key", lambda: super(ResilientRedisCache, self).has_key(key, version), False
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._read(
            "set", lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None
        )

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._read(
            "set_many",
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            list(data),
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._read(
            "touch", lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key, version=None):
        return self._read(
            "delete", lambda: super(ResilientRedisCache, self).delete(key, version), False
        )

    def delete_many(self, keys, version=None):
        self._read(
            "delete_many", lambda: super(ResilientRedisCache, self).delete_many(keys, version), None
        )

    def clear(self):
        return self._read("clear", lambda: super(ResilientRedisCache, self).clear(), False)

    def get_or_set(self, key, default, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's reads, then add()s: here a value to keep, not a count.
        value = self.get(key, self._missing_key, version=version)
        if value is self._missing_key:
            value = default() if callable(default) else default
            self.set(key, value, timeout, version=version)
        return value

    # Counting: refused when it cannot be done ---------------------------------
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._count(
            "add", lambda: super(ResilientRedisCache, self).add(key, value, timeout, version)
        )

    def incr(self, key, delta=1, version=None):
        return self._count(
            "incr", lambda: super(ResilientRedisCache, self).incr(key, delta, version)
        )
