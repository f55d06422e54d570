"""The platform's tool registration page and its Dynamic Registration endpoints.

URL surface:

- ``GET /admin/tools``: who the tool is registered as, and a form to register it again;
- ``POST /admin/tools/register``: open the tool's registration URL in a frame;
- ``GET /lti/openid-configuration``: this platform's configuration (registration token);
- ``POST /lti/register-tool``: the tool's registration request (registration token).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from .config import origin_of
from .errors import NotAllowedError, PlatformError
from .registration import (
    RegistrationRefused,
    RegistrationTokens,
    bearer_token,
    check_registration,
    openid_configuration,
    registration_response,
    registration_start_url,
)
from .web import check_csrf, current_user, platform

bp = Blueprint("tools", __name__)

tokens = RegistrationTokens()


@bp.get("/admin/tools")
def tools_page() -> str:
    """The tool's current registration, and a form to register it dynamically."""
    return _page()


@bp.post("/admin/tools/register")
def start_registration() -> str:
    """Open the tool's registration URL in a frame, with a fresh registration token."""
    check_csrf()
    if not current_user().is_staff:
        raise NotAllowedError("Only staff can register tools.")
    url = request.form.get("registration_url", "").strip()
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise PlatformError("Give the tool's registration URL, starting with https://.")

    config_url = url_for("tools.configuration", _external=True)
    start_url = registration_start_url(url, config_url, tokens.issue())
    return _page(start_url=start_url, tool_origin=origin_of(url))


@bp.get("/lti/openid-configuration")
def configuration() -> Response:
    """This platform's OpenID configuration; a valid registration token is required."""
    if not tokens.is_valid(bearer_token(request.headers.get("Authorization"))):
        return _json_error("A valid registration token is required.", 401)
    return jsonify(openid_configuration(platform().identity.issuer))


@bp.post("/lti/register-tool")
def register_tool() -> Response:
    """Accept the tool's registration (once per token) and start using it."""
    if not tokens.use(bearer_token(request.headers.get("Authorization"))):
        return _json_error("A valid registration token is required.", 401)
    body = request.get_json(silent=True)
    try:
        registration = check_registration(body)
    except RegistrationRefused as err:
        return _json_error(err.message, 400)

    platform().register_tool(
        client_id=registration.client_id,
        deployment_id=registration.deployment_id,
        login_url=registration.login_url,
        redirect_uris=registration.redirect_uris,
        launch_url=registration.launch_url,
        jwks_url=registration.jwks_url,
    )
    return jsonify(registration_response(body, registration))


def _page(start_url: str | None = None, tool_origin: str | None = None) -> str:
    service = platform()
    return render_template(
        "tools.html",
        user=current_user(),
        identity=service.identity,
        tool_login_url=service.tool_login_url,
        registration_url=service.settings_registration_url,
        start_url=start_url,
        tool_origin=tool_origin,
    )


def _json_error(message: str, status: int) -> Response:
    response = jsonify({"error": "invalid_request", "error_description": message})
    response.status_code = status
    return response
