"""Every setting of the Panopto simulator, in one place.

``create_app`` reads only the dict it is given (over ``DEFAULTS``), so tests are not
affected by the environment. ``python -m devkit.panopto_sim`` builds that dict from
the environment with ``from_environment``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from typing import Any

DEFAULTS: dict[str, Any] = {
    # Public origin of the simulator; absolute URLs in responses are built on it.
    "SIM_BASE_URL": "http://127.0.0.1:8002",
    # The one registered API client (a "Server-side Web Application" that may also
    # use the password grant, to keep the demo to one client).
    "SIM_CLIENT_ID": "panopto-tool-dev",
    # No default on purpose: a secret comes from the environment or the caller.
    "SIM_CLIENT_SECRET": None,
    # Exact-match redirect URIs of that client.
    "SIM_REDIRECT_URIS": ["http://127.0.0.1:8000/panopto/callback"],
    # Results per page of every list route; small so that paging loops get exercised.
    "SIM_PAGE_SIZE": 10,
    # Sleep before answering each REST call, for benchmarks.
    "SIM_LATENCY_MS": 0,
    # Seconds an upload spends in the Processing state before it is Complete.
    "SIM_PROCESSING_SECONDS": 5.0,
    # Whether the /_sim control routes (faults, token expiry, reset) exist.
    "SIM_CONTROL": True,
    # Identity provider of API-NOTES 1.4: user keys look like "OnTrack\\ina.instructor".
    "SIM_IDP_NAME": "OnTrack",
    # Its application key; without one the hashed password variant is refused.
    "SIM_IDP_APPLICATION_KEY": None,
    # Signs the browser session cookie; a random one is made when none is given.
    "SECRET_KEY": None,
}

SESSION_COOKIE_NAME = "panopto_sim_session"
"""Cookies on 127.0.0.1 are shared by every port, so each demo process names its own."""


class SettingsError(ValueError):
    """The simulator cannot start with the given settings."""


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"expected true or false, got {value!r}")


def _parse_list(value: str) -> list[str]:
    """Split on commas or whitespace, so one or several URIs can be given."""
    return [item for item in value.replace(",", " ").split() if item]


def _parse_seconds(value: str) -> float:
    try:
        return float(value)
    except ValueError as err:
        raise SettingsError(f"expected a number of seconds, got {value!r}") from err


def _parse_int(value: str) -> int:
    try:
        return int(value)
    except ValueError as err:
        raise SettingsError(f"expected a whole number, got {value!r}") from err


#: config key -> (environment variable, parser)
ENVIRONMENT: dict[str, tuple[str, Callable[[str], Any]]] = {
    "SIM_BASE_URL": ("SIM_BASE_URL", str),
    "SIM_CLIENT_ID": ("SIM_CLIENT_ID", str),
    "SIM_CLIENT_SECRET": ("PANOPTO_CLIENT_SECRET", str),
    "SIM_REDIRECT_URIS": ("SIM_REDIRECT_URIS", _parse_list),
    "SIM_PAGE_SIZE": ("SIM_PAGE_SIZE", _parse_int),
    "SIM_LATENCY_MS": ("SIM_LATENCY_MS", _parse_int),
    "SIM_PROCESSING_SECONDS": ("SIM_PROCESSING_SECONDS", _parse_seconds),
    "SIM_CONTROL": ("SIM_CONTROL", _parse_bool),
    "SIM_IDP_NAME": ("SIM_IDP_NAME", str),
    "SIM_IDP_APPLICATION_KEY": ("PANOPTO_IDP_APPLICATION_KEY", str),
    "SECRET_KEY": ("SIM_SECRET_KEY", str),
}


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read the settings that the environment sets; leave the rest to the defaults.

    :raises SettingsError: when a variable cannot be parsed.
    """
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for key, (variable, parse) in ENVIRONMENT.items():
        raw = environ.get(variable)
        if raw is None or raw == "":
            continue
        try:
            config[key] = parse(raw)
        except SettingsError as err:
            raise SettingsError(f"{variable}: {err}") from err
    return config


def resolve(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge overrides over the defaults and check the result.

    :raises SettingsError: naming the first setting that is missing or wrong.
    """
    config = {**DEFAULTS, **(overrides or {})}

    if not config["SIM_CLIENT_SECRET"]:
        raise SettingsError(
            "The Panopto simulator needs a client secret: set PANOPTO_CLIENT_SECRET "
            "(or pass SIM_CLIENT_SECRET in the config)."
        )
    _check_positive_int(config, "SIM_PAGE_SIZE", minimum=1)
    _check_positive_int(config, "SIM_LATENCY_MS", minimum=0)
    _check_redirect_uris(config["SIM_REDIRECT_URIS"])
    seconds = config["SIM_PROCESSING_SECONDS"]
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise SettingsError("SIM_PROCESSING_SECONDS must be a number of at least 0.")

    config["SIM_BASE_URL"] = str(config["SIM_BASE_URL"]).rstrip("/")
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = secrets.token_urlsafe(32)
    return config


def _check_positive_int(config: dict[str, Any], key: str, minimum: int) -> None:
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SettingsError(f"{key} must be a whole number of at least {minimum}.")


def _check_redirect_uris(uris: Any) -> None:
    if isinstance(uris, str) or not uris:
        raise SettingsError("SIM_REDIRECT_URIS must be a non-empty list of URIs.")
    for uri in uris:
        if not isinstance(uri, str) or not uri.startswith(("http://", "https://")):
            raise SettingsError(f"SIM_REDIRECT_URIS holds a bad URI: {uri!r}")
