"""Shared fixtures: the tool app, its client, and a Panopto simulator on loopback."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, sync_playwright

from app import create_app
from tests import services
from tests.servers import free_port, serve

SIM_CLIENT_ID = "panopto-tool-test"
SIM_CLIENT_SECRET = "test-secret-for-the-simulator"


@pytest.fixture(autouse=True)
def no_network_beyond_loopback(monkeypatch):
    """Refuse any outgoing connection that is not to this machine."""
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "localhost", "::1"):
            raise OSError(f"Tests may not connect to {host}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(autouse=True)
def retry_waits(monkeypatch) -> list[float]:
    """Waits between Panopto retries, recorded instead of slept so that tests stay fast."""
    waits: list[float] = []
    monkeypatch.setattr("app.http.pause", waits.append)
    return waits


@pytest.fixture
def tool_port() -> int:
    return free_port()


@pytest.fixture
def sim_settings() -> dict:
    """Settings a test module adds to its Panopto simulator (override this fixture)."""
    return {}


@pytest.fixture
def panopto_sim(tool_port, sim_settings):
    """A Panopto simulator on a free loopback port; yields (base_url, simulator app)."""
    from devkit.panopto_sim import create_app as create_sim

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    sim = create_sim(
        {
            "SIM_BASE_URL": base_url,
            "SIM_CLIENT_ID": SIM_CLIENT_ID,
            "SIM_CLIENT_SECRET": SIM_CLIENT_SECRET,
            "SIM_REDIRECT_URIS": [f"http://127.0.0.1:{tool_port}/panopto/callback"],
            "SECRET_KEY": "sim-test-secret",
            "TESTING": True,
            **sim_settings,
        }
    )
    with serve(sim, port=port) as url:
        yield url, sim


@pytest.fixture
def app_config(tmp_path, tool_port):
    return {
        "TESTING": True,
        "SECRET_KEY": "tool-test-secret",
        "SERVER_NAME": f"127.0.0.1:{tool_port}",
        "PREFERRED_URL_SCHEME": "http",
        "PANOPTO_BASE_URL": "http://127.0.0.1:9",
        "PANOPTO_CLIENT_ID": SIM_CLIENT_ID,
        "PANOPTO_CLIENT_SECRET": SIM_CLIENT_SECRET,
        "TOOL_KEYS_DIR": tmp_path / "keys",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'tool.sqlite3'}",
        # One key per test, as a deployment has one: apps of a test that share a database
        # read each other's tokens, as workers and instances do.
        "TOKEN_ENCRYPTION_KEYS": (Fernet.generate_key().decode(),),
    }


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL of an empty PostgreSQL schema of this test's own."""
    if not services.HAS_POSTGRES:
        pytest.skip(services.needs_postgres.kwargs["reason"])
    with services.postgres_schema() as url:
        yield url


@pytest.fixture
def redis_config() -> Iterator[dict[str, str]]:
    """Settings that put the tool's shared store in Redis, under a prefix of its own."""
    if not services.REDIS_URL:
        pytest.skip(services.needs_redis.kwargs["reason"])
    with services.redis_prefix() as prefix:
        yield {"REDIS_URL": services.REDIS_URL, "REDIS_KEY_PREFIX": prefix}


@pytest.fixture
def app(app_config):
    return create_app(app_config)


@pytest.fixture
def client(app):
    return app.test_client()


#: Flags for a headless Chromium on a machine with no network beyond loopback: without the
#: background-networking ones Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A made-up camera and microphone, and permission prompts answered yes, so recording
    # can be tested; pages that never ask for media are not affected.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole run: Playwright's sync API allows one instance at a time."""
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed: run `make browser`"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()
