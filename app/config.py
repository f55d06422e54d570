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

#: SQLAlchemy picks psycopg2 for a bare ``postgresql://`` URL; we ship psycopg 3.
POSTGRES_SCHEMES = ("postgres://", "postgresql://")
PSYCOPG_SCHEME = "postgresql+psycopg://"
LOG_FORMATS = ("json", "text")

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
    tool_keys_dir: Path = DEFAULT_KEYS_DIR
    #: Run the database migrations when a process starts (under a lock, so several workers
    #: may start at once). Turn off to run ``flask --app wsgi db upgrade`` as a deploy step.
    db_auto_migrate: bool = True
    #: Redis URL of the shared store (launch data, state, nonces, key and Panopto caches,
    #: the circuit breaker). Without it the database holds them: correct on one host.
    redis_url: str | None = field(default=None, repr=False)  # may hold a password
    #: Prefix of every Redis key, so that several tools may share one Redis.
    redis_key_prefix: str = "panopto-tool:"
    #: How long a Panopto GET answer is reused for the same user; 0 turns the cache off.
    panopto_cache_seconds: float = 30.0
    #: How long to wait for Panopto to answer one call.
    panopto_read_timeout_seconds: float = 10.0
    #: Retries of one Panopto call after a 429, a 5xx or a refused connection.
    panopto_retries: int = 2
    #: Failed Panopto calls in a row that open the circuit breaker.
    panopto_breaker_failures: int = 5
    #: How long an open circuit answers at once, before one trial call goes through.
    panopto_breaker_reset_seconds: float = 30.0
    #: Folder where each gunicorn worker writes its metrics, for ``/metrics`` to add them
    #: up; set by ``gunicorn.conf.py``. Unset: each process reports its own.
    prometheus_multiproc_dir: str | None = None
    #: How long each process reuses a platform registration it read; 0 reads every time.
    registration_cache_seconds: float = 30.0
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


def _number(name: str, default: float, minimum: float = 0) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise ConfigError(f"{name} must be a number of at least {minimum:g}.")
    return number


def _count(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()):
        raise ConfigError(f"{name} must be a whole number, not {value[:20]!r}.")
    return int(value)


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, "").strip().lower() or default
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}.")
    return value


def database_url(value: str | None) -> str | None:
    """The SQLAlchemy URL, with PostgreSQL URLs pointed at the psycopg 3 driver."""
    if not value:
        return None
    for scheme in POSTGRES_SCHEMES:
        if value.startswith(scheme):
            return PSYCOPG_SCHEME + value[len(scheme) :]
    return value


def load_log_settings() -> tuple[str, str]:
    """``(format, level)`` of the logs: ``LOG_FORMAT`` is ``json`` (default, one object per
    line for log shippers) or ``text``; ``LOG_LEVEL`` defaults to ``INFO``.

    Read apart from :func:`load_settings` because logging is set up before the app exists.
    """
    level = os.environ.get("LOG_LEVEL", "").strip().upper() or "INFO"
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR.")
    return _choice("LOG_FORMAT", "json", LOG_FORMATS), level


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
        database_url=database_url(os.environ.get("DATABASE_URL", "").strip()),
        secret_key=_required("SECRET_KEY"),
        panopto_base_url=_base_url(_required("PANOPTO_BASE_URL")),
        panopto_client_id=_required("PANOPTO_CLIENT_ID"),
        panopto_client_secret=_required("PANOPTO_CLIENT_SECRET"),
        lti_config=Path(lti_config) if lti_config else None,
        tool_keys_dir=Path(
            os.environ.get("TOOL_KEYS_DIR", "").strip() or DEFAULT_KEYS_DIR
        ),
        db_auto_migrate=_flag("DB_AUTO_MIGRATE", default=True),
        redis_url=os.environ.get("REDIS_URL", "").strip() or None,
        redis_key_prefix=os.environ.get("REDIS_KEY_PREFIX", "").strip()
        or "panopto-tool:",
        panopto_cache_seconds=_number("PANOPTO_CACHE_SECONDS", 30.0),
        panopto_read_timeout_seconds=_number(
            "PANOPTO_READ_TIMEOUT_SECONDS", 10.0, minimum=0.1
        ),
        panopto_retries=int(_number("PANOPTO_RETRIES", 2)),
        panopto_breaker_failures=int(_number("PANOPTO_BREAKER_FAILURES", 5, minimum=1)),
        panopto_breaker_reset_seconds=_number(
            "PANOPTO_BREAKER_RESET_SECONDS", 30.0, minimum=1
        ),
        prometheus_multiproc_dir=os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
        or None,
        registration_cache_seconds=_number("REGISTRATION_CACHE_SECONDS", 30.0),
        token_encryption_keys=parse_fernet_keys(
            os.environ.get("TOKEN_ENCRYPTION_KEYS", "")
        ),
        admin_token=_admin_token(),
        trusted_proxy_count=_count("TRUSTED_PROXY_COUNT", default=0),
        unknown_deployments=_choice("UNKNOWN_DEPLOYMENTS", "hold", DEPLOYMENT_POLICIES),
        open_registration=_flag("DYNAMIC_REGISTRATION_OPEN", default=False),
        panopto_idp_application_key=(
            os.environ.get("PANOPTO_IDP_APPLICATION_KEY", "").strip() or None
        ),
        tool_base_url=os.environ.get("TOOL_BASE_URL", "").strip().rstrip("/") or None,
    )
