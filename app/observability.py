"""Per-request bookkeeping: a request id, one log line and one metric per request.

Views add what their line should say with :func:`note` (a launch's kind and platform, say)
instead of logging a line of their own: one line per request is cheaper to write and to read.

The request id comes from the proxy's ``X-Request-ID`` header when it looks like one (nginx:
``proxy_set_header X-Request-ID $request_id``), otherwise we make one. It is sent back in the
response's ``X-Request-ID`` and attached to every log record (:mod:`app.logs`).
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from flask import Flask, Response, g, request

from . import metrics

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
#: What we accept from the proxy: short and plain, so a header cannot forge log lines.
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def init_app(app: Flask) -> None:
    app.before_request(_start_request)
    app.after_request(_finish_request)


def _start_request() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = (
        incoming if REQUEST_ID_PATTERN.match(incoming) else secrets.token_hex(8)
    )


def note(**fields: str | bool) -> None:
    """Add fields to this request's log line. Never pass tokens or other secrets."""
    g.setdefault("log_fields", {}).update(fields)


def _finish_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule else "unmatched"

    metrics.HTTP_REQUESTS.labels(
        route, request.method, str(response.status_code)
    ).observe(seconds)
    # The path only: query strings carry one-time codes and the chooser's token.
    notes = g.get("log_fields", {})
    logger.info(
        "%s %s %s%s",
        request.method,
        request.path,
        response.status_code,
        "".join(f" {name}={value}" for name, value in notes.items()),
        extra={
            **notes,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
        },
    )
    return response
