"""Real PostgreSQL and Redis for the tests that need them, kept apart per test.

``DATABASE_URL`` (a PostgreSQL URL) and ``REDIS_URL`` turn these tests on; ``.ci/run`` sets
both, so CI always runs them. Without them they are skipped, saying which variable to set.

Each test gets its own PostgreSQL schema (through the connection's ``search_path``) and its
own Redis key prefix, both removed afterwards, so that test runs sharing one server (several
developers, CI) never see each other's rows or keys.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg
import pytest
import redis

from app.config import database_url

DATABASE_URL = database_url(os.environ.get("DATABASE_URL", "").strip()) or ""
REDIS_URL = os.environ.get("REDIS_URL", "").strip()

HAS_POSTGRES = DATABASE_URL.startswith("postgresql")

needs_postgres = pytest.mark.skipif(
    not HAS_POSTGRES,
    reason="needs PostgreSQL: set DATABASE_URL, e.g. "
    "postgresql://postgres@127.0.0.1:5432/test (.ci/run does)",
)
needs_redis = pytest.mark.skipif(
    not REDIS_URL,
    reason="needs Redis: set REDIS_URL, e.g. redis://127.0.0.1:6379/0 (.ci/run does)",
)


def _libpq_url(url: str) -> str:
    """The same URL as psycopg itself spells it (without SQLAlchemy's driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh, empty schema; yields a SQLAlchemy URL whose connections use only it."""
    schema = "test_" + secrets.token_hex(6)
    with psycopg.connect(_libpq_url(DATABASE_URL), autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in DATABASE_URL else "?"
    try:
        yield DATABASE_URL + separator + "options=" + quote(f"-csearch_path={schema}")
    finally:
        with psycopg.connect(_libpq_url(DATABASE_URL), autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def redis_prefix() -> Iterator[str]:
    """A fresh key prefix; every key under it is deleted afterwards."""
    prefix = f"test-{secrets.token_hex(6)}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=prefix + "*", count=500))
        if keys:
            client.delete(*keys)
        client.close()
