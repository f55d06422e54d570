"""The ``lti_message_hint``: what a login initiation is for, signed by the platform.

The tool hands the hint back unchanged in its authentication request (LTI-NOTES 2.2). A
signature, rather than a server-side table, proves the platform issued it and keeps it from
being edited; the age limit stops an old hint from being reused for long.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from .errors import AuthorizationRequestError

#: Minutes are enough between the platform page and the tool's redirect back; ten allows a
#: slow network or a paused debugger.
HINT_MAX_AGE_SECONDS = 600

KIND_DEEP_LINK = "deep_link"
KIND_RESOURCE_LINK = "resource_link"
KINDS = (KIND_DEEP_LINK, KIND_RESOURCE_LINK)


@dataclass(frozen=True)
class MessageHint:
    """Which launch a login is for: a Deep Linking request or a placed item."""

    kind: str
    user_id: str
    #: The DeepLinkRequest id for Deep Linking; the EmbeddedItem id for a resource link.
    target_id: str


class HintSigner:
    """Signs and reads message hints with the platform's secret key."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(
            secret_key, salt="dev-platform-lti-hint"
        )

    def sign(self, hint: MessageHint) -> str:
        return self._serializer.dumps([hint.kind, hint.user_id, hint.target_id])

    def read(self, token: str) -> MessageHint:
        """The hint inside ``token``.

        :raises AuthorizationRequestError: when it is missing, forged, expired or malformed.
        """
        if not token:
            raise AuthorizationRequestError(
                "The lti_message_hint parameter is missing."
            )

        try:
            value = self._serializer.loads(token, max_age=HINT_MAX_AGE_SECONDS)
        except BadSignature as err:
            raise AuthorizationRequestError(
                "The lti_message_hint was not issued by this platform or has expired."
            ) from err

        return _hint_from(value)


def _hint_from(value: object) -> MessageHint:
    is_triple = isinstance(value, list) and len(value) == 3
    if not is_triple or not all(isinstance(part, str) for part in value):
        raise AuthorizationRequestError("The lti_message_hint is malformed.")

    kind, user_id, target_id = value
    if kind not in KINDS:
        raise AuthorizationRequestError("The lti_message_hint names an unknown launch.")
    return MessageHint(kind=kind, user_id=user_id, target_id=target_id)
