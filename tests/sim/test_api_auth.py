"""Bearer authentication on REST v1: 401 without a body whenever a token is not good."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from devkit.panopto_sim.simulator import Simulator

from .helpers import API, PanoptoCaller, password_grant

ROUTE = f"{API}/folders/creator"


def assert_bare_401(response) -> None:
    assert response.status_code == 401
    assert response.data == b""
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ],
    ids=["missing", "unknown", "wrong-scheme", "empty-bearer"],
)
def test_calls_without_a_usable_token_get_a_bare_401(
    client: FlaskClient, headers: dict
) -> None:
    assert_bare_401(client.get(ROUTE, headers=headers))


def test_token_without_api_scope_gets_401(client: FlaskClient) -> None:
    token = password_grant(client, "ina.instructor", "ina-demo-pass", scope="openid")
    access = token.get_json()["access_token"]

    assert_bare_401(client.get(ROUTE, headers={"Authorization": f"Bearer {access}"}))


def test_expired_token_gets_401(panopto: PanoptoCaller, sim: Simulator) -> None:
    assert panopto.get("/folders/creator", "ina.instructor").status_code == 200

    sim.expire_tokens()

    assert_bare_401(panopto.get("/folders/creator", "ina.instructor"))


def test_token_expires_after_an_hour(panopto: PanoptoCaller, sim: Simulator) -> None:
    panopto.token("ina.instructor")
    real_clock = sim.tokens.clock
    sim.tokens.clock = lambda: real_clock() + 3601

    assert_bare_401(panopto.get("/folders/creator", "ina.instructor"))


def test_expire_control_route_can_target_one_user(
    client: FlaskClient, panopto: PanoptoCaller
) -> None:
    panopto.token("ina.instructor")
    panopto.token("tom.tutor")

    answer = client.post("/_sim/expire-tokens", json={"username": "tom.tutor"})

    assert answer.get_json() == {"expired": 1}
    assert panopto.get("/folders/creator", "tom.tutor").status_code == 401
    assert panopto.get("/folders/creator", "ina.instructor").status_code == 200


def test_expire_control_route_expires_everyone(
    client: FlaskClient, panopto: PanoptoCaller
) -> None:
    panopto.token("ina.instructor")
    panopto.token("tom.tutor")

    answer = client.post("/_sim/expire-tokens", json={})

    assert answer.get_json() == {"expired": 2}
    assert panopto.get("/folders/creator", "ina.instructor").status_code == 401


def test_legacy_login_sets_a_cookie_that_authenticates(
    app, panopto: PanoptoCaller
) -> None:
    answer = panopto.get("/auth/legacyLogin", "stu.student")
    cookie = panopto.client.get_cookie(".ASPXAUTH", path="/Panopto")
    browser = app.test_client()
    browser.set_cookie(".ASPXAUTH", cookie.value, path="/Panopto")

    viewed = browser.get(f"{API}/users/me/sessions/viewed")

    assert answer.status_code == 200
    assert isinstance(answer.get_json(), str)
    assert cookie.http_only
    assert viewed.status_code == 200
    assert viewed.get_json()["Results"]


def test_legacy_cookie_expires_with_the_tokens(
    app, panopto: PanoptoCaller, sim: Simulator
) -> None:
    panopto.get("/auth/legacyLogin", "stu.student")
    cookie = panopto.client.get_cookie(".ASPXAUTH", path="/Panopto")
    browser = app.test_client()
    browser.set_cookie(".ASPXAUTH", cookie.value, path="/Panopto")

    sim.expire_tokens()

    assert_bare_401(browser.get(f"{API}/users/me/sessions/viewed"))
