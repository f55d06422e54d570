"""A short cache of Panopto GET answers, per user, in the shared store.

People in the chooser ask the same questions within seconds: back to a folder, the same search
again, the next page and back. Reusing an answer for a few seconds turns a Panopto round trip
into a store lookup. Answers depend on what each user may see in Panopto, so entries are never
shared between users.

Each user's entries carry a *generation*; :meth:`UserCache.clear` picks a new one, so a
change made through the tool (an upload, a new folder) drops every older answer of that user
at once, without listing keys. Old entries simply expire.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from typing import Any, Protocol

from .. import metrics

logger = logging.getLogger(__name__)

KEY_PREFIX = "panopto-cache-"
#: A generation must outlive every entry made under it; a day is far longer than any TTL.
GENERATION_TTL_SECONDS = 24 * 60 * 60
FIRST_GENERATION = "0"


class Store(Protocol):
    """What the cache needs of :class:`app.store.KeyValueStore`."""

    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any, ttl_seconds: float) -> None: ...


class ResponseCache:
    """Hands out :class:`UserCache` objects over one store.

    :param ttl_seconds: how long an answer is reused; 0 or less turns the cache off.
    """

    def __init__(self, store: Store, ttl_seconds: float) -> None:
        self._store = store
        self.ttl_seconds = ttl_seconds

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0

    def for_user(self, site: str, issuer: str, subject: str) -> UserCache | None:
        """The cache of one LTI user at one Panopto site (None when caching is off)."""
        if not self.enabled:
            return None
        scope = _digest(site, issuer, subject)
        return UserCache(self._store, scope, self.ttl_seconds)


class UserCache:
    """One user's cached answers, keyed by path and query parameters."""

    def __init__(self, store: Store, scope: str, ttl_seconds: float) -> None:
        self._store = store
        self._scope = scope
        self._ttl = ttl_seconds
        self._generation: str | None = None

    def get(self, path: str, params: dict[str, Any] | None) -> Any:
        data = self._store.get(self._entry_key(path, params))
        metrics.PANOPTO_CACHE.labels("miss" if data is None else "hit").inc()
        if data is not None:
            logger.debug("Panopto answer for %s served from the cache", path)
        return data

    def put(self, path: str, params: dict[str, Any] | None, data: Any) -> None:
        self._store.set(self._entry_key(path, params), data, self._ttl)

    def clear(self) -> None:
        """Forget every answer cached for this user so far."""
        self._generation = secrets.token_hex(8)
        self._store.set(
            self._generation_key(), self._generation, GENERATION_TTL_SECONDS
        )

    def _entry_key(self, path: str, params: dict[str, Any] | None) -> str:
        request = json.dumps([path, params or {}], sort_keys=True, default=str)
        return f"{KEY_PREFIX}{self._scope}-{self._current_generation()}-" + _digest(
            request
        )

    def _current_generation(self) -> str:
        if self._generation is None:
            stored = self._store.get(self._generation_key())
            self._generation = stored if isinstance(stored, str) else FIRST_GENERATION
        return self._generation

    def _generation_key(self) -> str:
        return f"{KEY_PREFIX}generation-{self._scope}"


def _digest(*parts: str) -> str:
    """A fixed-length key part that names no user and no search words in the store."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
