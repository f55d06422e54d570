"""Logging set-up, done once per process before the app exists (``wsgi.py``, gunicorn).

``LOG_FORMAT=json`` (the default) writes one JSON object per line for log shippers, through
python-json-logger; ``text`` writes plain lines for people. Every record carries the
``request_id`` of the request it belongs to (``-`` outside requests), so one person's trouble
can be followed across the tool's lines and, through the ``X-Request-ID`` header, the proxy's.

No secrets are logged anywhere: modules log ids and outcomes, never tokens (see the tests).
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

from flask import g, has_request_context

from .config import load_log_settings

JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id``: the current request's id, or ``-``."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = "-"
        if has_request_context():
            request_id = g.get("request_id", "-")
        record.request_id = request_id
        return True


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """A ``dictConfig`` for the tool, and for gunicorn's own error log."""
    if log_format == "json":
        formatter: dict[str, Any] = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
            },
        }
    else:
        formatter = {"format": TEXT_FORMAT}

    handler = {
        "class": "logging.StreamHandler",
        "formatter": "tool",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"tool": formatter},
        "handlers": {"console": handler},
        "root": {"level": level, "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {
                "level": level,
                "handlers": ["console"],
                "propagate": False,
            },
            # Each request is logged once by the tool itself (app.observability), with
            # its id and duration; gunicorn's access log would only repeat it.
            "gunicorn.access": {"level": "WARNING", "propagate": False},
        },
    }


def configure_logging() -> None:
    """Apply ``LOG_FORMAT`` and ``LOG_LEVEL`` from the environment."""
    log_format, level = load_log_settings()
    logging.config.dictConfig(logging_config(log_format, level))
