"""Resilience to Panopto, with every failure injected through the simulator over loopback.

The client is wired as in production: authlib's session on the shared ResilientAdapter
(retries with backoff and jitter, Retry-After, circuit breaker, metrics). Waits between retries
are recorded by the ``retry_waits`` fixture instead of slept.
"""

from __future__ import annotations

import time

import pytest
from prometheus_client import REGISTRY
from urllib3.response import HTTPResponse

from app.errors import (
    PanoptoError,
    PanoptoNotFound,
    PanoptoRateLimited,
    PanoptoUnavailable,
)
from app.http import (
    BACKOFF_BASE_SECONDS,
    RETRY_AFTER_LIMIT_SECONDS,
    ResilientAdapter,
    circuit_breaker,
    retry_policy,
)
from app.panopto.oauth import PanoptoOAuth, UserKey
from devkit.panopto_sim import seed
from tests.conftest import SIM_CLIENT_ID, SIM_CLIENT_SECRET
from tests.servers import free_port
from tests.tool.sim_helpers import MemoryTokens, password_token

USER = UserKey("https://ontrack.test", "ontrack-user-42")
LECTURE = seed.lecture_id(1)
UNKNOWN_SESSION = "5e550000-0000-4000-8000-0000000fffff"
#: Few enough failures to open the circuit quickly in a test.
FAILURES_TO_OPEN = 3
#: Long enough that a test never sees the circuit close by itself unless it waits for it.
RESET_SECONDS = 60.0
#: Short enough that waiting for a slow answer keeps the test quick.
READ_TIMEOUT_SECONDS = 0.5


@pytest.fixture
def tokens(sim_url) -> MemoryTokens:
    store = MemoryTokens()
    store.tokens[USER] = password_token(sim_url)
    return store


def new_transport(reset_seconds: float = RESET_SECONDS) -> ResilientAdapter:
    breaker = circuit_breaker(
        "panopto-test", failures=FAILURES_TO_OPEN, reset_seconds=reset_seconds
    )
    return ResilientAdapter(
        breaker, retry_policy(2), timeout=(1.0, READ_TIMEOUT_SECONDS)
    )


@pytest.fixture
def transport() -> ResilientAdapter:
    return new_transport()


def oauth_on(
    base_url: str, tokens: MemoryTokens, transport: ResilientAdapter, tool_url: str
) -> PanoptoOAuth:
    return PanoptoOAuth(
        base_url,
        SIM_CLIENT_ID,
        SIM_CLIENT_SECRET,
        tool_url + "/panopto/callback",
        tokens,
        transport=transport,
    )


@pytest.fixture
def client(sim_url, tokens, transport, tool_url):
    return oauth_on(sim_url, tokens, transport, tool_url).client_for(USER)


def calls_during(sim, action) -> int:
    """How many REST calls reached the simulator while ``action`` ran."""
    before = sim.rest_calls
    action()
    return sim.rest_calls - before


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# -- retries on 5xx ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["down", "server_error"])
def test_a_transient_5xx_is_retried_and_the_call_succeeds(
    sim, client, retry_waits, mode
):
    sim.faults.set(mode, count=2)

    calls = calls_during(sim, lambda: client.get_session(LECTURE))

    assert calls == 3
    assert len(retry_waits) == 2


def test_retries_back_off_exponentially_with_jitter(sim, client, retry_waits):
    sim.faults.set("down", count=2)

    client.get_session(LECTURE)

    first, second = retry_waits
    assert BACKOFF_BASE_SECONDS / 2 <= first <= BACKOFF_BASE_SECONDS
    assert BACKOFF_BASE_SECONDS <= second <= 2 * BACKOFF_BASE_SECONDS


def test_the_jitter_spreads_the_waits_of_callers_that_failed_together():
    # A policy with one failed attempt behind it.
    policy = retry_policy(2).increment("GET", "/x", response=HTTPResponse(status=503))

    waits = {policy.get_backoff_time() for _ in range(50)}

    assert len(waits) > 40
    assert all(BACKOFF_BASE_SECONDS / 2 <= w <= BACKOFF_BASE_SECONDS for w in waits)


def test_a_5xx_that_outlasts_the_retries_is_a_retryable_panopto_error(
    sim, client, retry_waits
):
    sim.faults.set("down", count=3)

    with pytest.raises(PanoptoError) as caught:
        client.get_session(LECTURE)

    assert type(caught.value) is PanoptoError
    assert caught.value.retryable is True
    assert len(retry_waits) == 2


def test_retries_are_counted_in_the_metrics(sim, client):
    before = metric("panopto_tool_panopto_retries_total", reason="503")
    sim.faults.set("down", count=2)

    client.get_session(LECTURE)

    assert metric("panopto_tool_panopto_retries_total", reason="503") == before + 2


def test_each_call_is_timed_per_endpoint_with_its_outcome(sim, client):
    endpoint = "/Panopto/api/v1/sessions/{id}"
    name = "panopto_tool_panopto_request_seconds_count"
    ok = metric(name, endpoint=endpoint, outcome="ok")
    failed = metric(name, endpoint=endpoint, outcome="server_error")

    client.get_session(LECTURE)
    sim.faults.set("down", count=3)
    with pytest.raises(PanoptoError):
        client.get_session(LECTURE)

    assert metric(name, endpoint=endpoint, outcome="ok") == ok + 1
    assert metric(name, endpoint=endpoint, outcome="server_error") == failed + 1


# -- 429 and Retry-After -----------------------------------------------------------------


def test_429_with_retry_after_waits_as_told_and_retries(sim, client, retry_waits):
    sim.faults.set("rate_limit", count=2, retry_after=3)

    session = client.get_session(LECTURE)

    assert session.id == LECTURE
    assert retry_waits == [3.0, 3.0]


def test_429_without_retry_after_backs_off_with_jitter(sim, client, retry_waits):
    sim.faults.set("rate_limit", count=2)

    client.get_session(LECTURE)

    first, second = retry_waits
    assert BACKOFF_BASE_SECONDS / 2 <= first <= BACKOFF_BASE_SECONDS
    assert BACKOFF_BASE_SECONDS <= second <= 2 * BACKOFF_BASE_SECONDS


def test_a_retry_after_beyond_the_limit_is_answered_at_once(sim, client, retry_waits):
    sim.faults.set(
        "rate_limit", count=1, retry_after=int(RETRY_AFTER_LIMIT_SECONDS) + 1
    )
    before = sim.rest_calls

    with pytest.raises(PanoptoRateLimited) as caught:
        client.get_session(LECTURE)

    assert sim.rest_calls - before == 1
    assert retry_waits == []
    assert caught.value.retryable is True


def test_a_429_that_outlasts_the_retries_is_rate_limited(sim, client, retry_waits):
    sim.faults.set("rate_limit", count=3, retry_after=1)

    with pytest.raises(PanoptoRateLimited):
        client.get_session(LECTURE)

    assert retry_waits == [1.0, 1.0]


def test_rate_limiting_does_not_open_the_circuit(sim, client):
    for _ in range(FAILURES_TO_OPEN + 1):
        sim.faults.set("rate_limit", count=3, retry_after=0)
        with pytest.raises(PanoptoRateLimited):
            client.get_session(LECTURE)

    assert client.get_session(LECTURE).id == LECTURE


# -- timeouts and refused connections ----------------------------------------------------


def test_a_slow_panopto_times_out_and_is_not_asked_twice(sim, client):
    sim.faults.set("slow", count=1, delay_ms=int(READ_TIMEOUT_SECONDS * 3000))
    started = time.monotonic()

    with pytest.raises(PanoptoError) as caught:
        client.get_session(LECTURE)

    assert type(caught.value) is PanoptoError
    assert time.monotonic() - started < READ_TIMEOUT_SECONDS * 2.5
    assert sim.rest_calls == 1


def test_unreachable_panopto_is_retried_then_a_panopto_error(
    tokens, transport, tool_url, retry_waits
):
    dead = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(PanoptoError) as caught:
        oauth_on(dead, tokens, transport, tool_url).client_for(USER).get_session(
            LECTURE
        )

    assert type(caught.value) is PanoptoError
    assert len(retry_waits) == 2
    assert tokens.load(USER) is not None, "an outage must not sign the user out"


# -- the circuit breaker -----------------------------------------------------------------


def fail_until_open(sim, client) -> None:
    sim.faults.set("down", count=10_000)
    for _ in range(FAILURES_TO_OPEN):
        with pytest.raises(PanoptoError) as caught:
            client.get_session(LECTURE)
        assert type(caught.value) is PanoptoError


def test_failures_in_a_row_open_the_circuit_and_then_calls_answer_at_once(sim, client):
    fail_until_open(sim, client)
    before = sim.rest_calls
    started = time.monotonic()

    with pytest.raises(PanoptoUnavailable) as caught:
        client.get_session(LECTURE)

    assert time.monotonic() - started < 0.05
    assert sim.rest_calls == before
    assert caught.value.retryable is True
    assert caught.value.status == 503
    assert "Nothing you chose is lost" in caught.value.message


def test_an_open_circuit_spares_panopto_entirely(sim, client):
    fail_until_open(sim, client)

    def try_three_times() -> None:
        for _ in range(3):
            with pytest.raises(PanoptoUnavailable):
                client.get_session(LECTURE)

    assert calls_during(sim, try_three_times) == 0


def test_opening_the_circuit_is_counted(sim, client):
    before = metric("panopto_tool_panopto_circuit_opened_total")

    fail_until_open(sim, client)

    assert metric("panopto_tool_panopto_circuit_opened_total") == before + 1


def test_after_the_reset_time_a_good_trial_call_closes_the_circuit(
    sim, tokens, tool_url, sim_url
):
    client = oauth_on(sim_url, tokens, new_transport(0.3), tool_url).client_for(USER)
    fail_until_open(sim, client)
    sim.faults.clear()
    with pytest.raises(PanoptoUnavailable):
        client.get_session(LECTURE)

    time.sleep(0.35)

    assert client.get_session(LECTURE).id == LECTURE
    assert client.get_session(LECTURE).id == LECTURE


def test_a_failed_trial_call_opens_the_circuit_again(sim, tokens, tool_url, sim_url):
    client = oauth_on(sim_url, tokens, new_transport(0.3), tool_url).client_for(USER)
    fail_until_open(sim, client)
    time.sleep(0.35)

    with pytest.raises(PanoptoError) as trial:
        client.get_session(LECTURE)
    before = sim.rest_calls
    with pytest.raises(PanoptoUnavailable):
        client.get_session(LECTURE)

    assert type(trial.value) is PanoptoError
    assert sim.rest_calls == before


def test_answers_that_are_not_failures_keep_the_circuit_closed(sim, client):
    for _ in range(FAILURES_TO_OPEN + 2):
        with pytest.raises(PanoptoNotFound):
            client.get_session(UNKNOWN_SESSION)

    assert client.get_session(LECTURE).id == LECTURE


def test_a_success_between_failures_starts_the_count_again(sim, client):
    for _ in range(FAILURES_TO_OPEN + 1):
        sim.faults.set("down", count=3)
        with pytest.raises(PanoptoError):
            client.get_session(LECTURE)
        assert client.get_session(LECTURE).id == LECTURE
