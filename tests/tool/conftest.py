"""Fixtures for the tool's own tests: a registered test platform and its driver."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app import create_app
from app.keys import PRIVATE_KEY_FILE, PUBLIC_KEY_FILE
from tests.tool.lti_harness import (
    KeyPair,
    PlatformDriver,
    new_key_pair,
    registrations_json,
)
from tests.tool.sim_helpers import simulator


@pytest.fixture(scope="session")
def platform_keys() -> KeyPair:
    return new_key_pair()


@pytest.fixture(scope="session")
def stranger_keys() -> KeyPair:
    """A key pair nobody registered: tokens signed with it must be refused."""
    return new_key_pair()


@pytest.fixture(scope="session")
def tool_key_pair() -> KeyPair:
    """Made once and copied into each test's key folder, to keep the suite fast."""
    return new_key_pair()


@pytest.fixture
def tool_url(tool_port) -> str:
    return f"http://127.0.0.1:{tool_port}"


def install_tool_keys(folder: Path, keys: KeyPair) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    private = folder / PRIVATE_KEY_FILE
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(keys.private_pem)
    (folder / PUBLIC_KEY_FILE).write_text(keys.public_pem)


def write_lti_config(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "lti-config.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def app_config(app_config, tmp_path, platform_keys, tool_key_pair):
    """The shared tool settings plus the test platform's registration (inline key set)."""
    install_tool_keys(Path(app_config["TOOL_KEYS_DIR"]), tool_key_pair)
    config_path = write_lti_config(tmp_path, registrations_json(platform_keys))
    return {**app_config, "LTI_CONFIG": config_path}


@pytest.fixture
def platform(client, tool_url, platform_keys) -> PlatformDriver:
    return PlatformDriver(client, tool_url, platform_keys)


@pytest.fixture
def sim_url(panopto_sim) -> str:
    return panopto_sim[0]


@pytest.fixture
def sim(panopto_sim):
    """The simulator's in-process controls: faults, call count, token expiry, reset."""
    return simulator(panopto_sim[1])


@pytest.fixture
def sim_app(app_config, panopto_sim):
    """The tool talking to the Panopto simulator."""
    sim_url, _ = panopto_sim
    return create_app({**app_config, "PANOPTO_BASE_URL": sim_url})


@pytest.fixture
def sim_client(sim_app):
    return sim_app.test_client()


@pytest.fixture
def sim_platform(sim_client, tool_url, platform_keys) -> PlatformDriver:
    return PlatformDriver(sim_client, tool_url, platform_keys)
