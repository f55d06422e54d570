"""The schema comes from Alembic migrations, applied once even when many workers start."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select

from app import create_app
from app.crypto import new_key
from app.extensions import db
from app.models import PlatformRegistration

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_build_exactly_the_schema_the_models_describe(app):
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection), db.metadata
        )

    assert differences == []


def test_a_fresh_database_is_migrated_at_start_to_the_newest_revision(app):
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        revision = MigrationContext.configure(
            db.engine.connect()
        ).get_current_revision()

    assert {
        "platform_registrations",
        "deployments",
        "stored_values",
        "panopto_tokens",
    } <= tables
    assert revision is not None


def test_without_auto_migration_the_database_is_left_alone(app_config, tmp_path):
    database = tmp_path / "untouched.sqlite3"
    create_app(
        {
            **app_config,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "DB_AUTO_MIGRATE": False,
            "LTI_CONFIG": None,
        }
    )

    assert inspect(create_engine(f"sqlite:///{database}")).get_table_names() == []


def test_flask_db_upgrade_migrates_from_the_command_line(app_config, tmp_path):
    database = tmp_path / "cli.sqlite3"
    environment = {
        **os.environ,
        "SECRET_KEY": "cli-test",
        "PANOPTO_BASE_URL": "http://127.0.0.1:9",
        "PANOPTO_CLIENT_ID": "cli",
        "PANOPTO_CLIENT_SECRET": "cli",
        "TOOL_KEYS_DIR": str(app_config["TOOL_KEYS_DIR"]),
        "DATABASE_URL": f"sqlite:///{database}",
        "DB_AUTO_MIGRATE": "false",
        "TOKEN_ENCRYPTION_KEYS": new_key(),
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "db"]

    subprocess.run([*flask, "upgrade"], cwd=ROOT, env=environment, check=True)
    current = subprocess.run(
        [*flask, "current"], cwd=ROOT, env=environment, check=True, capture_output=True
    )

    assert "(head)" in current.stdout.decode()
    assert (
        "stored_values"
        in inspect(create_engine(f"sqlite:///{database}")).get_table_names()
    )


def _start_tool(config: dict) -> int:
    app = create_app(config)
    with app.app_context():
        return len(db.session.execute(select(PlatformRegistration)).scalars().all())


def test_workers_starting_together_migrate_and_load_registrations_once(
    app_config, tmp_path
):
    """gunicorn forks its workers at once; each runs the start-up steps of create_app."""
    config = {
        **app_config,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'race.db'}",
    }

    with ProcessPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(_start_tool, [config] * 4))

    assert counts == [counts[0]] * 4 and counts[0] >= 1
