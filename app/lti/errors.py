"""Plain-words explanations for pylti1p3's launch errors.

pylti1p3 raises ``LtiException``/``OIDCException`` with terse, technical messages
("State not found"). The user sees one of the sentences below instead; the library's own text
goes to the log at info level.
"""

from __future__ import annotations

import logging

from ..errors import LaunchError

logger = logging.getLogger(__name__)

AGAIN = " Please open the tool again from your course."

#: (fragment of the library's message, what we tell the user). First match wins.
EXPLANATIONS: tuple[tuple[str, str], ...] = (
    ("state", "This launch does not match a login started in this browser." + AGAIN),
    ("Could not find issuer", "The login request does not name its platform (iss)."),
    ("Could not find login hint", "The login request has no login_hint."),
    (
        "registration",
        "This platform is not registered with the tool (unknown issuer or "
        "client id). Ask your administrator to register it.",
    ),
    (
        "Client id not registered",
        "This platform is not registered with the tool (unknown "
        "client id). Ask your administrator to register it.",
    ),
    (
        "deployment ID",
        "This deployment of the tool is not registered for the platform. Ask "
        "your administrator to add it.",
    ),
    ("deployment_id", "The launch does not name a deployment (deployment_id)."),
    ("KID not found", "The launch token does not say which key signed it (kid)."),
    ("ALG not found", "The launch token does not say how it was signed (alg)."),
    (
        "Unable to find public key",
        "The launch token was signed with a key the platform does not publish.",
    ),
    (
        "public key",
        "The platform's public keys could not be used to verify the launch.",
    ),
    ("3 parts", "The launch token is not a well-formed JWT."),
    ("can't be decoded", "The launch token is not a well-formed JWT."),
    ("id_token", "The launch did not include an id_token."),
    ('"iss"', "The launch token names no issuer (iss)."),
    ("(sub)", "The launch does not identify the user (sub)."),
    ("version", "The launch is not an LTI 1.3.0 message."),
    ("Roles", "The launch has no roles claim."),
    ("Resource Link Id", "The launch has no resource link id."),
    ("message type", "The launch's message type is not one this tool handles."),
    ("Deep Linking", "The Deep Linking request is incomplete (deep_linking_settings)."),
    (
        "resource link placement",
        "The Deep Linking request does not accept LTI resource "
        "links, which is the only kind of item this tool returns.",
    ),
    ("presentation type", "The Deep Linking request accepts no presentation target."),
)


def explain(error: Exception) -> LaunchError:
    """Turn a pylti1p3 exception into a :class:`LaunchError` with a plain message."""
    text = str(error)
    logger.info("Launch refused by pylti1p3: %s: %s", type(error).__name__, text[:200])

    for fragment, message in EXPLANATIONS:
        if fragment.lower() in text.lower():
            return LaunchError(message)
    return LaunchError("This launch could not be accepted." + AGAIN)
