"""Plain-words explanations for pylti1p3's launch errors.

pylti1p3 raises ``LtiException``/``OIDCException`` with terse, technical messages
("State not found"). The user sees one of the sentences below instead; the library's own text
goes to the log at info level.
"""

from __future__ import annotations

import logging

from ..errors import LaunchError, LaunchReason

logger = logging.getLogger(__name__)

AGAIN = " Please open the tool again from your course."

#: (fragment of the library's message, what we tell the user, the metric's reason).
#: First match wins.
EXPLANATIONS: tuple[tuple[str, str, LaunchReason], ...] = (
    (
        "state",
        "This launch does not match a login started in this browser." + AGAIN,
        LaunchReason.STATE_MISMATCH,
    ),
    (
        "Could not find issuer",
        "The login request does not name its platform (iss).",
        LaunchReason.BAD_LOGIN,
    ),
    (
        "Could not find login hint",
        "The login request has no login_hint.",
        LaunchReason.BAD_LOGIN,
    ),
    (
        "registration",
        "This platform is not registered with the tool (unknown issuer or "
        "client id). Ask your administrator to register it.",
        LaunchReason.UNKNOWN_PLATFORM,
    ),
    (
        "Client id not registered",
        "This platform is not registered with the tool (unknown "
        "client id). Ask your administrator to register it.",
        LaunchReason.UNKNOWN_PLATFORM,
    ),
    (
        "deployment ID",
        "This deployment of the tool is not registered for the platform. Ask "
        "your administrator to add it.",
        LaunchReason.UNKNOWN_DEPLOYMENT,
    ),
    (
        "deployment_id",
        "The launch does not name a deployment (deployment_id).",
        LaunchReason.MISSING_CLAIM,
    ),
    (
        "KID not found",
        "The launch token does not say which key signed it (kid).",
        LaunchReason.MALFORMED_TOKEN,
    ),
    (
        "ALG not found",
        "The launch token does not say how it was signed (alg).",
        LaunchReason.MALFORMED_TOKEN,
    ),
    (
        "Unable to find public key",
        "The launch token was signed with a key the platform does not publish.",
        LaunchReason.PLATFORM_KEYS,
    ),
    (
        "public key",
        "The platform's public keys could not be used to verify the launch.",
        LaunchReason.PLATFORM_KEYS,
    ),
    (
        "3 parts",
        "The launch token is not a well-formed JWT.",
        LaunchReason.MALFORMED_TOKEN,
    ),
    (
        "can't be decoded",
        "The launch token is not a well-formed JWT.",
        LaunchReason.MALFORMED_TOKEN,
    ),
    (
        "id_token",
        "The launch did not include an id_token.",
        LaunchReason.MISSING_CLAIM,
    ),
    (
        '"iss"',
        "The launch token names no issuer (iss).",
        LaunchReason.MISSING_CLAIM,
    ),
    (
        "(sub)",
        "The launch does not identify the user (sub).",
        LaunchReason.MISSING_CLAIM,
    ),
    (
        "version",
        "The launch is not an LTI 1.3.0 message.",
        LaunchReason.UNSUPPORTED_MESSAGE,
    ),
    (
        "Roles",
        "The launch has no roles claim.",
        LaunchReason.MISSING_CLAIM,
    ),
    (
        "Resource Link Id",
        "The launch has no resource link id.",
        LaunchReason.MISSING_CLAIM,
    ),
    (
        "message type",
        "The launch's message type is not one this tool handles.",
        LaunchReason.UNSUPPORTED_MESSAGE,
    ),
    (
        "Deep Linking",
        "The Deep Linking request is incomplete (deep_linking_settings).",
        LaunchReason.MISSING_CLAIM,
    ),
    (
        "resource link placement",
        "The Deep Linking request does not accept LTI resource "
        "links, which is the only kind of item this tool returns.",
        LaunchReason.UNSUPPORTED_MESSAGE,
    ),
    (
        "presentation type",
        "The Deep Linking request accepts no presentation target.",
        LaunchReason.UNSUPPORTED_MESSAGE,
    ),
)


def explain(error: Exception) -> LaunchError:
    """Turn a pylti1p3 exception into a :class:`LaunchError` with a plain message."""
    text = str(error)
    logger.info("Launch refused by pylti1p3: %s: %s", type(error).__name__, text[:200])

    for fragment, message, reason in EXPLANATIONS:
        if fragment.lower() in text.lower():
            return LaunchError(message, reason)
    return LaunchError(
        "This launch could not be accepted." + AGAIN, LaunchReason.INVALID
    )
