"""Errors the dev platform shows to the browser, each with a status and plain words.

The message of every error is safe to show: it names what was wrong, never a token.
"""

from __future__ import annotations


class PlatformError(Exception):
    """Base class: a request the platform refuses."""

    status = 400
    title = "Request refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthorizationRequestError(PlatformError):
    """The tool's OIDC authentication request (LTI-NOTES 2.2) breaks a rule."""

    title = "LTI sign-in refused"


class DeepLinkResponseError(PlatformError):
    """The tool's Deep Linking response (LTI-NOTES 2.6) cannot be accepted."""

    title = "Video choice refused"


class ToolKeysUnavailable(DeepLinkResponseError):
    """The tool's JWKS could not be fetched or read."""

    status = 502
    title = "Tool keys unavailable"


class NotAllowedError(PlatformError):
    """The signed-in user may not do this."""

    status = 403
    title = "Not allowed"


class NotFoundError(PlatformError):
    """The task, comment or item does not exist."""

    status = 404
    title = "Not found"
