"""Checks on the tool's Deep Linking response JWT (LTI-NOTES 2.6, 2.7 and 8.4.5).

``read_response`` verifies the signature against the tool's JWKS, then every claim the
platform relies on, then the content items against what the request allowed. It returns
checked item drafts for the store; every refusal is a ``DeepLinkResponseError`` whose message
names the failed check in plain words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt

from .config import origin_of
from .errors import DeepLinkResponseError
from .messages import ACCEPT_TYPES, DL, LTI, LTI_VERSION
from .store import MAX_TEXT_LENGTH, DeepLinkRequest, ItemDraft
from .tool_keys import ToolKeySet

logger = logging.getLogger(__name__)

#: Clocks on two machines drift; a minute covers it without keeping stale tokens alive.
CLOCK_LEEWAY_SECONDS = 60

#: A response with a few items is a few kilobytes; anything far larger is not one.
MAX_TOKEN_LENGTH = 64 * 1024

#: The platform lays out no video larger than this, whatever size the tool hints.
MAX_FRAME_SIDE = 1920

DEFAULT_ITEM_TITLE = "Panopto video"

#: The claims without which the response cannot be checked at all.
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "nonce"]


@dataclass(frozen=True)
class Expectation:
    """What a response must say about who sent it and to whom."""

    issuer: str
    client_id: str
    deployment_id: str
    tool_launch_url: str


@dataclass(frozen=True)
class DeepLinkResponse:
    """A verified response: the items to place and the messages for the user."""

    items: list[ItemDraft]
    message: str | None
    error_message: str | None


def read_response(
    token: str,
    expected: Expectation,
    request: DeepLinkRequest,
    tool_keys: ToolKeySet,
    remember_nonce: Callable[[str, float], bool],
) -> DeepLinkResponse:
    """Verify the response ``token`` for the pending ``request``.

    :param remember_nonce: records a nonce until the given time; False if already seen.
    :raises DeepLinkResponseError: naming the first check that failed.
    """
    claims = _verified_claims(token, expected, tool_keys)
    _check_lti_claims(claims, expected)
    _check_nonce(claims, remember_nonce)
    _check_data(claims, request)

    items = _content_items(claims, request)
    return DeepLinkResponse(
        items=[_item_draft(item, expected) for item in items],
        message=_optional_text(claims, DL + "msg"),
        error_message=_optional_text(claims, DL + "errormsg"),
    )


def _verified_claims(token: str, expected: Expectation, tool_keys: ToolKeySet) -> dict:
    if not token:
        raise DeepLinkResponseError("The response has no JWT field.")
    if len(token) > MAX_TOKEN_LENGTH:
        raise DeepLinkResponseError("The response JWT is too large.")

    header = _header(token)
    key = tool_keys.key_for(header["kid"])
    try:
        return jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=expected.issuer,
            issuer=expected.client_id,
            leeway=CLOCK_LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as err:
        logger.info("Refused a Deep Linking response: %s", type(err).__name__)
        raise DeepLinkResponseError(_explain(err)) from err


def _header(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as err:
        raise DeepLinkResponseError("The response is not a signed JWT.") from err

    # Only RS256: a token naming "none" or HS256 must not even reach the key lookup.
    if header.get("alg") != "RS256":
        raise DeepLinkResponseError("The response must be signed with RS256.")
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise DeepLinkResponseError("The response header names no key (kid).")
    return header


def _explain(err: jwt.PyJWTError) -> str:
    """Plain words for PyJWT's errors; the subclasses are checked before their parents."""
    if isinstance(err, jwt.InvalidSignatureError):
        return "The response signature does not match the tool's key."
    if isinstance(err, jwt.ExpiredSignatureError):
        return "The response has expired (exp is in the past)."
    if isinstance(err, jwt.ImmatureSignatureError):
        return "The response is dated in the future (iat or nbf)."
    if isinstance(err, jwt.InvalidIssuerError):
        return "The response iss is not the tool's client_id."
    if isinstance(err, jwt.InvalidAudienceError):
        return "The response aud is not this platform's issuer."
    if isinstance(err, jwt.MissingRequiredClaimError):
        return f"The response has no {err.claim} claim."
    return "The response is not a valid JWT."


def _check_lti_claims(claims: dict[str, Any], expected: Expectation) -> None:
    required = {
        LTI + "deployment_id": expected.deployment_id,
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": LTI_VERSION,
    }
    for claim, value in required.items():
        if claims.get(claim) != value:
            name = claim.rsplit("/", 1)[-1]
            raise DeepLinkResponseError(f"The response {name} must be {value}.")


def _check_nonce(
    claims: dict[str, Any], remember_nonce: Callable[[str, float], bool]
) -> None:
    nonce = claims["nonce"]
    if not isinstance(nonce, str) or not nonce:
        raise DeepLinkResponseError("The response nonce must be a non-empty string.")

    # Kept until the token could no longer pass the exp check anyway.
    if not remember_nonce(nonce, float(claims["exp"]) + CLOCK_LEEWAY_SECONDS):
        raise DeepLinkResponseError("The response nonce was already used (a replay).")


def _check_data(claims: dict[str, Any], request: DeepLinkRequest) -> None:
    claim = DL + "data"
    if request.data is None:
        # Deep Linking 2.0 section 4.5.1: no data in the request, none in the response,
        # not even null.
        if claim in claims:
            raise DeepLinkResponseError(
                "The response carries data, but the request sent none."
            )
        return

    if claims.get(claim) != request.data:
        raise DeepLinkResponseError("The response data does not match the request.")


def _content_items(claims: dict[str, Any], request: DeepLinkRequest) -> list[dict]:
    items = claims.get(DL + "content_items", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise DeepLinkResponseError(
            "The response content_items must be a list of objects."
        )

    for item in items:
        if item.get("type") not in ACCEPT_TYPES:
            raise DeepLinkResponseError(
                f"The content item type {str(item.get('type'))[:40]!r} was not accepted."
            )
    if len(items) > 1 and not request.accept_multiple:
        raise DeepLinkResponseError(
            "Only one item may be chosen here, the response has more."
        )
    return items


def _item_draft(item: dict[str, Any], expected: Expectation) -> ItemDraft:
    width, height = _frame_size(item.get("iframe"))
    return ItemDraft(
        title=_text(item.get("title"), "title") or DEFAULT_ITEM_TITLE,
        text=_text(item.get("text"), "text"),
        url=_item_url(item.get("url"), expected),
        custom=_custom(item.get("custom")),
        width=width,
        height=height,
    )


def _item_url(url: Any, expected: Expectation) -> str | None:
    if url is None:
        return None

    # Like hosted platforms, launch only URLs on the tool's own origin: a placed item must
    # not turn the platform into a launcher of arbitrary sites.
    is_http = isinstance(url, str) and urlsplit(url).scheme in ("http", "https")
    if not is_http or origin_of(url) != origin_of(expected.tool_launch_url):
        raise DeepLinkResponseError("A content item url is not on the tool's origin.")
    return url


def _custom(custom: Any) -> dict[str, str]:
    if custom is None:
        return {}

    # LTI Core 1.3 section 5.4.3: custom values are strings.
    is_map = isinstance(custom, dict)
    if not is_map or not all(isinstance(v, str) for v in custom.values()):
        raise DeepLinkResponseError("A content item custom must map names to strings.")
    return dict(custom)


def _frame_size(frame: Any) -> tuple[int | None, int | None]:
    if not isinstance(frame, dict):
        return None, None
    return _side(frame.get("width")), _side(frame.get("height"))


def _side(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return min(value, MAX_FRAME_SIDE)


def _text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DeepLinkResponseError(f"A content item {name} must be text.")
    return value[:MAX_TEXT_LENGTH]


def _optional_text(claims: dict[str, Any], claim: str) -> str | None:
    value = claims.get(claim)
    return value[:MAX_TEXT_LENGTH] if isinstance(value, str) and value else None
