"""Run the simulator as ``python -m devkit.panopto_sim`` on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 15.0
REQUEST_TIMEOUT = 5.0
LIVE_SECRET = "live-secret"


def clean_environment(**extra: str) -> dict[str, str]:
    """The test run's environment without any simulator settings, plus ``extra``."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PANOPTO_", "SIM_"))
    }
    return {**env, **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def live_simulator(**settings: str) -> Iterator[str]:
    """Start the simulator, yield its base URL, and stop it afterwards.

    :param settings: extra environment variables, e.g. ``SIM_REDIRECT_URIS``.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_environment(
        PANOPTO_CLIENT_SECRET=LIVE_SECRET, SIM_BASE_URL=base, **settings
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "devkit.panopto_sim", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, "the simulator exited during start-up"
        try:
            requests.get(f"{base}/Panopto/", timeout=REQUEST_TIMEOUT)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("the simulator did not start in time")
