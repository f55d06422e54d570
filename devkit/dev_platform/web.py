"""Glue shared by the views: the signed-in user, the service, CSRF tokens, form posts."""

from __future__ import annotations

import secrets

from flask import (
    Response,
    current_app,
    make_response,
    render_template,
    request,
    session,
)

from .errors import PlatformError
from .roster import DEFAULT_USER_ID, User, find_user
from .services import FormPost, LtiPlatform

EXTENSION_KEY = "dev_platform"
USER_KEY = "user_id"
CSRF_KEY = "csrf_token"
CHOOSER_KEY = "deep_link_request"


def platform() -> LtiPlatform:
    """The app's LTI platform service."""
    return current_app.extensions[EXTENSION_KEY]


def current_user() -> User:
    """The person signed in, signing in the default person on a first visit."""
    user = signed_in_user()
    if user is None:
        session[USER_KEY] = DEFAULT_USER_ID
        user = find_user(DEFAULT_USER_ID)
    assert user is not None, "DEFAULT_USER_ID must name a roster user"
    return user


def signed_in_user() -> User | None:
    """The person signed in, or None: no defaults where identity matters."""
    return find_user(session.get(USER_KEY))


def sign_in(user: User) -> None:
    session[USER_KEY] = user.id
    session.pop(CHOOSER_KEY, None)


def csrf_token() -> str:
    """The session's token for the platform's own forms; made on first use."""
    if CSRF_KEY not in session:
        session[CSRF_KEY] = secrets.token_urlsafe(32)
    return session[CSRF_KEY]


def check_csrf() -> None:
    """Refuse a form post that lacks the session's token.

    :raises PlatformError: when the token is missing or wrong.
    """
    sent = request.form.get(CSRF_KEY, "")
    expected = session.get(CSRF_KEY, "")
    if not expected or not secrets.compare_digest(sent, expected):
        raise PlatformError("This form has expired. Reload the page and try again.")


def auto_submit(form: FormPost, heading: str) -> Response:
    """A page whose form submits itself, with a Continue button when scripts are off."""
    response = make_response(
        render_template("autopost.html", form=form, heading=heading)
    )
    # The form may hold an id_token or a signed hint: keep it out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response
