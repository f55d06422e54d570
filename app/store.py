"""A small expiring key-value store in the database, shared by every worker process."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import delete, select

from .extensions import db, upsert
from .models import StoredValue


class KeyValueStore:
    """Expiring values keyed by string, kept in the ``stored_values`` table."""

    def get(self, key: str) -> Any:
        row = db.session.execute(
            select(StoredValue).where(
                StoredValue.key == key, StoredValue.expires_at > time.time()
            )
        ).scalar_one_or_none()
        return None if row is None else row.value

    def set(self, key: str, value: Any, ttl_seconds: float) -> None:
        # An upsert, not a read-then-write: two workers setting the same key at once (two
        # launches caching the same platform key set) must not collide on the primary key.
        statement = upsert(
            StoredValue,
            {"key": key, "value": value, "expires_at": time.time() + ttl_seconds},
            unique=("key",),
        )
        db.session.execute(statement)
        db.session.commit()

    def take(self, key: str) -> Any:
        """Return the value and delete it, so that only one caller ever gets it.

        The DELETE decides the winner: when two processes race for the same key, only one
        sees a deleted row.
        """
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

    def purge_expired(self) -> None:
        db.session.execute(
            delete(StoredValue).where(StoredValue.expires_at <= time.time())
        )
        db.session.commit()
