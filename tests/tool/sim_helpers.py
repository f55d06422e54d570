"""Talking to the Panopto simulator from tests: tokens, controls and the sign-in page."""

from __future__ import annotations

import time
from typing import Any

import requests

from app.panopto.oauth import TOKEN_PATH, UserKey
from tests.conftest import SIM_CLIENT_ID, SIM_CLIENT_SECRET

#: Seeded users of devkit.panopto_sim.seed.
INA = ("ina.instructor", "ina-demo-pass")
TOM = ("tom.tutor", "tom-demo-pass")
HTTP_TIMEOUT = 5


def simulator(sim_app) -> Any:
    """The simulator's in-process controls (faults, token expiry, reset)."""
    return sim_app.extensions["panopto_sim"]


def password_token(sim_url: str, user: tuple[str, str] = INA) -> dict[str, Any]:
    """A fresh token pair for a seeded user, by the password grant."""
    response = requests.post(
        sim_url + TOKEN_PATH,
        data={
            "grant_type": "password",
            "username": user[0],
            "password": user[1],
            "scope": "api openid offline_access",
            "client_id": SIM_CLIENT_ID,
            "client_secret": SIM_CLIENT_SECRET,
        },
        timeout=HTTP_TIMEOUT,
    )
    response.raise_for_status()
    token = response.json()
    token["expires_at"] = int(time.time()) + int(token["expires_in"])
    return token


def refresh_grant(sim_url: str, refresh_token: str) -> requests.Response:
    """Spend a refresh token at the simulator directly (to see whether it still works)."""
    return requests.post(
        sim_url + TOKEN_PATH,
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": SIM_CLIENT_ID,
            "client_secret": SIM_CLIENT_SECRET,
        },
        timeout=HTTP_TIMEOUT,
    )


class MemoryTokens:
    """A TokenStore in a dict that remembers every save."""

    def __init__(self) -> None:
        self.tokens: dict[UserKey, dict[str, Any]] = {}
        self.saves: list[dict[str, Any]] = []

    def load(self, user: UserKey) -> dict[str, Any] | None:
        token = self.tokens.get(user)
        return dict(token) if token else None

    def save(self, user: UserKey, token: dict[str, Any]) -> None:
        self.saves.append(dict(token))
        self.tokens[user] = dict(token)

    def delete(self, user: UserKey, *, refresh_token: str | None = None) -> None:
        stored = self.tokens.get(user)
        if stored and refresh_token in (None, stored.get("refresh_token")):
            del self.tokens[user]


def sign_in_at_panopto(authorize_url: str, user: tuple[str, str] = INA) -> str:
    """Play the person at Panopto's sign-in page: fill in the form and submit it.

    Returns the ``Location`` Panopto redirects to (the tool's callback with code and state).
    The form is read from the page rather than hard-coded, as a browser would.
    """
    from urllib.parse import urljoin

    from tests.tool.pages import parse

    browser = requests.Session()
    page = browser.get(authorize_url, timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert page.status_code == 200, page.text[:300]

    form, fields = _sign_in_form(parse(page.text))
    fields.update(_credentials(fields, user))
    action = urljoin(page.url, form.attrs.get("action") or page.url)
    answer = browser.request(
        (form.attrs.get("method") or "post").upper(),
        action,
        data=fields,
        timeout=HTTP_TIMEOUT,
        allow_redirects=False,
    )
    assert answer.status_code in (302, 303), answer.text[:300]
    return answer.headers["Location"]


def _sign_in_form(page) -> tuple[Any, dict[str, str]]:
    """The form with a password box (the one a person types into), and its fields."""
    groups: list[tuple[Any, list[Any]]] = []
    for element in page.elements:
        if element.tag == "form":
            groups.append((element, []))
        elif element.tag == "input" and groups:
            groups[-1][1].append(element)

    for form, inputs in groups:
        if any(i.attrs.get("type") == "password" for i in inputs):
            fields = {
                i.attrs["name"]: i.attrs.get("value") or ""
                for i in inputs
                if i.attrs.get("name")
            }
            return form, fields
    raise AssertionError("the sign-in page has no password form")


def _credentials(fields: dict[str, str], user: tuple[str, str]) -> dict[str, str]:
    user_field = next(n for n in fields if "user" in n.lower() or "login" in n.lower())
    password_field = next(n for n in fields if "password" in n.lower())
    return {user_field: user[0], password_field: user[1]}


def start_sign_in(client, token: str, tool_url: str, **headers: str):
    """What the sign-in pop-up's page does: POST the chooser token, from our own origin."""
    return client.post(
        "/panopto/connect",
        data={"token": token},
        headers={"Origin": tool_url, **headers},
    )
