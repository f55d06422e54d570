"""Fixtures for the Panopto simulator's tests: an app per test, a caller that
holds a token per seeded user, and the swagger contract."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from devkit.panopto_sim.simulator import EXTENSION_KEY, Simulator

from .helpers import SWAGGER_PATH, PanoptoCaller, make_app
from .swagger_contract import SwaggerContract


@pytest.fixture
def app() -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def sim(app: Flask) -> Simulator:
    return app.extensions[EXTENSION_KEY]


@pytest.fixture
def panopto(client: FlaskClient) -> PanoptoCaller:
    return PanoptoCaller(client)


@pytest.fixture(scope="session")
def swagger() -> SwaggerContract:
    assert SWAGGER_PATH.is_file(), (
        f"The Panopto swagger is missing at {SWAGGER_PATH}; "
        "set PANOPTO_SWAGGER_PATH to its location."
    )
    return SwaggerContract(SWAGGER_PATH)
