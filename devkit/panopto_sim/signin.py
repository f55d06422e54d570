"""OAuth2 routes under ``/Panopto/oauth2`` and the simulated sign-in page.

The authorize endpoint shows a sign-in page that lists the seeded users and their
demo passwords. A user already signed in to the simulator goes straight back to the
client, as with a live Panopto session, unless the request says ``prompt=login``.
An unknown client or an unregistered redirect URI gets a 400 page and is never
redirected to. The page works in a pop-up: it sets no opener policy, so the
client's callback page can still reach ``window.opener``.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Response, jsonify, render_template, request, session

from .headers import NO_FRAMING
from .models import User
from .oauth import check_plain_password, discovery_document
from .simulator import Simulator, current_simulator

logger = logging.getLogger(__name__)

bp = Blueprint("signin", __name__, url_prefix="/Panopto")

SESSION_USER_KEY = "user_id"
CSRF_KEY = "csrf_token"


@bp.route("/oauth2/connect/authorize", methods=["GET", "POST"])
def authorize() -> Response | tuple[str, int, dict[str, str]]:
    """Ask the user to sign in, then send them back to the client with a code."""
    sim = current_simulator()
    try:
        grant = sim.oauth.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        return _authorize_error(sim, error)

    if request.method == "POST":
        return _sign_in(sim, grant)

    user = signed_in_user(sim)
    if user is not None and request.args.get("prompt") != "login":
        return sim.oauth.create_authorization_response(grant=grant, grant_user=user)
    return _sign_in_page(sim, grant)


def _authorize_error(
    sim: Simulator, error: OAuth2Error
) -> Response | tuple[str, int, dict[str, str]]:
    if error.redirect_uri:
        # authlib sets redirect_uri only once the URI matched the client's own.
        return sim.oauth.handle_error_response(None, error)

    logger.info("authorize request refused: %s", error.error)
    page = render_template(
        "panopto_sim/error.html",
        title="This sign-in link is not valid",
        error=error.error,
        description=error.description,
    )
    return page, 400, NO_FRAMING


def _sign_in(
    sim: Simulator, grant: object
) -> Response | tuple[str, int, dict[str, str]]:
    form = request.form
    if not _csrf_matches(form.get(CSRF_KEY, "")):
        return _sign_in_page(sim, grant, "The form expired; please sign in again.", 400)
    if form.get("action") == "cancel":
        return sim.oauth.create_authorization_response(grant=grant, grant_user=None)

    username = form.get("username", "")
    user = check_plain_password(sim.store, username, form.get("password", ""))
    if user is None:
        logger.info("sign-in refused for %s", username)
        return _sign_in_page(sim, grant, "Wrong username or password.", 401)

    session[SESSION_USER_KEY] = user.id
    logger.info("%s signed in", user.username)
    return sim.oauth.create_authorization_response(grant=grant, grant_user=user)


def _sign_in_page(
    sim: Simulator, grant: object, error: str | None = None, status: int = 200
) -> tuple[str, int, dict[str, str]]:
    page = render_template(
        "panopto_sim/signin.html",
        users=sim.store.users.values(),
        client_id=sim.settings["SIM_CLIENT_ID"],
        scope=grant.request.scope,  # type: ignore[attr-defined]
        csrf_token=_csrf_token(),
        error=error,
    )
    return page, status, NO_FRAMING


def signed_in_user(sim: Simulator) -> User | None:
    """The user signed in to the simulator in this browser, if any."""
    user_id = session.get(SESSION_USER_KEY)
    return sim.store.user(user_id) if user_id else None


def _csrf_token() -> str:
    if CSRF_KEY not in session:
        session[CSRF_KEY] = secrets.token_urlsafe(24)
    return session[CSRF_KEY]


def _csrf_matches(sent: str) -> bool:
    expected = session.get(CSRF_KEY)
    return bool(expected) and hmac.compare_digest(expected.encode(), sent.encode())


@bp.post("/oauth2/connect/token")
def issue_token() -> Response:
    """Exchange a code, a refresh token or a password for tokens."""
    return current_simulator().oauth.create_token_response()


@bp.post("/oauth2/connect/revocation")
def revoke_token() -> Response:
    """Revoke an access or refresh token (RFC 7009)."""
    return current_simulator().oauth.create_endpoint_response("revocation")


@bp.get("/oauth2/.well-known/openid-configuration")
def discovery() -> Response:
    """Where the OAuth2 endpoints are and what they support."""
    return jsonify(discovery_document(current_simulator().base_url))


@bp.get("/Pages/Auth/Logout.aspx")
def sign_out() -> tuple[str, int, dict[str, str]]:
    """Forget who is signed in to the simulator in this browser."""
    session.pop(SESSION_USER_KEY, None)
    page = render_template(
        "panopto_sim/message.html",
        title="Signed out",
        message="You are signed out of the Panopto simulator.",
    )
    return page, 200, NO_FRAMING
