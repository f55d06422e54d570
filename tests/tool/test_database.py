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
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"

    assert "(head)" in upgrade_from_the_command_line(app_config, url)
    assert "stored_values" in inspect(create_engine(url)).get_table_names()


def upgrade_from_the_command_line(app_config, url: str) -> str:
    """``flask --app wsgi db upgrade`` then ``db current``; returns what the latter says."""
    environment = {
        **os.environ,
        "SECRET_KEY": "cli-test",
        "PANOPTO_BASE_URL": "http://127.0.0.1:9",
        "PANOPTO_CLIENT_ID": "cli",
        "PANOPTO_CLIENT_SECRET": "cli",
        "TOOL_KEYS_DIR": str(app_config["TOOL_KEYS_DIR"]),
        "DATABASE_URL": url,
        "DB_AUTO_MIGRATE": "false",
        "LOG_LEVEL": "WARNING",
        "TOKEN_ENCRYPTION_KEYS": new_key(),
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "db"]

    subprocess.run([*flask, "upgrade"], cwd=ROOT, env=environment, check=True)
    current = subprocess.run(
        [*flask, "current"], cwd=ROOT, env=environment, check=True, capture_output=True
    )
    return current.stdout.decode()


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


def _set_and_save_in_a_new_process(config: dict) -> str:
    from app.panopto.oauth import UserKey
    from app.services import DatabaseTokenStore
    from app.store import KeyValueStore

    app = create_app({**config, "DB_AUTO_MIGRATE": False, "LTI_CONFIG": None})
    with app.app_context():
        for attempt in range(20):
            KeyValueStore().set("shared-key", {"attempt": attempt}, 60)
            DatabaseTokenStore().save(
                UserKey("https://ontrack.test", "racer"),
                {"access_token": f"a{attempt}", "refresh_token": f"r{attempt}"},
            )
        return KeyValueStore().get("shared-key") and "done"


def test_workers_writing_the_same_key_and_token_at_once_do_not_collide(app, app_config):
    """Two launches caching one platform key set, or two refreshes of one user's token."""
    config = dict(app_config)

    with ProcessPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(_set_and_save_in_a_new_process, [config] * 4))

    assert results == ["done"] * 4


# -- PostgreSQL (DATABASE_URL; .ci/run sets it) ------------------------------------------


def test_on_postgresql_the_migrations_build_exactly_the_model_schema(
    app_config, postgres_url
):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": postgres_url})

    with app.app_context(), db.engine.connect() as connection:
        assert db.engine.dialect.driver == "psycopg"
        differences = compare_metadata(
            MigrationContext.configure(connection), db.metadata
        )

    assert differences == []


def test_on_postgresql_workers_starting_together_migrate_once(app_config, postgres_url):
    """The advisory lock serialises start-up across processes (and hosts)."""
    config = {**app_config, "SQLALCHEMY_DATABASE_URI": postgres_url}

    with ProcessPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(_start_tool, [config] * 4))

    assert counts == [counts[0]] * 4 and counts[0] >= 1


def test_on_postgresql_flask_db_upgrade_migrates_from_the_command_line(
    app_config, postgres_url
):
    assert "(head)" in upgrade_from_the_command_line(app_config, postgres_url)
    assert "stored_values" in inspect(create_engine(postgres_url)).get_table_names()
