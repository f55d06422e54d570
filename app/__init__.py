"""The Panopto video tool for OnTrack: an LTI 1.3 tool built on Flask."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from . import access, database, observability, security, store, viewer_status
from .config import (
    DEFAULT_SQLITE_NAME,
    ConfigError,
    database_url,
    load_settings,
    parse_fernet_keys,
)
from .crypto import TokenCipher, new_key
from .extensions import db, migrate
from .keys import KeyRing
from .lti.tool_config import REGISTRATION_CACHE_KEY, RegistrationCache

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

    for name, default in DEFAULTS.items():
        app.config.setdefault(name, default)
    _configure_database(app)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(database.MIGRATIONS_DIR))
    app.extensions["tool_keys"] = KeyRing(Path(app.config["TOOL_KEYS_DIR"]))
    app.extensions["token_cipher"] = TokenCipher(_encryption_keys(app))
    app.extensions[store.EXTENSION_KEY] = store.create_backend(
        app.config["REDIS_URL"], app.config["REDIS_KEY_PREFIX"]
    )
    app.extensions[REGISTRATION_CACHE_KEY] = RegistrationCache(
        app.config["REGISTRATION_CACHE_SECONDS"]
    )
    access.init_app(app)
    viewer_status.init_app(app)
    observability.init_app(app)

    security.install(app)
    _register_blueprints(app)
    _register_commands(app)
    database.prepare(app)
    return app


#: Settings that tests and the environment may leave out (see app/config.py for each).
DEFAULTS: dict[str, Any] = {
    "DB_AUTO_MIGRATE": True,
    "REDIS_URL": None,
    "REDIS_KEY_PREFIX": "panopto-tool:",
    "PANOPTO_CACHE_SECONDS": 30.0,
    "PANOPTO_READ_TIMEOUT_SECONDS": 10.0,
    "PANOPTO_RETRIES": 2,
    "PANOPTO_BREAKER_FAILURES": 5,
    "PANOPTO_BREAKER_RESET_SECONDS": 30.0,
    "PROMETHEUS_MULTIPROC_DIR": None,
    "REGISTRATION_CACHE_SECONDS": 30.0,
    "UNKNOWN_DEPLOYMENTS": "hold",
    "DYNAMIC_REGISTRATION_OPEN": False,
    "TRUSTED_PROXY_COUNT": 0,
}


def _configure_database(app: Flask) -> None:
    uri = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if not uri.startswith("sqlite"):
        # A pooled connection may have been closed by the server (restart, idle timeout);
        # checking it before use turns that into a reconnect instead of a failed request.
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})


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
        "REDIS_URL": settings.redis_url,
        "REDIS_KEY_PREFIX": settings.redis_key_prefix,
        "PANOPTO_CACHE_SECONDS": settings.panopto_cache_seconds,
        "PANOPTO_READ_TIMEOUT_SECONDS": settings.panopto_read_timeout_seconds,
        "PANOPTO_RETRIES": settings.panopto_retries,
        "PANOPTO_BREAKER_FAILURES": settings.panopto_breaker_failures,
        "PANOPTO_BREAKER_RESET_SECONDS": settings.panopto_breaker_reset_seconds,
        "PROMETHEUS_MULTIPROC_DIR": settings.prometheus_multiproc_dir,
        "REGISTRATION_CACHE_SECONDS": settings.registration_cache_seconds,
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
    from .views.manage import bp as manage_bp
    from .views.ops import bp as ops_bp
    from .views.panopto_auth import bp as panopto_auth_bp
    from .views.registration import bp as registration_bp
    from .views.uploads import bp as uploads_bp
    from .views.viewer import bp as viewer_bp

    app.register_blueprint(ops_bp)
    app.register_blueprint(lti_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(chooser_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(uploads_bp)
    app.register_blueprint(access_api_bp)
    app.register_blueprint(panopto_auth_bp)
    app.register_blueprint(viewer_bp)
    app.register_blueprint(admin_bp)
    register_error_handlers(app)


def _register_commands(app: Flask) -> None:
    from .cli import register_commands

    register_commands(app)
