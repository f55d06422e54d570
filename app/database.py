"""Bringing the database up to date when the tool starts.

Every worker process of every host runs :func:`prepare` at start. Migrations and the
``LTI_CONFIG`` import must happen once, not once per worker at the same moment, so both run
under a lock: a PostgreSQL advisory lock where the database is PostgreSQL (shared by all
hosts), otherwise a file lock in the instance folder (shared by the workers of one host,
which is all SQLite can serve).
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from .extensions import db

logger = logging.getLogger(__name__)

#: Where Alembic's scripts live, whatever the working directory is.
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

#: An arbitrary, fixed 64-bit key for pg_advisory_lock; only this tool uses it.
ADVISORY_LOCK_KEY = 7_312_041_905_118


def prepare(app: Flask) -> None:
    """Migrate the schema to the newest revision and load ``LTI_CONFIG``, once at a time."""
    from .lti.tool_config import load_registrations_file

    with app.app_context(), _startup_lock(app):
        if app.config["DB_AUTO_MIGRATE"]:
            upgrade(directory=str(MIGRATIONS_DIR))
        if app.config.get("LTI_CONFIG"):
            load_registrations_file(Path(app.config["LTI_CONFIG"]))
        db.session.remove()

    # Connections opened here must not be inherited by forked workers.
    with app.app_context():
        db.engine.dispose()


@contextmanager
def _startup_lock(app: Flask) -> Iterator[None]:
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.execute(
                text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            )
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
        return

    lock_path = Path(app.instance_path) / "startup.lock"
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
