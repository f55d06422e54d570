"""Fault injection: make the next few REST calls fail the way Panopto can.

- ``down``: 503, the site is unavailable.
- ``rate_limit``: 429, optionally with ``Retry-After`` (whether Panopto sends it is
  unknown, API-NOTES section 2).
- ``unauthorized``: 401 without a body, as for a stale token.
- ``server_error``: 500, the transient failure reported on folder listings
  (API-NOTES section 10, item 6).
- ``slow``: answer normally, but only after ``delay_ms`` milliseconds (a site so slow that
  callers time out).
- ``none``: clear any pending fault.

The simulator also counts the REST calls it receives (``Simulator.rest_calls``), so tests can
tell whether a call reached "Panopto" at all.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

STATUS_BY_MODE = {
    "down": 503,
    "rate_limit": 429,
    "unauthorized": 401,
    "server_error": 500,
}
SLOW = "slow"
MODES = (*STATUS_BY_MODE, SLOW, "none")

MAX_COUNT = 10_000
"""Enough for any test or demo; stops a typo from breaking the simulator for good."""

MAX_RETRY_AFTER = 3600
MAX_DELAY_MS = 60_000


class FaultError(ValueError):
    """A fault request that makes no sense; the message says why."""


@dataclass(frozen=True)
class Fault:
    """One planned failure: what to answer and for how many more calls."""

    mode: str
    count: int
    retry_after: int | None = None
    delay_ms: int | None = None

    @property
    def status(self) -> int | None:
        """The status to answer with, or None when the call goes on (``slow``)."""
        return STATUS_BY_MODE.get(self.mode)

    def as_dict(self) -> dict:
        return asdict(self)


NO_FAULT = Fault(mode="none", count=0)


class FaultInjector:
    """Holds the pending fault; thread-safe, because the dev server is threaded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = NO_FAULT

    def set(
        self,
        mode: str,
        count: int = 1,
        retry_after: int | None = None,
        delay_ms: int | None = None,
    ) -> Fault:
        """Plan ``count`` failures of ``mode``; ``none`` clears.

        :raises FaultError: for an unknown mode or a count or delay out of range.
        """
        fault = _checked(mode, count, retry_after, delay_ms)
        with self._lock:
            self._pending = fault
        return fault

    def clear(self) -> None:
        with self._lock:
            self._pending = NO_FAULT

    @property
    def pending(self) -> Fault:
        with self._lock:
            return self._pending

    def take(self) -> Fault | None:
        """Use up one planned failure for the current call, if any is left."""
        with self._lock:
            fault = self._pending
            if fault.count <= 0:
                return None
            remaining = fault.count - 1
            self._pending = Fault(
                fault.mode, remaining, fault.retry_after, fault.delay_ms
            )
            if remaining == 0:
                self._pending = NO_FAULT
        return fault


def _checked(
    mode: str, count: int, retry_after: int | None, delay_ms: int | None
) -> Fault:
    if mode not in MODES:
        raise FaultError(f"mode must be one of {', '.join(MODES)}")
    if mode == "none":
        return NO_FAULT
    if not _is_int_between(count, 1, MAX_COUNT):
        raise FaultError(f"count must be a whole number from 1 to {MAX_COUNT}")
    if retry_after is not None:
        if mode != "rate_limit":
            raise FaultError("retry_after applies to mode rate_limit only")
        if not _is_int_between(retry_after, 0, MAX_RETRY_AFTER):
            raise FaultError(
                f"retry_after must be a whole number of seconds, 0 to {MAX_RETRY_AFTER}"
            )
    if (mode == SLOW) != (delay_ms is not None):
        raise FaultError("delay_ms is needed by mode slow, and applies to it only")
    if delay_ms is not None and not _is_int_between(delay_ms, 1, MAX_DELAY_MS):
        raise FaultError(f"delay_ms must be a whole number from 1 to {MAX_DELAY_MS}")
    return Fault(mode, count, retry_after, delay_ms)


def _is_int_between(value: object, low: int, high: int) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    )
