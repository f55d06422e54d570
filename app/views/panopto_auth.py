"""Panopto sign-in, in a pop-up window opened by the chooser.

Panopto's sign-in page refuses to be framed, and the chooser lives in the platform's iframe,
so the chooser opens ``/panopto/connect`` in a new window. The steps, and why each is there:

1. ``GET /panopto/connect`` serves a page with no secret in it. Its script asks the window
   that opened it (the chooser, same origin only) for the chooser token by ``postMessage``,
   so the token never travels in a URL (URLs end up in logs and browser history).
2. The page POSTs the token back. We refuse any request that another site could have sent
   (``Sec-Fetch-Site``/``Origin``, in :mod:`app.security`), bind the sign-in to this browser
   with a cookie, and
   send the window to Panopto's sign-in page.
3. Panopto redirects to ``/panopto/callback``. The state must be ours, unused, and belong to
   the browser holding the cookie, or an attacker could make someone else's Panopto account
   land on the attacker's LTI user (OAuth login CSRF, RFC 6749 §10.12). Then we keep the
   tokens and tell the chooser, which carries on.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request
from werkzeug.wrappers import Response

from .. import security, services
from ..chooser_session import load_context, open_launch
from ..errors import DeploymentNotActive, ToolError
from ..panopto.oauth import UserKey
from ..store import KeyValueStore

logger = logging.getLogger(__name__)

bp = Blueprint("panopto_auth", __name__, url_prefix="/panopto")

#: A person gets this long to finish signing in to Panopto.
SIGN_IN_TTL_SECONDS = 15 * 60
STATE_PREFIX = "panopto-oauth-state-"
#: Binds a pending sign-in to the browser window that started it. The pop-up is a top-level
#: window on our own origin, so this first-party cookie works where iframe cookies do not.
BROWSER_COOKIE = "panopto_sign_in"
#: Said in the pop-up when the chooser's deployment was held or removed during sign-in.
SIGN_IN_STOPPED = (
    "The tool's administrator has paused or removed this installation of the Panopto "
    "tool in your course system, so you cannot sign in to Panopto from it now. Close "
    "this window, and try again once they have restored it."
)


class SignInFailed(ToolError):
    """The Panopto sign-in did not complete; the pop-up says why and the chooser is told."""

    code = "panopto_sign_in_failed"


@bp.get("/connect")
def connect() -> str:
    """The pop-up's first page: it fetches the chooser token from its opener, then posts it."""
    # The post is answered with a redirect to Panopto's sign-in page, which the page's
    # form-action policy must allow as well.
    security.allow_form_target(current_app.config["PANOPTO_BASE_URL"])
    return render_template("panopto_connect.html")


@bp.post("/connect")
def start_sign_in() -> Response:
    """Send the pop-up to Panopto's sign-in page for the chooser's user.

    Only our own pages may post here: :mod:`app.security` refuses requests the browser
    marks as coming from another site, so a form elsewhere cannot start a sign-in.
    """
    context, _ = load_context(
        current_app.config["SECRET_KEY"],
        request.form.get("token"),
        services.stored_launch,
    )

    state = secrets.token_urlsafe(32)
    # One secret per browser, reused while it lasts, so that sign-ins started at once in
    # two choosers of the same browser do not overwrite each other's cookie.
    browser_secret = request.cookies.get(BROWSER_COOKIE) or secrets.token_urlsafe(32)
    KeyValueStore().set(
        STATE_PREFIX + state,
        {
            "issuer": context.user.issuer,
            "subject": context.user.subject,
            "launch_id": context.launch_id,
            "browser": _digest(browser_secret),
        },
        SIGN_IN_TTL_SECONDS,
    )

    # The target is built from PANOPTO_BASE_URL alone, so this is never an open redirect.
    response = redirect(services.panopto_oauth().authorization_url(state), code=303)
    response.set_cookie(
        BROWSER_COOKIE,
        browser_secret,
        max_age=SIGN_IN_TTL_SECONDS,
        path=bp.url_prefix,
        secure=request.is_secure,
        httponly=True,
        # Lax: the cookie must come back on Panopto's top-level redirect to the callback.
        samesite="Lax",
    )
    return response


@bp.get("/callback")
def callback() -> str:
    """Finish the Panopto sign-in and let the chooser carry on."""
    pending = _take_pending_sign_in()

    if request.args.get("error"):
        logger.info("Panopto sign-in ended with %s", request.args.get("error", "")[:50])
        raise SignInFailed("Panopto sign-in was cancelled or refused.")

    code = request.args.get("code")
    if not code:
        raise SignInFailed("Panopto did not send a sign-in code.")

    # The deployment may have been held or removed while the person was signing in; no
    # token is kept for a chooser that can no longer be used.
    try:
        open_launch(pending["launch_id"], services.stored_launch)
    except DeploymentNotActive as err:
        raise DeploymentNotActive(SIGN_IN_STOPPED) from err

    user = UserKey(issuer=pending["issuer"], subject=pending["subject"])
    services.panopto_oauth().exchange_code(user, code)
    return render_template("panopto_connected.html")


@bp.errorhandler(ToolError)
def sign_in_failed(error: ToolError) -> tuple[str, int]:
    """Every failure in the pop-up: a page that tells the chooser and offers to close."""
    return render_template(
        "panopto_sign_in_failed.html", message=error.message
    ), error.status


def _take_pending_sign_in() -> dict[str, Any]:
    pending = KeyValueStore().take(STATE_PREFIX + request.args.get("state", ""))
    # A sign-in started before this version recorded no launch id: start it again.
    launch_id = pending.get("launch_id") if isinstance(pending, dict) else None
    if not launch_id or not isinstance(launch_id, str):
        raise SignInFailed("This Panopto sign-in has expired or was already used.")

    cookie = request.cookies.get(BROWSER_COOKIE, "")
    if not hmac.compare_digest(_digest(cookie), str(pending.get("browser", ""))):
        logger.info("Refused a Panopto callback from a browser that did not start it")
        raise SignInFailed(
            "This Panopto sign-in was started in another browser window. Start it again "
            "from the chooser's “Sign in to Panopto” button."
        )
    return pending


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
