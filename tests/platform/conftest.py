"""Fixtures for the dev platform: the app, a browser-like driver and a stub tool.

No test here makes an HTTP call: the tool's JWKS is served by a ``requests`` adapter
mounted on the platform's session, and every other adapter is switched off.
"""

from __future__ import annotations

import pytest
import requests

from devkit.dev_platform import create_app
from devkit.dev_platform.web import EXTENSION_KEY
from tests.platform.helpers import (
    TOOL_JWKS_URL,
    JwksStub,
    PlatformDriver,
    StubTool,
    new_rsa_key,
)


@pytest.fixture(autouse=True)
def no_real_http(monkeypatch):
    """Fail any request that would leave through a real HTTP connection."""

    def refuse(*args, **kwargs):
        raise AssertionError("The dev platform tests may not make real HTTP calls")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", refuse)


@pytest.fixture(scope="session")
def tool_key():
    """The stub tool's RSA key, made once per test run."""
    return new_rsa_key()


@pytest.fixture
def tool(tool_key) -> StubTool:
    return StubTool(tool_key)


@pytest.fixture(scope="session")
def platform_key_dir(tmp_path_factory):
    """One platform key pair for the run: making a 2048-bit key per test is slow."""
    return tmp_path_factory.mktemp("platform-keys")


@pytest.fixture
def platform_config(platform_key_dir) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "platform-test-secret",
        "PLATFORM_KEY_DIR": platform_key_dir,
    }


@pytest.fixture
def platform_app(platform_config, tool):
    app = create_app(platform_config)
    tool.jwks_stub = JwksStub([tool.jwks()])
    app.extensions[EXTENSION_KEY].tool_keys.session.mount(TOOL_JWKS_URL, tool.jwks_stub)
    return app


@pytest.fixture
def platform_client(platform_app):
    return platform_app.test_client()


@pytest.fixture
def driver(platform_app, platform_client) -> PlatformDriver:
    """Acts as the browser and the tool's front channel against the platform."""
    return PlatformDriver(platform_app, platform_client)
