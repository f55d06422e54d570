"""Error pages and JSON errors.

Browser routes get a page that says in plain words what went wrong; the chooser's JSON API gets
``{"error": {"code", "message", "retryable"}}``. Nothing unexpected ever shows a trace: it is
logged once and the user sees a short apology.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .. import metrics
from ..errors import LaunchError, ToolError

logger = logging.getLogger(__name__)

HTTP_MESSAGES = {
    404: "There is nothing at this address.",
    405: "This address does not accept that kind of request. Launches must come from your "
    "learning platform.",
    413: "That request is too large.",
}


#: Paths whose failures are launch failures (by path, not endpoint: a wrong method on the
#: launch URL fails before any endpoint is chosen).
LAUNCH_STEPS = {"/lti/login": "login", "/lti/launch": "launch"}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ToolError, _tool_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _tool_error(error: ToolError):
    # A refused launch says why; any other error (the store down, say) counts by its code.
    reason = error.reason if isinstance(error, LaunchError) else error.code
    _count_launch_failure(reason)
    return _respond(
        error.status, error.code, error.message, error.retryable, error.relaunch_url
    )


def _http_error(error: HTTPException):
    status = error.code or 500
    message = HTTP_MESSAGES.get(status, "This request could not be handled.")
    _count_launch_failure(f"http_{status}")
    return _respond(status, f"http_{status}", message, retryable=False)


def _unexpected_error(error: Exception):
    logger.exception("Unexpected error on %s %s", request.method, request.path)
    _count_launch_failure("internal_error")
    return _respond(
        500,
        "internal_error",
        "Sorry, something went wrong on our side. Please try again.",
        retryable=True,
    )


def _respond(
    status: int,
    code: str,
    message: str,
    retryable: bool,
    relaunch_url: str | None = None,
):
    if _wants_json():
        body = {"error": {"code": code, "message": message, "retryable": retryable}}
        return jsonify(body), status
    page = render_template(
        "error.html", status=status, message=message, relaunch_url=relaunch_url
    )
    return page, status


def _count_launch_failure(reason: str) -> None:
    """Refused logins and launches are counted by reason (app.errors.LaunchReason)."""
    step = LAUNCH_STEPS.get(request.path)
    if step is not None:
        metrics.LAUNCH_FAILURES.labels(step, reason).inc()


def _wants_json() -> bool:
    return request.path.startswith(("/chooser/api/", "/viewer/")) or request.is_json
