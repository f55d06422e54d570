"""Values one process keeps for its own requests, in front of the database.

Each process (gunicorn worker) has its own copy; nothing here is shared between processes,
so only data that is either written once or allowed to be a few seconds stale belongs here.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from cachetools import Cache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")


def detached(record_type: type[R], row: Any) -> R:
    """A copy of ``row``'s attributes named by the dataclass ``record_type``: safe to keep
    after the database session that loaded the row has closed."""
    names = [field.name for field in dataclasses.fields(record_type)]
    return record_type(**{name: getattr(row, name) for name in names})


class ProcessCache(Generic[K, V]):
    """A cachetools cache (TTL, LRU…) behind a lock, filled by a loader on a miss.

    A loader's None (nothing found) is never kept, so something added later is seen at once.
    """

    def __init__(self, cache: Cache) -> None:
        self._entries = cache
        # cachetools' caches are not thread-safe; gunicorn may run threaded workers.
        self._lock = threading.Lock()

    def get(self, key: K, load: Callable[[], V | None]) -> V | None:
        value = self.peek(key)
        if value is not None:
            return value

        value = load()
        if value is not None:
            self.put(key, value)
        return value

    def peek(self, key: K) -> V | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value

    def discard(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
