"""Settings, and the simulator run as a module on loopback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from devkit.panopto_sim import create_app
from devkit.panopto_sim.settings import SettingsError, from_environment

from .live import (
    LIVE_SECRET,
    REPO_ROOT,
    REQUEST_TIMEOUT,
    clean_environment,
    live_simulator,
)


def test_create_app_refuses_to_start_without_a_client_secret() -> None:
    with pytest.raises(SettingsError, match="PANOPTO_CLIENT_SECRET"):
        create_app({})


@pytest.mark.parametrize(
    "override",
    [
        {"SIM_PAGE_SIZE": 0},
        {"SIM_LATENCY_MS": -1},
        {"SIM_REDIRECT_URIS": "http://127.0.0.1:8000/panopto/callback"},
        {"SIM_REDIRECT_URIS": ["javascript:alert(1)"]},
    ],
)
def test_create_app_checks_settings(override: dict) -> None:
    with pytest.raises(SettingsError):
        create_app({"SIM_CLIENT_SECRET": "s", **override})


def test_environment_settings_are_parsed() -> None:
    config = from_environment(
        {
            "PANOPTO_CLIENT_SECRET": "from-env",
            "SIM_REDIRECT_URIS": "http://a.test/cb, http://b.test/cb",
            "SIM_PAGE_SIZE": "3",
            "SIM_CONTROL": "false",
            "UNRELATED": "x",
        }
    )

    assert config == {
        "SIM_CLIENT_SECRET": "from-env",
        "SIM_REDIRECT_URIS": ["http://a.test/cb", "http://b.test/cb"],
        "SIM_PAGE_SIZE": 3,
        "SIM_CONTROL": False,
    }


def test_bad_environment_values_name_the_variable() -> None:
    with pytest.raises(SettingsError, match="SIM_PAGE_SIZE"):
        from_environment({"SIM_PAGE_SIZE": "ten"})


def run_module(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "devkit.panopto_sim", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_module_refuses_to_start_without_the_secret() -> None:
    result = run_module("--port", "1", env=clean_environment())

    assert result.returncode == 2
    assert "PANOPTO_CLIENT_SECRET" in result.stderr


def test_module_refuses_a_non_loopback_host() -> None:
    result = run_module(
        "--host", "0.0.0.0", env=clean_environment(PANOPTO_CLIENT_SECRET="s")
    )

    assert result.returncode == 2
    assert "loopback" in result.stderr


@pytest.fixture
def running_simulator() -> Iterator[str]:
    with live_simulator() as base:
        yield base


def test_module_serves_tokens_and_api_over_http(running_simulator: str) -> None:
    base = running_simulator
    token = requests.post(
        f"{base}/Panopto/oauth2/connect/token",
        data={
            "grant_type": "password",
            "username": "stu.student",
            "password": "stu-demo-pass",
            "scope": "openid api",
        },
        auth=("panopto-tool-dev", LIVE_SECRET),
        timeout=REQUEST_TIMEOUT,
    ).json()

    session = requests.get(
        f"{base}/Panopto/api/v1/sessions/5e550000-0000-4000-8000-000000000101",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=REQUEST_TIMEOUT,
    ).json()

    assert session["Name"] == "Café ☕ – 日本語 intro"
    assert session["Urls"]["EmbedUrl"].startswith(
        f"{base}/Panopto/Pages/Embed.aspx?id="
    )
