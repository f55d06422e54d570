"""A small OnTrack stand-in that acts as an LTI 1.3 platform, for development and tests.

It plays the part LTI-NOTES 8.4 asks of OnTrack: it has an issuer, a key pair and a JWKS; it
starts Deep Linking launches from a task description (staff) and a comment composer
(everyone); it answers the tool's OIDC authentication requests with signed id_tokens; it
verifies the tool's Deep Linking responses and stores the chosen items; and it shows every
placed item as an iframe that launches the tool afresh for each viewer.

It is independent of the tool's LTI library on purpose (PyJWT and jwcrypto only), so the
tool is tested against code that shares none of its assumptions.

Run it with ``python -m devkit.dev_platform --host 127.0.0.1 --port 8001``.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from . import lti, pages, tools
from .config import resolve
from .errors import PlatformError
from .keys import load_or_create_keys
from .services import LtiPlatform
from .store import PlatformStore, as_dict
from .tool_keys import ToolKeySet
from .web import EXTENSION_KEY, csrf_token

logger = logging.getLogger(__name__)

SESSION_COOKIE_NAME = "ontrack_dev_session"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the dev platform; ``config`` overrides the defaults in ``config.DEFAULTS``."""
    settings = resolve(config)
    app = Flask(__name__)
    app.config.update(settings)
    cross_site = settings["CROSS_SITE_COOKIES"]
    app.config.update(
        # The tool (8000) and the Panopto simulator (8002) share the host, and cookies
        # ignore ports, so each process names its cookie apart (docs/demo-topology.md).
        SESSION_COOKIE_NAME=SESSION_COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="None" if cross_site else "Lax",
        SESSION_COOKIE_SECURE=cross_site,
    )

    app.extensions[EXTENSION_KEY] = LtiPlatform(
        settings,
        store=PlatformStore(),
        keys=load_or_create_keys(settings["PLATFORM_KEY_DIR"]),
        tool_keys=ToolKeySet(settings["TOOL_JWKS_URL"]),
    )
    app.jinja_env.globals["csrf_token"] = csrf_token

    app.register_blueprint(pages.bp)
    app.register_blueprint(lti.bp)
    app.register_blueprint(tools.bp)
    _register_error_pages(app)
    app.after_request(_security_headers)
    return app


def stored_items(app: Flask) -> list[dict[str, Any]]:
    """Every placed item of ``app`` as a plain dict, description items first.

    For tests: each dict has id, resource_link_id, placement, task_id, comment_id, title,
    url, custom, width and height.
    """
    return [as_dict(item) for item in platform_service(app).store.all_items()]


def platform_service(app: Flask) -> LtiPlatform:
    """The LTI service of ``app``, with its ``store``, ``keys`` and ``tool_keys``."""
    return app.extensions[EXTENSION_KEY]


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(PlatformError)
    def refused(error: PlatformError) -> tuple[str, int]:
        logger.info("Refused %s %s: %s", request.method, request.path, error.message)
        return _error_page(error.title, error.message), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return _error_page(error.name, error.description or ""), error.code or 500

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        logger.exception("Unexpected error on %s %s", request.method, request.path)
        message = "Something went wrong in the dev platform. The log has the details."
        return _error_page("Sorry", message), 500


def _error_page(title: str, message: str) -> str:
    return render_template("error.html", title=title, message=message)


def _security_headers(response: Any) -> Any:
    # Only the platform's own pages may frame its pages (the chooser and item iframes).
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
