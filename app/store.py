"""A small expiring key-value store shared by every worker process and every host.

It holds launch data, OIDC state and nonces, Panopto sign-in state, the platform key cache and
the short Panopto response cache. :class:`KeyValueStore` is what the rest of the tool uses; it
hands each call to the backend chosen at start:

- :class:`RedisBackend` when ``REDIS_URL`` is set: the store for many hosts;
- :class:`DatabaseBackend` otherwise (the ``stored_values`` table): correct for the workers of
  one host, and for several hosts sharing one database, at the cost of database writes.

Values are anything JSON can hold. ``take`` is atomic in both: when two processes race for the
same key (a replayed nonce, say), exactly one of them gets the value.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import redis
from flask import current_app
from sqlalchemy import delete, select

from .errors import StoreUnavailable
from .extensions import db, upsert
from .models import StoredValue

logger = logging.getLogger(__name__)

EXTENSION_KEY = "key_value_store"

#: Redis calls answer in well under a millisecond on a healthy network; a store that takes
#: longer than this is down for our purposes, and a request should fail rather than hang.
REDIS_TIMEOUT_SECONDS = 2.0
#: Ping pooled connections that were idle this long before reusing them, so a Redis restart
#: costs one reconnect instead of one failed request per stale connection.
REDIS_HEALTH_CHECK_SECONDS = 30


#: A write held back by :meth:`KeyValueStore.batch`: key, value, seconds to live.
Write = tuple[str, Any, float]


class StoreBackend(Protocol):
    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any, ttl_seconds: float) -> None: ...

    def set_many(self, writes: Sequence[Write]) -> None: ...

    def take(self, key: str) -> Any: ...

    def take_and_get(
        self, take_key: str, get_keys: Sequence[str]
    ) -> tuple[Any, list[Any]]: ...

    def purge_expired(self) -> None: ...


class KeyValueStore:
    """Expiring values keyed by string, in the backend the app was started with.

    :param backend: a backend to use instead of the current app's (tests, tools).
    """

    def __init__(self, backend: StoreBackend | None = None) -> None:
        self._backend = backend or current_app.extensions[EXTENSION_KEY]
        self._held: list[Write] | None = None

    def get(self, key: str) -> Any:
        """The value, or None when it is missing or expired."""
        return self._backend.get(key)

    def set(self, key: str, value: Any, ttl_seconds: float) -> None:
        if self._held is not None:
            self._held.append((key, value, ttl_seconds))
        else:
            self._backend.set(key, value, ttl_seconds)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold this store's writes until the block ends, then send them together: one
        round trip to Redis instead of one per write. Reads in the block do not see the
        held writes, and a block that raises writes nothing."""
        if self._held is not None:
            yield  # the outermost block sends
            return

        self._held = []
        try:
            yield
            writes = self._held
        finally:
            self._held = None
        if writes:
            self._backend.set_many(writes)

    def take(self, key: str) -> Any:
        """Return the value and delete it, so that only one caller ever gets it."""
        return self._backend.take(key)

    def take_and_get(
        self, take_key: str, get_keys: Sequence[str]
    ) -> tuple[Any, list[Any]]:
        """``take(take_key)`` and ``get`` of each of ``get_keys``, in one round trip."""
        return self._backend.take_and_get(take_key, get_keys)

    def purge_expired(self) -> None:
        self._backend.purge_expired()


class DatabaseBackend:
    """Rows of the ``stored_values`` table, through the app's SQLAlchemy session."""

    def get(self, key: str) -> Any:
        row = db.session.execute(
            select(StoredValue).where(
                StoredValue.key == key, StoredValue.expires_at > time.time()
            )
        ).scalar_one_or_none()
        return None if row is None else row.value

    def set(self, key: str, value: Any, ttl_seconds: float) -> None:
        """Insert or replace in one statement, so that two processes setting the same key
        at once (a shared cache entry, say) cannot collide on the primary key."""
        self.set_many([(key, value, ttl_seconds)])

    def set_many(self, writes: Sequence[Write]) -> None:
        now = time.time()
        for key, value, ttl_seconds in writes:
            row = {"key": key, "value": value, "expires_at": now + ttl_seconds}
            db.session.execute(upsert(StoredValue, row, unique=("key",)))
        db.session.commit()

    def take(self, key: str) -> Any:
        """The DELETE decides the winner: when two processes race for the same key, only
        one sees a deleted row."""
        value = self.get(key)
        if value is None:
            return None

        result = db.session.execute(
            delete(StoredValue).where(
                StoredValue.key == key, StoredValue.expires_at > time.time()
            )
        )
        db.session.commit()
        return value if result.rowcount == 1 else None

    def take_and_get(
        self, take_key: str, get_keys: Sequence[str]
    ) -> tuple[Any, list[Any]]:
        return self.take(take_key), [self.get(key) for key in get_keys]

    def purge_expired(self) -> None:
        db.session.execute(
            delete(StoredValue).where(StoredValue.expires_at <= time.time())
        )
        db.session.commit()


class RedisBackend:
    """Keys in Redis, each with its own expiry, under a common prefix.

    :param client: a redis-py client answering bytes (``decode_responses=False``).
    :param prefix: put before every key, so that several tools can share one Redis.
    """

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def get(self, key: str) -> Any:
        raw = self._call("GET", self.client.get, self.prefix + key)
        return _decode(raw)

    def set(self, key: str, value: Any, ttl_seconds: float) -> None:
        self._call(
            "SET",
            self.client.set,
            self.prefix + key,
            json.dumps(value),
            px=_ms(ttl_seconds),
        )

    def set_many(self, writes: Sequence[Write]) -> None:
        # A pipeline without MULTI: the writes are independent, one round trip is the point.
        pipeline = self.client.pipeline(transaction=False)
        for key, value, ttl_seconds in writes:
            pipeline.set(self.prefix + key, json.dumps(value), px=_ms(ttl_seconds))
        self._call("SET (pipelined)", pipeline.execute)

    def take(self, key: str) -> Any:
        # GETDEL (Redis 6.2+) reads and deletes in one atomic command.
        raw = self._call("GETDEL", self.client.getdel, self.prefix + key)
        return _decode(raw)

    def take_and_get(
        self, take_key: str, get_keys: Sequence[str]
    ) -> tuple[Any, list[Any]]:
        pipeline = self.client.pipeline(transaction=False)
        pipeline.getdel(self.prefix + take_key)
        for key in get_keys:
            pipeline.get(self.prefix + key)
        taken, *got = self._call("GETDEL and GET (pipelined)", pipeline.execute)
        return _decode(taken), [_decode(raw) for raw in got]

    def purge_expired(self) -> None:
        """Nothing to do: Redis drops expired keys itself."""

    def ping(self) -> bool:
        return bool(self._call("PING", self.client.ping))

    def _call(self, command: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except redis.RedisError as err:
            logger.warning("Redis %s failed: %s", command, type(err).__name__)
            raise StoreUnavailable() from err


def redis_client(url: str) -> redis.Redis:
    """A client with timeouts; its connection pool is re-made after a fork by redis-py."""
    return redis.Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        health_check_interval=REDIS_HEALTH_CHECK_SECONDS,
    )


def create_backend(redis_url: str | None, prefix: str) -> StoreBackend:
    if redis_url:
        return RedisBackend(redis_client(redis_url), prefix)
    return DatabaseBackend()


def _ms(ttl_seconds: float) -> int:
    # PX, not EX: some values live for less than a second in tests, and a TTL of zero
    # would be refused by Redis.
    return max(1, int(ttl_seconds * 1000))


def _decode(raw: bytes | None) -> Any:
    return None if raw is None else json.loads(raw)
