"""The Panopto video tool for OnTrack: an LTI 1.3 tool built on Flask."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from . import database, security
from .config import DEFAULT_SQLITE_NAME, ConfigError, load_settings, parse_fernet_keys
from .crypto import TokenCipher, new_key
from .extensions import db, migrate
from .keys import KeyRing

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
    app.config.setdefault("UNKNOWN_DEPLOYMENTS", "hold")
    app.config.setdefault("DYNAMIC_REGISTRATION_OPEN", False)
    app.config.setdefault("TRUSTED_PROXY_COUNT", 0)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(database.MIGRATIONS_DIR))
    app.extensions["tool_keys"] = KeyRing(Path(app.config["TOOL_KEYS_DIR"]))
    app.extensions["token_cipher"] = TokenCipher(_encryption_keys(app))

    security.install(app)
    _register_blueprints(app)
    _register_commands(app)
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
        "TOKEN_ENCRYPTION_KEYS": settings.token_encryption_keys,
        "ADMIN_TOKEN": settings.admin_token,
        "TRUSTED_PROXY_COUNT": settings.trusted_proxy_count,
        "UNKNOWN_DEPLOYMENTS": settings.unknown_deployments,
        "DYNAMIC_REGISTRATION_OPEN": settings.open_registration,
        "PANOPTO_IDP_APPLICATION_KEY": settings.panopto_idp_application_key,
        "TOOL_BASE_URL": settings.tool_base_url,
    }
    if settings.database_url:
        config["SQLALCHEMY_DATABASE_URI"] = settings.database_url
    return config


def _encryption_keys(app: Flask) -> tuple[str, ...]:
    """The Fernet keys for Panopto tokens; only tests may run without configuring any."""
    keys = app.config.get("TOKEN_ENCRYPTION_KEYS")
    if isinstance(keys, str):
        keys = parse_fernet_keys(keys)
    if keys:
        return tuple(keys)
    if app.testing:
        logger.warning("No TOKEN_ENCRYPTION_KEYS: using a throw-away key (tests only)")
        return (new_key(),)
    raise ConfigError("The environment variable TOKEN_ENCRYPTION_KEYS must be set.")


def _register_blueprints(app: Flask) -> None:
    from .views.access_api import bp as access_api_bp
    from .views.admin import bp as admin_bp
    from .views.chooser import bp as chooser_bp
    from .views.errors import register_error_handlers
    from .views.lti import bp as lti_bp
    from .views.panopto_auth import bp as panopto_auth_bp
    from .views.registration import bp as registration_bp

    app.register_blueprint(lti_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(chooser_bp)
    app.register_blueprint(access_api_bp)
    app.register_blueprint(panopto_auth_bp)
    app.register_blueprint(admin_bp)
    register_error_handlers(app)


def _register_commands(app: Flask) -> None:
    from .cli import register_commands

    register_commands(app)
