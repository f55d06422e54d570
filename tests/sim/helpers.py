"""Helpers shared by the simulator's tests: constants, an app builder, a REST
caller and the steps of the browser sign-in."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from devkit.panopto_sim import create_app

CLIENT_ID = "panopto-tool-dev"
CLIENT_SECRET = "test-client-secret"
APPLICATION_KEY = "test-idp-application-key"
REDIRECT_URI = "http://127.0.0.1:8000/panopto/callback"
BASE_URL = "http://127.0.0.1:8002"
API = "/Panopto/api/v1"
TOKEN_URL = "/Panopto/oauth2/connect/token"
AUTHORIZE_URL = "/Panopto/oauth2/connect/authorize"

PASSWORDS = {
    "ina.instructor": "ina-demo-pass",
    "tom.tutor": "tom-demo-pass",
    "stu.student": "stu-demo-pass",
}

SWAGGER_RELATIVE = Path("shared/panopto/panopto-public-api.swagger.json")


def _find_swagger() -> Path:
    """The swagger in the nearest ``shared/`` folder above the checkout.

    A checkout may sit one level down (``/work/main``) or two (``/work/wt/NAME``) from the
    folder that holds ``shared/``, so every parent is tried, nearest first.
    """
    parents = Path(__file__).resolve().parents
    candidates = [parent / SWAGGER_RELATIVE for parent in parents]
    return next((path for path in candidates if path.is_file()), candidates[3])


SWAGGER_PATH = Path(os.environ.get("PANOPTO_SWAGGER_PATH") or _find_swagger())

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_app(**overrides: Any) -> Flask:
    config = {
        "SIM_CLIENT_SECRET": CLIENT_SECRET,
        "SIM_IDP_APPLICATION_KEY": APPLICATION_KEY,
        "SECRET_KEY": "test-only-secret-key",
        **overrides,
    }
    app = create_app(config)
    app.testing = True
    return app


def password_grant(
    client: FlaskClient, username: str, password: str, scope: str = "openid api"
) -> TestResponse:
    return client.post(
        TOKEN_URL,
        data={
            "grant_type": "password",
            "username": username,
            "password": password,
            "scope": scope,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )


class PanoptoCaller:
    """Calls the REST API as a seeded user, fetching a token on first use."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self._tokens:
            response = password_grant(self.client, username, PASSWORDS[username])
            assert response.status_code == 200, response.get_json()
            self._tokens[username] = response.get_json()["access_token"]
        return self._tokens[username]

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}"}

    def get(self, path: str, user: str = "stu.student", **params: Any) -> TestResponse:
        return self.client.get(
            API + path, query_string=params, headers=self.headers(user)
        )

    def put(self, path: str, body: Any, user: str = "ina.instructor") -> TestResponse:
        return self.client.put(API + path, json=body, headers=self.headers(user))

    def delete(self, path: str, user: str = "ina.instructor") -> TestResponse:
        return self.client.delete(API + path, headers=self.headers(user))

    def results(
        self, path: str, user: str = "stu.student", **params: Any
    ) -> list[dict]:
        response = self.get(path, user, **params)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["Results"]

    def all_results(self, path: str, user: str = "stu.student", **params: Any) -> list:
        """Page from 0 until an empty page, as Panopto's clients do."""
        collected: list[dict] = []
        for number in range(100):
            page = self.results(path, user, pageNumber=number, **params)
            if not page:
                return collected
            collected.extend(page)
        raise AssertionError("paging never ended")


def authorize_params(**overrides: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid api offline_access",
        "state": "state-123",
        **overrides,
    }


def csrf_token(page: TestResponse) -> str:
    match = CSRF_FIELD.search(page.get_data(as_text=True))
    assert match, "the sign-in page has no CSRF field"
    return match.group(1)


def sign_in(
    client: FlaskClient, username: str, password: str, **params: str
) -> TestResponse:
    """Open the authorize URL and submit the sign-in form."""
    query = authorize_params(**params)
    page = client.get(AUTHORIZE_URL, query_string=query)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(
        AUTHORIZE_URL,
        query_string=query,
        data={
            "csrf_token": csrf_token(page),
            "username": username,
            "password": password,
        },
    )


def redirect_params(response: TestResponse) -> dict[str, str]:
    """The query of a redirect to the client, with its base checked."""
    assert response.status_code == 302, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    return {key: values[0] for key, values in parse_qs(location.query).items()}
