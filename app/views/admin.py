"""``/admin``: registrations, deployments, what to paste into an LMS, and the tool's health.

Reached with ``ADMIN_TOKEN`` (sign-in form) or an administrator's LTI launch; see
:mod:`app.admin` for who may do what. Every change is a POST carrying the admin ticket in
the form, and every answer is the page itself, so it works inside an LMS frame that keeps
no cookies.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)

from .. import access, admin, registration, security, services
from ..config import ConfigError
from ..errors import Forbidden, LaunchExpired
from ..lti import platform_storage
from ..lti.tool_config import (
    DEPLOYMENT_ACTIVE,
    DEPLOYMENT_HELD,
    FILE_WINS_NOTE,
    deployments_in_file,
)
from ..store import KeyValueStore
from .registration import tool_urls

logger = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
def index():
    """The admin page, for a browser holding a ticket cookie; else the sign-in form."""
    identity = admin.read_ticket(_secret(), request.cookies.get(admin.COOKIE_NAME))
    if identity is None:
        return _sign_in_page()
    return _page(identity)


@bp.post("/login")
def login():
    """Sign in with ``ADMIN_TOKEN``."""
    _require_same_origin()
    if not admin.token_matches(
        current_app.config.get("ADMIN_TOKEN"), request.form.get("token")
    ):
        logger.info("Refused an admin sign-in with a wrong token")
        return _sign_in_page("That is not the admin token.", status=403)
    return _page(admin.AdminIdentity(kind=admin.SITE, name="Site administrator"))


@bp.post("/logout")
def logout():
    response = make_response(_sign_in_page("You are signed out."))
    response.delete_cookie(admin.COOKIE_NAME, path="/admin", **_cookie_scope())
    return response


@bp.post("/deployments/<int:deployment_pk>/approve")
def approve(deployment_pk: int):
    identity = _form_identity()
    admin.set_deployment_status(identity, deployment_pk, DEPLOYMENT_ACTIVE)
    return _page(identity, message="The deployment is approved: launches work now.")


@bp.post("/deployments/<int:deployment_pk>/hold")
def hold(deployment_pk: int):
    identity = _form_identity()
    deployment = admin.set_deployment_status(identity, deployment_pk, DEPLOYMENT_HELD)
    return _page(
        identity,
        message="The deployment is held: its launches are refused.",
        warning=_file_warning(admin.deployment_key(deployment)),
    )


@bp.post("/deployments/<int:deployment_pk>/remove")
def remove(deployment_pk: int):
    identity = _form_identity()
    removed = admin.remove_deployment(identity, deployment_pk)
    return _page(
        identity, message="The deployment is removed.", warning=_file_warning(removed)
    )


@bp.post("/invites")
def invite():
    """A single-use Dynamic Registration URL (site administrators only)."""
    identity = _form_identity()
    if not identity.is_site_admin:
        raise Forbidden("Only the tool's site administrators may invite new platforms.")
    code = registration.create_invite(KeyValueStore())
    return _page(identity, invite_url=_registration_url(code))


def open_from_launch(launch_id: str, launch_data: dict[str, Any]) -> Response:
    """The admin page for an administrator's LTI launch (their own platform only)."""
    if not access.is_admin(launch_data):
        raise Forbidden("Only your course system's administrators may open this page.")
    identity = admin.AdminIdentity(
        kind=admin.PLATFORM,
        name=str(launch_data.get("name") or "Platform administrator"),
        issuer=str(launch_data["iss"]),
        launch_id=launch_id,
    )
    return _page(identity)


def _page(
    identity: admin.AdminIdentity,
    message: str | None = None,
    invite_url: str | None = None,
    warning: str | None = None,
) -> Response:
    ticket = admin.issue_ticket(_secret(), identity)
    urls = tool_urls()
    in_file, file_problem = _file_deployments()
    page = render_template(
        "admin.html",
        identity=identity,
        ticket=ticket,
        message=message,
        warnings=[text for text in (warning, file_problem) if text],
        invite_url=invite_url,
        registrations=[
            admin.describe(r, in_file) for r in admin.registrations_for(identity)
        ],
        urls=urls,
        registration_url=_registration_url(None),
        tool_json=admin.tool_configuration(urls),
        checks=admin.health(current_app.config["PANOPTO_BASE_URL"]),
        kids=[key["kid"] for key in services.tool_keys().jwks()["keys"]],
        open_registration=bool(current_app.config.get("DYNAMIC_REGISTRATION_OPEN")),
    )
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        admin.COOKIE_NAME,
        ticket,
        max_age=admin.TICKET_MAX_AGE_SECONDS,
        path="/admin",
        **security.cookie_options(),
    )
    return response


def _file_warning(deployment: tuple[str, str, str]) -> str | None:
    """A warning when the registrations file will undo a hold or removal at next start."""
    in_file, _ = _file_deployments()
    return FILE_WINS_NOTE if deployment in in_file else None


def _file_deployments() -> tuple[frozenset[tuple[str, str, str]], str | None]:
    """The deployments LTI_CONFIG lists, and why they are unknown if it cannot be read."""
    try:
        return deployments_in_file(current_app.config.get("LTI_CONFIG")), None
    except ConfigError as err:
        return frozenset(), (
            f"{err} Which deployments it lists is unknown, so this page cannot mark "
            "the ones each start approves again."
        )


def _sign_in_page(message: str | None = None, status: int = 200) -> Response:
    page = render_template(
        "admin_login.html",
        message=message,
        enabled=bool(current_app.config.get("ADMIN_TOKEN")),
    )
    return make_response(page, status)


def _form_identity() -> admin.AdminIdentity:
    """The identity in the form's ticket: the only proof a change may be made."""
    _require_same_origin()
    identity = admin.read_ticket(_secret(), request.form.get("ticket"))
    if identity is None:
        raise LaunchExpired("Your admin session has expired. Sign in again.")
    if identity.launch_id and platform_storage.is_pending(
        KeyValueStore(), identity.launch_id
    ):
        raise LaunchExpired("This launch has not been verified yet. Open it again.")
    return identity


def _require_same_origin() -> None:
    if not security.is_same_origin_request():
        raise Forbidden("This request did not come from the tool's own page.")


def _registration_url(invite: str | None) -> str:
    url = url_for("registration.start", _external=True)
    return f"{url}?invite={invite}" if invite else url


def _cookie_scope() -> dict[str, Any]:
    return dict(security.cookie_options())


def _secret() -> str:
    return current_app.config["SECRET_KEY"]
