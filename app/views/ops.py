"""Endpoints for the load balancer and monitoring: liveness, readiness and metrics.

``/healthz`` says the process answers (it touches nothing else, so a database outage does
not make an orchestrator restart healthy app servers). ``/readyz`` says this instance can
serve: the database and, when configured, Redis answer. Panopto is deliberately not part of
readiness: when it is down every instance is equally affected, the circuit breaker answers
people at once, and taking instances out of the pool would only turn that message into an
error from the load balancer.

``/metrics`` is Prometheus' text format. It tells nothing secret, but it is for the
monitoring network only: the proxy should not publish it (see docs/deployment.md).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .. import metrics, store
from ..errors import StoreUnavailable
from ..extensions import db

logger = logging.getLogger(__name__)

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness: the process is up and answering."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Readiness: the database and the shared store answer."""
    checks = {"database": _database_ok(), "store": _store_ok()}
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), (
        200 if ready else 503
    )


@bp.get("/metrics")
def prometheus_metrics():
    """Prometheus metrics of this host's processes."""
    body, content_type = metrics.exposition(
        current_app.config["PROMETHEUS_MULTIPROC_DIR"]
    )
    return Response(body, content_type=content_type)


def _database_ok() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as err:
        logger.warning("Readiness: the database did not answer: %s", type(err).__name__)
        db.session.rollback()
        return "unavailable"
    return "ok"


def _store_ok() -> str:
    backend = current_app.extensions[store.EXTENSION_KEY]
    if not isinstance(backend, store.RedisBackend):
        return "ok"  # the database store: checked above
    try:
        backend.ping()
    except StoreUnavailable:
        return "unavailable"
    return "ok"
