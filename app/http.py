"""The one place that creates HTTP sessions for outgoing calls.

Every outgoing request gets a default timeout and our User-Agent. Both the plain session (for
platform key sets) and the Panopto OAuth2 session are built from the mixin below.

Calls to Panopto also go through a :class:`ResilientAdapter`, shared by every session of a
process (so connections are reused). It gives each call:

- retries with exponential backoff and jitter on 429 and 5xx, and on refused connections,
  honouring ``Retry-After`` (urllib3's ``Retry``, adjusted in :class:`ResilientRetry`);
- a circuit breaker (pybreaker): after several failed calls in a row it answers at once with
  :class:`CircuitOpenError` instead of making people wait for a Panopto that is down;
- metrics of latency and outcome per endpoint.
"""

from __future__ import annotations

import logging
import random
import re
import time
from typing import Any
from urllib.parse import urlsplit

import pybreaker
import requests
from authlib.integrations.requests_client import OAuth2Session
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from . import metrics

logger = logging.getLogger(__name__)

#: (connect, read) seconds. Panopto and LMS endpoints answer in well under a second when
#: healthy; waiting longer only keeps a worker busy while the user stares at a spinner.
DEFAULT_TIMEOUT = (3.05, 10.0)
USER_AGENT = "panopto-lti-tool/0.1 (+https://github.com/doubtfire-lms)"

#: Statuses worth a second try: Panopto's transient 500s on folder listings, and a gateway
#: or site that is briefly unavailable. 429 is handled apart (see ResilientRetry.is_retry).
RETRY_STATUSES = frozenset({500, 502, 503, 504})
#: Retries after the first attempt. Panopto's Moodle block retries up to 3 times; two keep a
#: chooser request within a few seconds even when Panopto is struggling.
DEFAULT_RETRIES = 2
#: The n-th retry waits between half of and all of BASE * 2**(n-1) seconds (equal jitter),
#: so workers that failed together do not come back together.
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 4.0
#: Longest Retry-After we wait for inside a request. Panopto asking for more means "not now":
#: we answer the person at once rather than hold a worker (and them) for longer.
RETRY_AFTER_LIMIT_SECONDS = 5.0
#: Failed calls in a row that open the circuit, and how long it stays open before one trial
#: call is let through.
BREAKER_FAILURES = 5
BREAKER_RESET_SECONDS = 30.0

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def pause(seconds: float) -> None:
    """Wait between retries (tests replace this to record the waits instead)."""
    time.sleep(seconds)


class CircuitOpenError(requests.ConnectionError):
    """Panopto failed too often just now; the call was not made."""


class _TimeoutMixin:
    """Adds a default timeout and User-Agent to every request of a requests.Session."""

    timeout: tuple[float, float] = DEFAULT_TIMEOUT

    def _prepare_defaults(self, transport: ResilientAdapter | None = None) -> None:
        self.headers["User-Agent"] = USER_AGENT  # type: ignore[attr-defined]
        if transport is not None:
            self.timeout = transport.timeout
            for scheme in ("https://", "http://"):
                self.mount(scheme, transport)  # type: ignore[attr-defined]

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)  # type: ignore[misc]


class HttpSession(_TimeoutMixin, requests.Session):
    """A requests.Session with our timeout and User-Agent."""

    def __init__(self) -> None:
        super().__init__()
        self._prepare_defaults()


class OAuthHttpSession(_TimeoutMixin, OAuth2Session):
    """authlib's OAuth2 session with our timeout and User-Agent.

    :param transport: the adapter that sends every request of this session (retries,
        circuit breaker, metrics); without one, requests' plain adapter is used.
    """

    def __init__(
        self, *args: Any, transport: ResilientAdapter | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_defaults(transport)


class ResilientRetry(Retry):
    """urllib3's retry rules with three changes for Panopto:

    - a 429 is retried whatever the method: the request was refused before any work was
      done, so sending it again cannot do anything twice (5xx stay idempotent-only);
    - a ``Retry-After`` longer than :data:`RETRY_AFTER_LIMIT_SECONDS` ends the retries at once
      (urllib3 would wait for as long as the server asks); an unreadable one falls back to
      the backoff;
    - the backoff has jitter from the first retry on (urllib3 sends its first retry at once
      and without jitter), and waits go through :func:`pause`.
    """

    def is_retry(
        self, method: str, status_code: int, has_retry_after: bool = False
    ) -> bool:
        if status_code == 429:
            return bool(self.total)
        return super().is_retry(method, status_code, has_retry_after)

    def increment(  # type: ignore[no-untyped-def,override]
        self, method=None, url=None, response=None, error=None, **kwargs
    ):
        wait = self.get_retry_after(response) if response is not None else None
        if wait is not None and wait > RETRY_AFTER_LIMIT_SECONDS:
            logger.info(
                "Panopto asked to wait %.0f s before retrying; not waiting", wait
            )
            raise MaxRetryError(
                kwargs.get("_pool"), url, ResponseError("Retry-After too long")
            )
        return super().increment(method, url, response, error, **kwargs)

    def get_retry_after(self, response: Any) -> float | None:
        try:
            return super().get_retry_after(response)
        except InvalidHeader:
            return None

    def get_backoff_time(self) -> float:
        failures = len(self.history)
        if failures == 0 or self.backoff_factor <= 0:
            return 0.0
        ceiling = min(self.backoff_max, self.backoff_factor * 2 ** (failures - 1))
        # Bandit B311 does not apply: jitter spreads retries out, it guards no secret.
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # nosec B311

    def sleep(self, response: Any = None) -> None:
        wait = self.get_retry_after(response) if response is not None else None
        if wait is None:
            wait = self.get_backoff_time()

        reason = _retry_reason(self.history[-1]) if self.history else "unknown"
        metrics.PANOPTO_RETRIES.labels(reason).inc()
        logger.info("Retrying a Panopto call after %s in %.2f s", reason, wait)
        if wait > 0:
            pause(wait)


def retry_policy(retries: int = DEFAULT_RETRIES) -> ResilientRetry:
    """How one Panopto call is retried: see :class:`ResilientRetry`."""
    return ResilientRetry(
        total=retries,
        connect=retries,
        # A read timeout is not retried: Panopto already had the request for the whole
        # read timeout, and a second wait as long would outlast the person's patience.
        # Neither is a connection dropped in the middle of an answer (urllib3 counts both
        # as read errors), which costs that one call when Panopto closes a kept-alive one.
        read=False,
        status=retries,
        other=0,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=BACKOFF_BASE_SECONDS,
        backoff_max=BACKOFF_MAX_SECONDS,
        raise_on_status=False,
        respect_retry_after_header=True,
    )


class _BreakerMetrics(pybreaker.CircuitBreakerListener):
    def state_change(self, cb: Any, old_state: Any, new_state: Any) -> None:
        if new_state.name == pybreaker.STATE_OPEN:
            metrics.PANOPTO_CIRCUIT_OPENED.inc()
            logger.warning(
                "Panopto failed %d calls in a row: answering at once for %g s",
                cb.fail_max,
                cb.reset_timeout,
            )
        elif new_state.name == pybreaker.STATE_CLOSED and old_state is not None:
            logger.warning("Panopto answers again: calls go through as usual")


def circuit_breaker(
    name: str,
    failures: int = BREAKER_FAILURES,
    reset_seconds: float = BREAKER_RESET_SECONDS,
    storage: pybreaker.CircuitBreakerStorage | None = None,
) -> pybreaker.CircuitBreaker:
    """A breaker for one remote site.

    :param storage: where its state lives; ``pybreaker.CircuitRedisStorage`` shares it
        between every process and host, so one instance seeing an outage spares the others
        from waiting for it too (it keeps the opening time in whole seconds). Default: this
        process's memory.

    pybreaker holds a lock for the whole guarded call, so threads of one process that share
    a breaker reach Panopto one at a time (danielfm/pybreaker#3). Our gunicorn workers are
    synchronous (one request per process), where this costs nothing.
    """
    return pybreaker.CircuitBreaker(
        fail_max=failures,
        reset_timeout=reset_seconds,
        state_storage=storage,
        listeners=[_BreakerMetrics()],
        name=name,
        # The call that trips the breaker still reports what really happened to it.
        throw_new_error_on_trip=False,
    )


class _FailedResponse(Exception):
    """A 5xx after the retries: counts as a failure for the breaker, then is handed back."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class ResilientAdapter(HTTPAdapter):
    """Sends requests with :func:`retry_policy`, behind a circuit breaker, with metrics.

    :param breaker: counts 5xx answers, timeouts and connection failures; None for none.
    :param retries: the retry policy of every request.
    :param timeout: (connect, read) seconds, for sessions that mount this adapter.
    """

    def __init__(
        self,
        breaker: pybreaker.CircuitBreaker | None,
        retries: Retry | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(max_retries=retries or retry_policy())
        self.breaker = breaker
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        endpoint = endpoint_label(request.url or "")
        started = time.perf_counter()
        outcome = "connection_error"
        try:
            response = self._guarded_send(request, **kwargs)
            outcome = _outcome(response.status_code)
            return response
        except CircuitOpenError:
            outcome = "circuit_open"
            raise
        except requests.Timeout:
            outcome = "timeout"
            raise
        finally:
            seconds = time.perf_counter() - started
            metrics.PANOPTO_CALLS.labels(endpoint, outcome).observe(seconds)

    def _guarded_send(self, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        if self.breaker is None:
            return super().send(request, **kwargs)
        try:
            return self.breaker.call(self._send_or_raise, request, **kwargs)
        except _FailedResponse as failure:
            return failure.response
        except pybreaker.CircuitBreakerError as err:
            logger.info(
                "Panopto circuit is open; not calling %s",
                endpoint_label(request.url or ""),
            )
            raise CircuitOpenError(request=request) from err

    def _send_or_raise(self, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        response = super().send(request, **kwargs)
        if response.status_code >= 500:
            raise _FailedResponse(response)
        return response


def endpoint_label(url: str) -> str:
    """The path of a Panopto URL with ids replaced, for a metric label of bounded size."""
    path = urlsplit(url).path
    if not path.startswith("/Panopto/"):
        return "other"
    return _GUID.sub("{id}", path)


def _outcome(status: int) -> str:
    if status < 400:
        return "ok"
    if status == 429:
        return "rate_limited"
    if status >= 500:
        return "server_error"
    return "client_error"


def _retry_reason(entry: Any) -> str:
    if entry.status:
        return str(entry.status)
    return type(entry.error).__name__ if entry.error else "unknown"
