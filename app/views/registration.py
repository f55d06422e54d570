"""``/lti/register``: LTI Dynamic Registration, started by a platform (see app.registration)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template, request, url_for

from .. import registration, security
from ..errors import BadRequest, Forbidden
from ..store import KeyValueStore

logger = logging.getLogger(__name__)

bp = Blueprint("registration", __name__, url_prefix="/lti")


@bp.get("/register")
def start():
    """Fetch and check the platform's configuration, then ask the admin to confirm."""
    config_url = (request.args.get("openid_configuration") or "").strip()
    token = request.args.get("registration_token") or None
    invite = request.args.get("invite") or None
    if not config_url:
        raise BadRequest(
            "This address is the Panopto tool's registration URL: paste it into your "
            "course system's LTI Dynamic Registration page instead of opening it here."
        )
    store = KeyValueStore()
    _check_invite(store, invite)

    # The platform shows this page in its own frame before it is registered.
    security.allow_frame_ancestor(config_url)
    flow = registration.ToolRegistration(
        tool_urls(), config_url, token, allow_loopback_http=_is_development()
    )
    platform = flow.platform()

    hold_id = registration.hold(
        store, {"config_url": config_url, "token": token, "invite": invite}
    )
    return _no_store(
        render_template(
            "register_confirm.html",
            platform=platform,
            hold_id=hold_id,
            urls=tool_urls(),
        )
    )


@bp.post("/register")
def finish():
    """Register with the platform, store the result and tell the platform to close us."""
    if not security.is_same_origin_request():
        raise Forbidden("This request did not come from the tool's own page.")
    store = KeyValueStore()
    held = registration.take_hold(store, request.form.get("hold"))
    if held is None:
        raise BadRequest(
            "This registration page has expired. Start the registration again from your "
            "course system."
        )
    _check_invite(store, held.get("invite"))
    security.allow_frame_ancestor(str(held["config_url"]))

    flow = registration.ToolRegistration(
        tool_urls(),
        str(held["config_url"]),
        held.get("token"),
        allow_loopback_http=_is_development(),
    )
    result = flow.register_with_platform()
    registration.save_registration(result, flow.platform())
    registration.use_invite(store, held.get("invite"))
    security.forget_platform_origins()

    return _no_store(render_template("register_done.html", result=result))


def tool_urls() -> registration.ToolUrls:
    return registration.ToolUrls(
        login=url_for("lti.login", _external=True),
        launch=url_for("lti.launch", _external=True),
        jwks=url_for("lti.jwks", _external=True),
        logo=url_for("static", filename="logo.svg", _external=True),
    )


def _is_development() -> bool:
    """A tool served over plain HTTP is a development one: it may register loopback
    platforms over HTTP too. Behind TLS (or a trusted TLS proxy) only https is accepted."""
    return not request.is_secure


def _check_invite(store: KeyValueStore, invite: str | None) -> None:
    if current_app.config.get("DYNAMIC_REGISTRATION_OPEN"):
        return
    if not registration.invite_is_valid(store, invite):
        logger.info("Refused a dynamic registration without a valid invitation")
        raise Forbidden(
            "This registration URL has no valid invitation, or it was already used. Ask "
            "the Panopto tool's administrator for a new registration URL."
        )


def _no_store(page: str):
    return page, 200, {"Cache-Control": "no-store"}
