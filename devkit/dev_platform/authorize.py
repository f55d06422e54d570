"""Checks on the tool's OIDC authentication request (LTI-NOTES 2.2; Security Framework 5.1.1).

Pure functions over the request parameters, so they run without Flask. Any failure raises
``AuthorizationRequestError``; the caller shows it as a page and never redirects, not even to
a registered URI, which keeps this stand-in simple and safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import AuthorizationRequestError
from .hints import HintSigner, MessageHint
from .roster import User

#: Generous for a state or nonce (pylti1p3 sends about 40 characters) yet bounded.
MAX_PARAMETER_LENGTH = 1024


@dataclass(frozen=True)
class Registration:
    """What the platform knows about the tool (LTI-NOTES section 1)."""

    client_id: str
    redirect_uris: tuple[str, ...]


@dataclass(frozen=True)
class AuthenticationRequest:
    """A checked request: where to post the id_token and what it is for."""

    redirect_uri: str
    state: str
    nonce: str
    hint: MessageHint
    #: The signed-in person, proven to be the one named by login_hint and the hint.
    user: User


def check_authentication_request(
    params: Mapping[str, str],
    registration: Registration,
    signed_in: User | None,
    hints: HintSigner,
) -> AuthenticationRequest:
    """Check every parameter of the request against the registration and the session.

    :raises AuthorizationRequestError: naming the first rule broken.
    """
    _check_client(params, registration)
    _check_fixed_values(params)
    nonce = _bounded(params, "nonce")
    state = _bounded(params, "state")
    user = _check_login_hint(params, signed_in)

    hint = hints.read(params.get("lti_message_hint", ""))
    if hint.user_id != user.id:
        raise AuthorizationRequestError(
            "The lti_message_hint was issued to someone else."
        )

    return AuthenticationRequest(
        redirect_uri=params["redirect_uri"],
        state=state,
        nonce=nonce,
        hint=hint,
        user=user,
    )


def _check_client(params: Mapping[str, str], registration: Registration) -> None:
    if params.get("client_id") != registration.client_id:
        raise AuthorizationRequestError("The client_id is not a tool registered here.")

    # Exact string match: no prefix, case or trailing-slash leniency (OIDC Core 3.1.2.1).
    if params.get("redirect_uri") not in registration.redirect_uris:
        raise AuthorizationRequestError(
            "The redirect_uri is not one registered for this tool."
        )


def _check_fixed_values(params: Mapping[str, str]) -> None:
    if "openid" not in params.get("scope", "").split():
        raise AuthorizationRequestError("The scope must be openid.")

    expected = {
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
    }
    for name, value in expected.items():
        if params.get(name) != value:
            raise AuthorizationRequestError(f"The {name} parameter must be {value}.")


def _bounded(params: Mapping[str, str], name: str) -> str:
    value = params.get(name, "")
    if not value:
        raise AuthorizationRequestError(f"The {name} parameter is missing.")
    if len(value) > MAX_PARAMETER_LENGTH:
        raise AuthorizationRequestError(f"The {name} parameter is too long.")
    return value


def _check_login_hint(params: Mapping[str, str], signed_in: User | None) -> User:
    if signed_in is None:
        raise AuthorizationRequestError(
            "Nobody is signed in to OnTrack in this browser."
        )
    if params.get("login_hint") != signed_in.id:
        raise AuthorizationRequestError(
            "The login_hint does not match the person signed in to OnTrack."
        )
    return signed_in
