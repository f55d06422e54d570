"""The tool's error hierarchy.

Each error has a stable ``code``, an HTTP ``status`` and a ``message`` that is safe to show to
the person in front of the browser. Handlers in :mod:`app.views.errors` turn them into a page or
JSON. Messages never carry tokens or secrets.
"""

from __future__ import annotations

from enum import StrEnum


class ToolError(Exception):
    """Base class: something went wrong that we can explain to the user."""

    code = "tool_error"
    status = 400
    message = "Something went wrong."
    #: Whether the person can usefully try the same action again.
    retryable = False
    #: Where the person may start again in a new window (our own login URL), if anywhere.
    relaunch_url: str | None = None

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message


class LaunchReason(StrEnum):
    """Why a login or launch was refused, in a few stable words: the failure metric's
    ``reason`` label. Each refusal names its own, so rewording a message never moves a
    count from one reason to another. (Bandit reads the names with "token" in them as
    passwords; they are labels.)"""

    INVALID = "invalid"
    BAD_LOGIN = "bad_login"
    WRONG_TARGET = "wrong_target"
    STATE_MISMATCH = "state_mismatch"
    MALFORMED_TOKEN = "malformed_token"  # nosec B105
    MISSING_CLAIM = "missing_claim"
    UNKNOWN_PLATFORM = "unknown_platform"
    UNKNOWN_DEPLOYMENT = "unknown_deployment"
    DEPLOYMENT_MISMATCH = "deployment_mismatch"
    DEPLOYMENT_HELD = "deployment_held"
    BAD_AUDIENCE = "bad_audience"
    BAD_ALGORITHM = "bad_algorithm"
    PLATFORM_KEYS = "platform_keys"
    BAD_SIGNATURE = "bad_signature"
    TOKEN_EXPIRED = "token_expired"  # nosec B105
    TOKEN_NOT_YET_VALID = "token_not_yet_valid"  # nosec B105
    NONCE_MISSING = "nonce_missing"
    NONCE_REPLAYED = "nonce_replayed"
    UNSUPPORTED_MESSAGE = "unsupported_message"
    BAD_LINK = "bad_link"


class LaunchError(ToolError):
    """An LTI login or launch that we refuse, and why (:class:`LaunchReason`)."""

    code = "launch_invalid"
    message = "This launch could not be accepted."
    reason = LaunchReason.INVALID

    def __init__(
        self, message: str | None = None, reason: LaunchReason | None = None
    ) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class StateNotFound(LaunchError):
    """The launch's state matches neither this browser's cookie nor a platform-storage login.

    Usually the browser refused the tool's cookies inside the platform's frame.
    """

    code = "launch_state_unknown"
    reason = LaunchReason.STATE_MISMATCH
    message = (
        "This launch does not match a login started in this browser. Your browser may "
        "block the tool's cookies inside your course page. Please open the tool again "
        "from your course, or open it in a new window."
    )

    def __init__(self, state: str) -> None:
        super().__init__()
        self.state = state


class DeploymentHeld(LaunchError):
    """A held deployment: new and not yet approved, or paused by an administrator."""

    code = "deployment_held"
    reason = LaunchReason.DEPLOYMENT_HELD
    status = 403
    message = (
        "This installation of the Panopto tool in your course system is waiting for "
        "approval by the tool's administrator: it is new, or they have paused it. "
        "Please try again once they have approved it."
    )


class DeploymentNotActive(LaunchError):
    """An open chooser whose deployment an administrator has since held or removed."""

    code = "deployment_not_active"
    reason = LaunchReason.DEPLOYMENT_HELD
    status = 403
    message = (
        "The tool's administrator has paused or removed this installation of the Panopto "
        "tool in your course system, so the chooser cannot be used now. Nothing was "
        "changed and your choice is kept: try again once they have restored it."
    )
    retryable = True


class LaunchExpired(LaunchError):
    """The chooser's launch is unknown or too old to use."""

    code = "launch_expired"
    status = 401
    message = (
        "This chooser session has expired. Close it and open it again from OnTrack."
    )


class BadRequest(ToolError):
    code = "bad_request"
    message = "The request was not understood."


class NotFoundError(ToolError):
    code = "not_found"
    status = 404
    message = "There is nothing here."


class Forbidden(ToolError):
    code = "forbidden"
    status = 403
    message = "You are not allowed to do this."


class PanoptoError(ToolError):
    """Panopto could not be reached or refused a call."""

    code = "panopto_unavailable"
    status = 502
    message = "Panopto did not answer. Please try again in a moment."
    retryable = True


class StoreUnavailable(ToolError):
    """The shared store (Redis) did not answer.

    Writes sent before the failure may have landed (a launch's nonce may be used up), so a
    launch is started again from the course rather than re-sent.
    """

    code = "store_unavailable"
    status = 503
    message = (
        "The tool is having trouble on its side. Please try again in a moment; for a "
        "launch, open the tool again from your course."
    )
    retryable = True


class PanoptoUnavailable(PanoptoError):
    """Panopto failed several calls in a row, so we stopped calling it for a while (the
    circuit breaker is open)."""

    code = "panopto_down"
    status = 503
    message = (
        "Panopto is not answering at the moment. Nothing you chose is lost: "
        "please choose Try again in a minute."
    )


class PanoptoRateLimited(PanoptoError):
    code = "panopto_rate_limited"
    status = 503
    message = "Panopto is busy right now. Please try again in a few seconds."


class PanoptoNotConnected(PanoptoError):
    """We hold no usable Panopto token for this user: they must sign in again."""

    code = "panopto_sign_in_required"
    status = 401
    message = "Please sign in to Panopto to continue."
    retryable = False


class PanoptoRejected(PanoptoError):
    """Panopto answered 400: it understood the call and refused what was sent."""

    code = "panopto_rejected"
    status = 400
    message = "Panopto refused this change."
    retryable = False


class PanoptoNotFound(PanoptoError):
    code = "panopto_not_found"
    status = 404
    message = "That video or folder was not found in Panopto."
    retryable = False


class PanoptoForbidden(PanoptoError):
    code = "panopto_forbidden"
    status = 403
    message = "Panopto says you do not have access to this."
    retryable = False
