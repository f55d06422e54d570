"""Panopto sign-in, in a pop-up window opened by the chooser.

Panopto's sign-in page refuses to be framed, and the chooser lives in the platform's iframe,
so the chooser opens ``/panopto/connect`` in a new window. After Panopto redirects back to
``/panopto/callback`` we keep the tokens, tell the chooser (``postMessage`` to the opener,
same origin only) and close the window.
"""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, current_app, redirect, render_template, request

from .. import services
from ..chooser_session import load_context
from ..errors import BadRequest
from ..panopto.oauth import UserKey
from ..store import KeyValueStore

logger = logging.getLogger(__name__)

bp = Blueprint("panopto_auth", __name__, url_prefix="/panopto")

#: A person gets this long to finish signing in to Panopto.
SIGN_IN_TTL_SECONDS = 15 * 60
STATE_PREFIX = "panopto-oauth-state-"


@bp.get("/connect")
def connect():
    """Send the pop-up to Panopto's sign-in page for the chooser's user."""
    context, _ = load_context(
        current_app.config["SECRET_KEY"], request.args.get("t"), services.stored_launch
    )
    state = secrets.token_urlsafe(32)
    user = context.user
    KeyValueStore().set(
        STATE_PREFIX + state,
        {"issuer": user.issuer, "subject": user.subject},
        SIGN_IN_TTL_SECONDS,
    )
    # The target is built from PANOPTO_BASE_URL alone, so this is never an open redirect.
    return redirect(services.panopto_oauth().authorization_url(state))


@bp.get("/callback")
def callback():
    """Finish the Panopto sign-in and let the chooser carry on."""
    pending = KeyValueStore().take(STATE_PREFIX + request.args.get("state", ""))
    if pending is None:
        raise BadRequest(
            "This Panopto sign-in has expired or was already used. Close this window and "
            "choose “Sign in to Panopto” in the chooser again."
        )

    if request.args.get("error"):
        logger.info("Panopto sign-in ended with %s", request.args.get("error", "")[:50])
        raise BadRequest(
            "Panopto sign-in was cancelled or refused. Close this window and try again."
        )

    code = request.args.get("code")
    if not code:
        raise BadRequest(
            "Panopto did not send a sign-in code. Close this window and try again."
        )

    services.panopto_oauth().exchange_code(UserKey(**pending), code)
    return render_template("panopto_connected.html")
