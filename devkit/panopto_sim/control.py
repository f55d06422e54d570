"""``/_sim`` control routes for tests and demos (only with ``SIM_CONTROL``).

They take and return JSON. Requiring a JSON body keeps a plain cross-site form
from triggering them; they have no other protection, which is fine for a
loopback-only development stand-in and is why they can be switched off.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .faults import FaultError
from .simulator import current_simulator

logger = logging.getLogger(__name__)

bp = Blueprint("control", __name__, url_prefix="/_sim")


def _bad_request(message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), 400


def _json_object() -> dict[str, Any] | None:
    """The JSON object body, or None when there is none (``{}`` is fine)."""
    if not request.is_json:
        return None
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


@bp.get("/faults")
def show_faults() -> Response:
    """The pending fault, if any."""
    return jsonify(current_simulator().faults.pending.as_dict())


@bp.post("/faults")
def set_faults() -> Response | tuple[Response, int]:
    """Make the next ``count`` REST calls fail with ``mode``."""
    body = _json_object()
    if body is None or "mode" not in body:
        return _bad_request('Send JSON like {"mode": "down", "count": 2}.')

    try:
        fault = current_simulator().faults.set(
            body["mode"],
            body.get("count", 1),
            body.get("retry_after"),
            body.get("delay_ms"),
        )
    except FaultError as err:
        return _bad_request(str(err))

    logger.info("fault planned: %s x%s", fault.mode, fault.count)
    return jsonify(fault.as_dict())


@bp.get("/stats")
def stats() -> Response:
    """How many REST calls the simulator has received since start or reset."""
    return jsonify({"rest_calls": current_simulator().rest_calls})


@bp.post("/expire-tokens")
def expire_tokens() -> Response | tuple[Response, int]:
    """Make live access tokens stale now (optionally one user's only)."""
    body = _json_object()
    if body is None:
        return _bad_request('Send JSON: {} or {"username": "stu.student"}.')
    username = body.get("username")
    if username is not None and not isinstance(username, str):
        return _bad_request("username must be a string.")

    expired = current_simulator().expire_tokens(username)
    logger.info("expired %s access tokens", expired)
    return jsonify({"expired": expired})


@bp.post("/reset")
def reset() -> Response | tuple[Response, int]:
    """Back to the seed data, with no tokens and no faults."""
    if _json_object() is None:
        return _bad_request("Send JSON: {}.")
    current_simulator().reset()
    logger.info("simulator reset")
    return jsonify({"reset": True})


@bp.post("/uploads")
def upload_faults() -> Response | tuple[Response, int]:
    """Make the next part uploads fail (``fail_parts``), the next finished uploads end
    in ProcessingError (``processing_errors``), or keep processing from finishing until
    released (``hold_processing``). Only the switches sent change; the answer shows all."""
    body = _json_object()
    if body is None:
        return _bad_request(
            'Send JSON like {"fail_parts": 1, "processing_errors": 1, '
            '"hold_processing": true}.'
        )
    unknown = sorted(set(body) - {"fail_parts", "processing_errors", "hold_processing"})
    if unknown:
        return _bad_request(f"Unknown switch: {unknown[0][:40]}.")
    if not isinstance(body.get("hold_processing", False), bool):
        return _bad_request("hold_processing must be true or false.")
    for name in ("fail_parts", "processing_errors"):
        value = body.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            return _bad_request(f"{name} must be a whole number from 0 to 100.")

    uploads = current_simulator().uploads
    if "fail_parts" in body:
        uploads.fail_next_parts(body["fail_parts"])
    if "processing_errors" in body:
        uploads.fail_next_processing(body["processing_errors"])
    if "hold_processing" in body:
        uploads.hold_processing(body["hold_processing"])
    planned = {
        "fail_parts": uploads.failing_parts,
        "processing_errors": uploads.failing_processing,
        "hold_processing": uploads.processing_held,
    }
    logger.info("upload faults planned: %s", planned)
    return jsonify(planned)
