"""The Panopto video tool for OnTrack: an LTI 1.3 tool built on Flask."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from . import database
from .config import DEFAULT_SQLITE_NAME, load_settings
from .extensions import db, migrate
from .keys import load_or_create_keys

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the tool: settings, database, keys, blueprints and error pages.

    :param test_config: settings that replace the environment entirely (tests only).
    """
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(_settings_from_environment() if test_config is None else {})
    app.config.from_mapping(test_config or {})
    app.config.setdefault("SESSION_COOKIE_NAME", "panopto_tool_session")
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI",
        f"sqlite:///{Path(app.instance_path) / DEFAULT_SQLITE_NAME}",
    )

    app.config.setdefault("DB_AUTO_MIGRATE", True)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(database.MIGRATIONS_DIR))
    app.extensions["tool_keys"] = load_or_create_keys(Path(app.config["TOOL_KEYS_DIR"]))

    _register_blueprints(app)
    database.prepare(app)
    return app


def _settings_from_environment() -> dict[str, Any]:
    settings = load_settings()
    config: dict[str, Any] = {
        "SECRET_KEY": settings.secret_key,
        "PANOPTO_BASE_URL": settings.panopto_base_url,
        "PANOPTO_CLIENT_ID": settings.panopto_client_id,
        "PANOPTO_CLIENT_SECRET": settings.panopto_client_secret,
        "LTI_CONFIG": settings.lti_config,
        "TOOL_KEYS_DIR": settings.tool_keys_dir,
        "DB_AUTO_MIGRATE": settings.db_auto_migrate,
    }
    if settings.database_url:
        config["SQLALCHEMY_DATABASE_URI"] = settings.database_url
    return config


def _register_blueprints(app: Flask) -> None:
    from .views.chooser import bp as chooser_bp
    from .views.errors import register_error_handlers
    from .views.lti import bp as lti_bp
    from .views.manage import bp as manage_bp
    from .views.panopto_auth import bp as panopto_auth_bp
    from .views.uploads import bp as uploads_bp
    from .views.viewer import bp as viewer_bp

    app.register_blueprint(lti_bp)
    app.register_blueprint(chooser_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(uploads_bp)
    app.register_blueprint(panopto_auth_bp)
    app.register_blueprint(viewer_bp)
    register_error_handlers(app)
