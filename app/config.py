"""Every setting of the tool, read once from the environment.

Each setting is listed here with its default and a short note. Nothing else in the tool reads
``os.environ``; the app factory copies these values into ``app.config``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SQLITE_NAME = "panopto_tool.sqlite3"

#: What happens to a launch naming a deployment the tool does not know yet (for a known
#: issuer and client id): record it and go on, or hold it until an admin approves it.
DEPLOYMENT_POLICIES = ("accept", "hold")


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
    tool_keys_dir: Path = Path("keys")
    #: Run the database migrations when a process starts (under a lock, so several workers
    #: may start at once). Turn off to run ``flask --app wsgi db upgrade`` as a deploy step.
    db_auto_migrate: bool = True
    #: Fernet keys for Panopto tokens at rest, newest first; older ones only decrypt.
    token_encryption_keys: tuple[str, ...] = field(default=(), repr=False)
    #: A long random string that opens the admin page; None turns that sign-in off.
    admin_token: str | None = field(default=None, repr=False)
    #: How many reverse proxies (each adding X-Forwarded-*) stand in front of the tool.
    trusted_proxy_count: int = 0
    #: ``hold`` (default) or ``accept``: see DEPLOYMENT_POLICIES.
    unknown_deployments: str = "hold"
    #: Let anyone start a Dynamic Registration, without an invitation from an admin.
    open_registration: bool = False
    #: Application key of the Panopto identity provider (hashed password grant).
    panopto_idp_application_key: str | None = field(default=None, repr=False)
    #: The tool's public root URL, for URLs printed by the command line.
    tool_base_url: str | None = None


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


def _count(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()):
        raise ConfigError(f"{name} must be a whole number, not {value[:20]!r}.")
    return int(value)


def _choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = os.environ.get(name, "").strip().lower() or default
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}.")
    return value


def parse_fernet_keys(
    value: str, name: str = "TOKEN_ENCRYPTION_KEYS"
) -> tuple[str, ...]:
    """Comma- or space-separated Fernet keys, each checked to be one.

    :raises ConfigError: when the list is empty or a key is malformed (never echoing it).
    """
    from cryptography.fernet import Fernet

    keys = tuple(key for key in value.replace(",", " ").split() if key)
    if not keys:
        raise ConfigError(f"The environment variable {name} must be set.")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError as err:
            raise ConfigError(
                f"Key {position} of {name} is not a Fernet key (32 url-safe base64 "
                "bytes; make one with `flask --app wsgi tokens new-key`)."
            ) from err
    return keys


#: An admin token shorter than this is too easy to guess.
MIN_ADMIN_TOKEN_LENGTH = 24


def _admin_token() -> str | None:
    value = os.environ.get("ADMIN_TOKEN", "").strip()
    if value and len(value) < MIN_ADMIN_TOKEN_LENGTH:
        raise ConfigError(
            f"ADMIN_TOKEN must be at least {MIN_ADMIN_TOKEN_LENGTH} characters long."
        )
    return value or None


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
        tool_keys_dir=Path(os.environ.get("TOOL_KEYS_DIR", "").strip() or "keys"),
        db_auto_migrate=_flag("DB_AUTO_MIGRATE", default=True),
        token_encryption_keys=parse_fernet_keys(
            os.environ.get("TOKEN_ENCRYPTION_KEYS", "")
        ),
        admin_token=_admin_token(),
        trusted_proxy_count=_count("TRUSTED_PROXY_COUNT", default=0),
        unknown_deployments=_choice("UNKNOWN_DEPLOYMENTS", DEPLOYMENT_POLICIES, "hold"),
        open_registration=_flag("DYNAMIC_REGISTRATION_OPEN", default=False),
        panopto_idp_application_key=(
            os.environ.get("PANOPTO_IDP_APPLICATION_KEY", "").strip() or None
        ),
        tool_base_url=os.environ.get("TOOL_BASE_URL", "").strip().rstrip("/") or None,
    )
