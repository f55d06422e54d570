"""Every setting of the tool, read once from the environment.

Each setting is listed here with its default and a short note. Nothing else in the tool reads
``os.environ``; the app factory copies these values into ``app.config``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SQLITE_NAME = "panopto_tool.sqlite3"
#: The project's own keys/ folder: the default must not depend on where a server starts.
DEFAULT_KEYS_DIR = Path(__file__).resolve().parent.parent / "keys"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; raised at start-up, never during a request."""


@dataclass(frozen=True)
class Settings:
    """The tool's settings, parsed from environment variables."""

    #: SQLAlchemy URL. Default: SQLite file in the Flask instance folder.
    database_url: str | None = field(repr=False)  # may hold a password
    #: Signs the chooser's tokens and Flask's session. Required outside tests and the demo.
    secret_key: str = field(repr=False)
    #: Panopto site root, e.g. ``https://example.hosted.panopto.com`` (no ``/Panopto``).
    panopto_base_url: str
    #: OAuth2 client registered in Panopto (type "Server-side Web Application").
    panopto_client_id: str
    panopto_client_secret: str = field(repr=False)
    #: JSON file in pylti1p3's ToolConfJsonFile shape, loaded into the database at start.
    lti_config: Path | None = None
    #: Folder holding the tool's RSA key pair; created on first start.
    tool_keys_dir: Path = DEFAULT_KEYS_DIR
    #: Run the database migrations when a process starts (under a lock, so several workers
    #: may start at once). Turn off to run ``flask --app wsgi db upgrade`` as a deploy step.
    db_auto_migrate: bool = True


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"The environment variable {name} must be set.")
    return value


def _base_url(value: str) -> str:
    url = value.rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigError("PANOPTO_BASE_URL must start with http:// or https://.")
    if url.lower().endswith("/panopto"):
        raise ConfigError(
            "PANOPTO_BASE_URL is the site root: leave out the /Panopto part."
        )
    return url


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {value[:20]!r}.")


def load_settings() -> Settings:
    """Read the settings from the environment.

    :raises ConfigError: when a required variable is missing or malformed.
    """
    lti_config = os.environ.get("LTI_CONFIG", "").strip()

    return Settings(
        database_url=os.environ.get("DATABASE_URL", "").strip() or None,
        secret_key=_required("SECRET_KEY"),
        panopto_base_url=_base_url(_required("PANOPTO_BASE_URL")),
        panopto_client_id=_required("PANOPTO_CLIENT_ID"),
        panopto_client_secret=_required("PANOPTO_CLIENT_SECRET"),
        lti_config=Path(lti_config) if lti_config else None,
        tool_keys_dir=Path(os.environ.get("TOOL_KEYS_DIR", "").strip() or DEFAULT_KEYS_DIR),
        db_auto_migrate=_flag("DB_AUTO_MIGRATE", default=True),
    )
