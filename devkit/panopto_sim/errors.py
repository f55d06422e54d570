"""Errors of the simulated REST API, each with the status Panopto's swagger declares.

400 and 404 carry the swagger's ``APIError`` body; 401 and 403 are declared
without a body, so ``has_body`` is False for them.
"""

from __future__ import annotations


class ApiError(Exception):
    """Base class: a status, a stable code and a message safe to show."""

    status = 400
    code = "BadRequest"
    has_body = True

    def __init__(
        self, message: str, source: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        if code is not None:
            self.code = code


class BadRequest(ApiError):
    """A parameter or body is missing or malformed."""

    status = 400
    code = "InvalidArgument"


class NotFound(ApiError):
    """The id names nothing."""

    status = 404
    code = "NotFound"


class Forbidden(ApiError):
    """The caller may not see or change this item (swagger: 403 without a body)."""

    status = 403
    code = "Forbidden"
    has_body = False


class Unauthorized(ApiError):
    """No valid token (swagger: 401 without a body)."""

    status = 401
    code = "Unauthorized"
    has_body = False
