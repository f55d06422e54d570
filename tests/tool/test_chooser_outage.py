"""What the chooser's API answers while Panopto is down, and that nothing chosen is lost.

The tool runs as configured in production (retries, circuit breaker, cache off so that every
call reaches Panopto), with a short breaker so the test need not wait long. Outages are
injected through the simulator.
"""

from __future__ import annotations

import time

import pytest

from app import create_app
from app.services import TRANSPORT_KEY
from devkit.panopto_sim import seed
from tests.tool.lti_harness import PlatformDriver
from tests.tool.test_e2e_lti1p3platform import (
    CAFE,
    LECTURE_1,
    open_chooser,
    sign_in_to_panopto,
    verify_with_tool_jwks,
)

FAILURES_TO_OPEN = 2
RESET_SECONDS = 0.5
SEARCH = {"query_string": {"q": "lecture"}}


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "PANOPTO_BREAKER_FAILURES": FAILURES_TO_OPEN,
        "PANOPTO_BREAKER_RESET_SECONDS": RESET_SECONDS,
        "PANOPTO_CACHE_SECONDS": 0,
    }


@pytest.fixture
def chooser(sim_platform, panopto_sim, tool_url):
    chooser = open_chooser(sim_platform)
    sign_in_to_panopto(chooser, panopto_sim[0], tool_url)
    return chooser


def open_the_circuit(sim, chooser) -> None:
    sim.faults.set("down", count=10_000)
    for _ in range(FAILURES_TO_OPEN):
        answer = chooser.api("GET", "/search", **SEARCH)
        assert answer.status_code == 502
        assert answer.json["error"]["code"] == "panopto_unavailable"


def test_while_panopto_is_down_the_chooser_answers_at_once_with_a_clear_message(
    sim, chooser
):
    open_the_circuit(sim, chooser)
    calls = sim.rest_calls
    started = time.monotonic()

    answer = chooser.api("GET", "/folders")

    assert time.monotonic() - started < 0.1
    assert sim.rest_calls == calls, "an open circuit must not call Panopto"
    assert answer.status_code == 503
    error = answer.json["error"]
    assert error["code"] == "panopto_down"
    assert error["retryable"] is True
    assert "Panopto is not answering" in error["message"]
    assert "Nothing you chose is lost" in error["message"]


def test_an_insert_during_the_outage_loses_nothing_and_works_once_panopto_is_back(
    sim, chooser, sim_platform
):
    chosen = {"session_ids": [LECTURE_1, CAFE]}
    open_the_circuit(sim, chooser)

    refused = chooser.api("POST", "/insert", json=chosen)
    sim.faults.clear()
    time.sleep(RESET_SECONDS + 0.1)
    inserted = chooser.api("POST", "/insert", json=chosen)

    assert refused.status_code == 503
    assert refused.json["error"]["code"] == "panopto_down"
    assert inserted.status_code == 200
    claims = verify_with_tool_jwks(sim_platform.client, inserted.json["jwt"])
    items = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert [item["custom"]["panopto_session_id"] for item in items] == [LECTURE_1, CAFE]


def test_a_panopto_that_recovers_is_used_again_after_the_pause(sim, chooser):
    open_the_circuit(sim, chooser)
    sim.faults.clear()
    assert chooser.api("GET", "/folders").status_code == 503

    time.sleep(RESET_SECONDS + 0.1)
    folders = chooser.api("GET", "/folders")

    assert folders.status_code == 200
    assert {f["id"] for f in folders.json["folders"]} >= {seed.FOLDER_SIT999}


def test_a_brief_blip_never_reaches_the_person(sim, chooser):
    sim.faults.set("server_error", count=2)

    answer = chooser.api("GET", "/search", **SEARCH)

    assert answer.status_code == 200
    assert answer.json["sessions"]


def test_a_slow_panopto_is_a_clear_retryable_error(sim, chooser, sim_app):
    sim_app.config["PANOPTO_READ_TIMEOUT_SECONDS"] = 0.3
    sim_app.extensions.pop(TRANSPORT_KEY, None)  # the next call builds it anew
    sim.faults.set("slow", count=1, delay_ms=1000)

    answer = chooser.api("GET", "/search", **SEARCH)

    assert answer.status_code == 502
    assert answer.json["error"]["retryable"] is True
    assert "try again" in answer.json["error"]["message"]


def test_a_long_retry_after_is_answered_at_once_as_busy(sim, chooser, retry_waits):
    sim.faults.set("rate_limit", count=1, retry_after=120)

    answer = chooser.api("GET", "/search", **SEARCH)

    assert retry_waits == []
    assert answer.status_code == 503
    assert answer.json["error"]["code"] == "panopto_rate_limited"
    assert answer.json["error"]["retryable"] is True


def test_with_redis_every_instance_sees_the_open_circuit(
    app_config, panopto_sim, redis_config, platform_keys, tool_url, sim
):
    """One instance meets the outage; another then answers at once without calling."""
    config = {
        **app_config,
        **redis_config,
        "PANOPTO_BASE_URL": panopto_sim[0],
        # pybreaker keeps the opening time in Redis in whole seconds.
        "PANOPTO_BREAKER_RESET_SECONDS": 30,
    }
    first, second = create_app(config), create_app(config)
    on_first = open_chooser(
        PlatformDriver(first.test_client(), tool_url, platform_keys)
    )
    sign_in_to_panopto(on_first, panopto_sim[0], tool_url)
    on_second = open_chooser(
        PlatformDriver(second.test_client(), tool_url, platform_keys)
    )
    open_the_circuit(sim, on_first)
    calls = sim.rest_calls

    answer = on_second.api("GET", "/search", **SEARCH)

    assert answer.status_code == 503
    assert answer.json["error"]["code"] == "panopto_down"
    assert sim.rest_calls == calls
