"""Settings of the dev platform: defaults, and the environment when run as a module.

Every key is listed once in ``DEFAULTS`` with a note. ``create_app`` starts from these
defaults and applies the caller's overrides; ``python -m devkit.dev_platform`` passes the
environment variables of the same names as overrides.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: Names of the settings a ``python -m`` run reads from the environment.
ENV_KEYS = (
    "PLATFORM_URL",
    "TOOL_LOGIN_URL",
    "TOOL_LAUNCH_URL",
    "TOOL_JWKS_URL",
    "TOOL_REDIRECT_URIS",
    "CLIENT_ID",
    "DEPLOYMENT_ID",
    "PLATFORM_KEY_DIR",
    "SECRET_KEY",
    "LOGIN_INITIATION_METHOD",
    "SEND_DEEP_LINK_DATA",
    "PLATFORM_STORAGE",
    "TOOL_REGISTRATION_URL",
    "CROSS_SITE_COOKIES",
)

DEFAULTS: dict[str, Any] = {
    # Base URL of this platform; it is also the issuer (``iss``) of every id_token.
    "PLATFORM_URL": "http://127.0.0.1:8001",
    # The tool's OIDC third-party login initiation URL (LTI-NOTES 2.1).
    "TOOL_LOGIN_URL": "http://127.0.0.1:8000/lti/login",
    # The tool's default launch URL: target_link_uri of Deep Linking launches.
    "TOOL_LAUNCH_URL": "http://127.0.0.1:8000/lti/launch",
    # Where the tool publishes the keys that sign its Deep Linking responses.
    "TOOL_JWKS_URL": "http://127.0.0.1:8000/lti/jwks",
    # Redirect URIs registered for the tool, matched exactly. None: [TOOL_LAUNCH_URL].
    "TOOL_REDIRECT_URIS": None,
    # The client id this platform issued to the tool.
    "CLIENT_ID": "panopto-tool-dev",
    # The one deployment of the tool on this platform.
    "DEPLOYMENT_ID": "ontrack-dev-1",
    # Folder of the platform's RSA key pair. None: ./instance/dev_platform.
    "PLATFORM_KEY_DIR": None,
    # Signs the session cookie and the lti_message_hint. None: random per process.
    "SECRET_KEY": None,
    # How the browser is sent to TOOL_LOGIN_URL: "post" (form fields) or "get" (query).
    "LOGIN_INITIATION_METHOD": "post",
    # Whether Deep Linking requests carry ``data``. Off, they carry none, which lets the
    # tool prove it then leaves ``data`` out of its response (LTI-NOTES 2.6).
    "SEND_DEEP_LINK_DATA": True,
    # LTI platform storage for tools in frames (client-side postMessage drafts):
    # "frame" answers lti.put_data/get_data from a hidden frame named
    # post_message_forwarding (as Canvas does), "parent" from the page itself, "off" not.
    "PLATFORM_STORAGE": "frame",
    # The tool's Dynamic Registration URL, offered on the platform's tool-registration page.
    # None: derived from TOOL_LOGIN_URL (``/lti/register`` on the same origin).
    "TOOL_REGISTRATION_URL": None,
    # The session cookie as SameSite=None; Secure, for a platform served over HTTPS on a
    # different site from the tool (a cross-site POST back from the tool's frame, such as
    # the Deep Linking return, must still carry it). Off: SameSite=Lax.
    "CROSS_SITE_COOKIES": False,
}

STORAGE_MODES = ("frame", "parent", "off")
#: The frame name Canvas uses for its storage frame; tools find it in window.parent.frames.
STORAGE_FRAME_NAME = "post_message_forwarding"

DEFAULT_KEY_SUBDIR = Path("instance") / "dev_platform"
LOGIN_METHODS = ("post", "get")


class ConfigError(RuntimeError):
    """A setting is malformed; raised when the app is created, never during a request."""


def env_overrides(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Read the settings named in ``ENV_KEYS`` that are set in the environment."""
    environ = dict(os.environ) if environ is None else environ
    overrides: dict[str, Any] = {}

    for key in ENV_KEYS:
        value = environ.get(key, "").strip()
        if value:
            overrides[key] = value

    return overrides


def resolve(config: dict[str, Any] | None) -> dict[str, Any]:
    """Merge ``config`` over the defaults, parse text values and fill derived defaults.

    :raises ConfigError: when a URL or a choice is malformed.
    """
    settings = {**DEFAULTS, **(config or {})}

    settings["PLATFORM_URL"] = _url(settings, "PLATFORM_URL").rstrip("/")
    for key in ("TOOL_LOGIN_URL", "TOOL_LAUNCH_URL", "TOOL_JWKS_URL"):
        settings[key] = _url(settings, key)

    settings["TOOL_REDIRECT_URIS"] = _redirect_uris(settings)
    settings["PLATFORM_KEY_DIR"] = Path(
        settings["PLATFORM_KEY_DIR"] or Path.cwd() / DEFAULT_KEY_SUBDIR
    )
    settings["SECRET_KEY"] = settings["SECRET_KEY"] or secrets.token_urlsafe(32)
    settings["LOGIN_INITIATION_METHOD"] = _login_method(settings)
    settings["SEND_DEEP_LINK_DATA"] = _flag(settings["SEND_DEEP_LINK_DATA"])
    settings["PLATFORM_STORAGE"] = _storage_mode(settings)
    settings["CROSS_SITE_COOKIES"] = _flag(settings["CROSS_SITE_COOKIES"])
    settings["TOOL_REGISTRATION_URL"] = settings["TOOL_REGISTRATION_URL"] or (
        origin_of(settings["TOOL_LOGIN_URL"]) + "/lti/register"
    )

    return settings


def storage_target(settings: dict[str, Any]) -> str | None:
    """The ``lti_storage_target`` value the platform sends, or None without storage."""
    mode = settings["PLATFORM_STORAGE"]
    if mode == "off":
        return None
    return STORAGE_FRAME_NAME if mode == "frame" else "_parent"


def _storage_mode(settings: dict[str, Any]) -> str:
    mode = str(settings["PLATFORM_STORAGE"]).strip().lower()
    if mode not in STORAGE_MODES:
        raise ConfigError("PLATFORM_STORAGE must be 'frame', 'parent' or 'off'.")
    return mode


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, the form browsers use for postMessage origins."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _url(settings: dict[str, Any], key: str) -> str:
    value = str(settings[key]).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{key} must be an absolute http(s) URL, not {value!r}.")
    return value


def _redirect_uris(settings: dict[str, Any]) -> list[str]:
    value = settings["TOOL_REDIRECT_URIS"]
    if value is None:
        return [settings["TOOL_LAUNCH_URL"]]

    # From the environment the list arrives as text separated by commas or spaces.
    uris = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    for uri in uris:
        _url({"TOOL_REDIRECT_URIS": uri}, "TOOL_REDIRECT_URIS")
    if not uris:
        raise ConfigError("TOOL_REDIRECT_URIS must name at least one URI.")
    return uris


def _login_method(settings: dict[str, Any]) -> str:
    method = str(settings["LOGIN_INITIATION_METHOD"]).strip().lower()
    if method not in LOGIN_METHODS:
        raise ConfigError("LOGIN_INITIATION_METHOD must be 'post' or 'get'.")
    return method


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")
