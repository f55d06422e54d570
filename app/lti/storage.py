"""pylti1p3 launch-data storage on our shared key-value store.

pylti1p3 keeps launch data, nonces and state in a ``LaunchDataStorage``. Its Flask default is a
per-process cache, which loses data between workers; this one uses the tool's shared store
(:mod:`app.store`: Redis, or the database).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pylti1p3.launch_data_storage.base import LaunchDataStorage

from ..store import KeyValueStore

#: Used when pylti1p3 passes no expiry; equal to its default launch-data lifetime.
DEFAULT_TTL_SECONDS = 24 * 60 * 60


class DatabaseLaunchDataStorage(LaunchDataStorage[Any]):
    """Launch data, nonces and state in the shared store, visible to every worker."""

    def __init__(self, store: KeyValueStore) -> None:
        super().__init__()
        self._store = store

    def get_session_cookie_name(self) -> str | None:
        # No per-browser session cookie: launch ids and nonces are long random values, the
        # state cookie already binds the login to the browser, and chooser requests carry a
        # signed token. Cookies in platform iframes are unreliable, so we avoid needing them.
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        return self._store.get(self._prepare_key(key))

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        self._store.set(self._prepare_key(key), value, exp or DEFAULT_TTL_SECONDS)

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None

    def take_value_and_get(
        self, key: str, store_keys: Sequence[str]
    ) -> tuple[Any, list[Any]]:
        """Read and delete ``key`` in one step (nonces are single-use), and read these keys
        of the underlying store (no pylti1p3 prefix) in the same round trip."""
        return self._store.take_and_get(self._prepare_key(key), store_keys)
