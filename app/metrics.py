"""Prometheus metrics of the tool, on prometheus-client.

Every metric is created once per process, here. Under gunicorn each worker writes its values
to files in ``PROMETHEUS_MULTIPROC_DIR`` (set by ``gunicorn.conf.py``) and ``/metrics`` adds
them up, so a scrape sees the whole host whichever worker answers it.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

#: Panopto answers in tens to hundreds of milliseconds; the top buckets catch retries and
#: timeouts (a retried call may take several seconds).
PANOPTO_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20)
#: Our own pages: launches take milliseconds; chooser calls wait for Panopto.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

LAUNCHES = Counter(
    "panopto_tool_lti_launches_total",
    "LTI launches accepted, by message type.",
    ["message_type"],
)
LAUNCH_FAILURES = Counter(
    "panopto_tool_lti_launch_failures_total",
    "LTI logins and launches refused, by step (login or launch) and reason.",
    ["step", "reason"],
)
PANOPTO_CALLS = Histogram(
    "panopto_tool_panopto_request_seconds",
    "Panopto calls, retries included, by endpoint and outcome (ok, client_error, "
    "rate_limited, server_error, timeout, connection_error, circuit_open).",
    ["endpoint", "outcome"],
    buckets=PANOPTO_BUCKETS,
)
PANOPTO_RETRIES = Counter(
    "panopto_tool_panopto_retries_total",
    "Panopto calls sent again, by the status or error that caused it.",
    ["reason"],
)
PANOPTO_CIRCUIT_OPENED = Counter(
    "panopto_tool_panopto_circuit_opened_total",
    "Times this process saw the Panopto circuit breaker open.",
)
PANOPTO_CACHE = Counter(
    "panopto_tool_panopto_cache_total",
    "Panopto GET answers served from the short response cache (hit) or fetched (miss).",
    ["result"],
)
HTTP_REQUESTS = Histogram(
    "panopto_tool_http_request_seconds",
    "Requests served by the tool, by route, method and status.",
    ["route", "method", "status"],
    buckets=HTTP_BUCKETS,
)


def exposition(multiprocess_dir: str | None) -> tuple[bytes, str]:
    """The text format of every metric: this process's, or the whole host's under gunicorn."""
    registry = REGISTRY
    if multiprocess_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=multiprocess_dir)
    return generate_latest(registry), CONTENT_TYPE_LATEST
