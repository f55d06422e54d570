"""Fault injection through /_sim/faults and through Python, and latency."""

from __future__ import annotations

import time

import pytest
from flask.testing import FlaskClient

from devkit.panopto_sim.faults import FaultError, FaultInjector
from devkit.panopto_sim.simulator import Simulator

from .helpers import PanoptoCaller, make_app

ROUTE = "/folders/creator"


def statuses(panopto: PanoptoCaller, calls: int) -> list[int]:
    return [panopto.get(ROUTE, "ina.instructor").status_code for _ in range(calls)]


@pytest.mark.parametrize(
    "mode, status",
    [("down", 503), ("rate_limit", 429), ("unauthorized", 401), ("server_error", 500)],
)
def test_next_n_calls_fail_then_recover(
    client: FlaskClient, panopto: PanoptoCaller, mode: str, status: int
) -> None:
    panopto.token("ina.instructor")

    planned = client.post("/_sim/faults", json={"mode": mode, "count": 2})

    assert planned.get_json() == {
        "mode": mode,
        "count": 2,
        "retry_after": None,
        "delay_ms": None,
    }
    assert statuses(panopto, 3) == [status, status, 200]


def test_rate_limit_sends_retry_after(
    client: FlaskClient, panopto: PanoptoCaller
) -> None:
    client.post("/_sim/faults", json={"mode": "rate_limit", "retry_after": 7})

    response = panopto.get(ROUTE, "ina.instructor")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"


def test_injected_401_has_no_body(client: FlaskClient, panopto: PanoptoCaller) -> None:
    client.post("/_sim/faults", json={"mode": "unauthorized"})

    response = panopto.get(ROUTE, "ina.instructor")

    assert (response.status_code, response.data) == (401, b"")


def test_faults_hit_even_valid_calls_without_reaching_auth(
    client: FlaskClient,
) -> None:
    client.post("/_sim/faults", json={"mode": "down"})

    assert client.get("/Panopto/api/v1/folders/creator").status_code == 503
    assert client.get("/Panopto/api/v1/folders/creator").status_code == 401


def test_faults_do_not_touch_the_token_endpoint(
    client: FlaskClient, panopto: PanoptoCaller
) -> None:
    client.post("/_sim/faults", json={"mode": "down", "count": 1})

    panopto.token("tom.tutor")

    assert statuses(panopto, 1) == [503]


def test_mode_none_clears(client: FlaskClient, panopto: PanoptoCaller) -> None:
    client.post("/_sim/faults", json={"mode": "down", "count": 5})

    client.post("/_sim/faults", json={"mode": "none"})

    assert statuses(panopto, 1) == [200]
    assert client.get("/_sim/faults").get_json()["mode"] == "none"


def test_python_access_to_the_same_controls(
    sim: Simulator, panopto: PanoptoCaller
) -> None:
    sim.faults.set("down", count=1)

    assert statuses(panopto, 2) == [503, 200]


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "explode"},
        {"count": 2},
        {"mode": "down", "count": 0},
        {"mode": "down", "count": "2"},
        {"mode": "down", "retry_after": 3},
        {"mode": "rate_limit", "retry_after": -1},
        {"mode": "slow"},
        {"mode": "slow", "delay_ms": 0},
        {"mode": "down", "delay_ms": 100},
        ["down"],
    ],
)
def test_bad_fault_requests_are_400(client: FlaskClient, body: object) -> None:
    response = client.post("/_sim/faults", json=body)

    assert response.status_code == 400
    assert response.get_json()["error"]


def test_control_routes_need_a_json_body(client: FlaskClient) -> None:
    form = client.post("/_sim/faults", data={"mode": "down"})
    expire = client.post("/_sim/expire-tokens")
    reset = client.post("/_sim/reset", data="x")

    assert [form.status_code, expire.status_code, reset.status_code] == [400, 400, 400]


def test_reset_restores_seed_tokens_and_faults(
    client: FlaskClient, panopto: PanoptoCaller, sim: Simulator
) -> None:
    panopto.delete("/sessions/5e550000-0000-4000-8000-000000000301")
    sim.faults.set("down", count=3)

    client.post("/_sim/reset", json={})
    fresh = PanoptoCaller(client)

    assert panopto.get(ROUTE, "ina.instructor").status_code == 401
    assert (
        fresh.get(
            "/sessions/5e550000-0000-4000-8000-000000000301", "ina.instructor"
        ).status_code
        == 200
    )


def test_control_routes_can_be_switched_off() -> None:
    client = make_app(SIM_CONTROL=False).test_client()

    assert client.post("/_sim/faults", json={"mode": "down"}).status_code == 404
    assert client.post("/_sim/expire-tokens", json={}).status_code == 404


def test_injector_counts_down_and_is_then_empty() -> None:
    injector = FaultInjector()
    injector.set("rate_limit", count=2, retry_after=1)

    taken = [injector.take(), injector.take(), injector.take()]

    assert [fault.mode if fault else None for fault in taken] == [
        "rate_limit",
        "rate_limit",
        None,
    ]
    with pytest.raises(FaultError):
        injector.set("down", count=True)


def test_slow_answers_normally_after_the_delay(
    client: FlaskClient, panopto: PanoptoCaller
) -> None:
    panopto.token("ina.instructor")
    client.post("/_sim/faults", json={"mode": "slow", "count": 1, "delay_ms": 150})

    started = time.monotonic()
    slow = panopto.get(ROUTE, "ina.instructor")
    slow_seconds = time.monotonic() - started
    started = time.monotonic()
    fast = panopto.get(ROUTE, "ina.instructor")

    assert (slow.status_code, fast.status_code) == (200, 200)
    assert slow_seconds >= 0.15
    assert time.monotonic() - started < 0.15


def test_every_rest_call_is_counted_faulted_or_not(
    client: FlaskClient, panopto: PanoptoCaller, sim: Simulator
) -> None:
    panopto.token("ina.instructor")
    sim.faults.set("down", count=1)

    statuses(panopto, 3)

    assert client.get("/_sim/stats").get_json() == {"rest_calls": 3}
    client.post("/_sim/reset", json={})
    assert sim.rest_calls == 0


def test_latency_is_applied_per_call() -> None:
    panopto = PanoptoCaller(make_app(SIM_LATENCY_MS=60).test_client())
    panopto.token("ina.instructor")

    started = time.monotonic()
    panopto.get(ROUTE, "ina.instructor")
    panopto.get(ROUTE, "ina.instructor")

    assert time.monotonic() - started >= 0.12
