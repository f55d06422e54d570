"""Start the tool, the dev platform (OnTrack stand-in) and the Panopto simulator on loopback.

``make demo`` runs ``python -m devkit.demo``. The browser tests start the same stack on free
ports through :class:`DemoStack`.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_PORTS = {"tool": 8000, "platform": 8001, "panopto": 8002}
CLIENT_ID = "panopto-tool-dev"
DEPLOYMENT_ID = "ontrack-dev-1"
#: Seconds to wait for a process to accept connections before giving up.
START_TIMEOUT_SECONDS = 30


@dataclass
class DemoStack:
    """The three processes of the demo, on the given loopback ports."""

    workdir: Path
    tool_port: int = DEFAULT_PORTS["tool"]
    platform_port: int = DEFAULT_PORTS["platform"]
    panopto_port: int = DEFAULT_PORTS["panopto"]
    tool_workers: int = 2
    #: Where the tool keeps its key pair; None means TOOL_KEYS_DIR, else the project's keys/.
    keys_dir: Path | None = None
    #: The tool's database; None means DATABASE_URL, else SQLite in ``workdir``.
    database_url: str | None = None
    #: Extra settings for the Panopto simulator, e.g. ``SIM_PROCESSING_SECONDS``.
    panopto_settings: dict[str, str] = field(default_factory=dict)
    #: The tool's shared store; None means REDIS_URL, "" means none (the database).
    redis_url: str | None = None
    #: More settings for the tool's environment (e.g. a short circuit-breaker pause).
    tool_settings: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def tool_url(self) -> str:
        return f"http://{HOST}:{self.tool_port}"

    @property
    def platform_url(self) -> str:
        return f"http://{HOST}:{self.platform_port}"

    @property
    def panopto_url(self) -> str:
        return f"http://{HOST}:{self.panopto_port}"

    def start(self) -> None:
        for port in (self.tool_port, self.platform_port, self.panopto_port):
            if _port_in_use(port):
                raise SystemExit(
                    f"Port {port} on {HOST} is already in use; stop what uses it."
                )

        self.workdir.mkdir(parents=True, exist_ok=True)
        panopto_secret = secrets.token_urlsafe(24)
        try:
            self._spawn(
                "panopto", self._panopto_command(), self._panopto_env(panopto_secret)
            )
            self._spawn("platform", self._platform_command(), self._platform_env())
            self._spawn("tool", self._tool_command(), self._tool_env(panopto_secret))
            for port in (self.panopto_port, self.platform_port, self.tool_port):
                self._wait_for(port)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    def __enter__(self) -> DemoStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        logger.info("Starting %s", name)
        self.processes.append(
            subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
        )

    def _wait_for(self, port: int) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.processes):
                raise SystemExit(
                    "A demo process stopped while starting; see the log above."
                )
            if _port_in_use(port):
                return
            time.sleep(0.2)
        raise SystemExit(
            f"Nothing answered on port {port} after {START_TIMEOUT_SECONDS} s."
        )

    def _panopto_command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "devkit.panopto_sim",
            "--host",
            HOST,
            "--port",
            str(self.panopto_port),
        ]

    def _panopto_env(self, client_secret: str) -> dict[str, str]:
        return {
            "SIM_BASE_URL": self.panopto_url,
            "SIM_CLIENT_ID": CLIENT_ID,
            "PANOPTO_CLIENT_SECRET": client_secret,
            "SIM_REDIRECT_URIS": f"{self.tool_url}/panopto/callback",
            "SECRET_KEY": secrets.token_urlsafe(32),
            **self.panopto_settings,
        }

    def _platform_command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "devkit.dev_platform",
            "--host",
            HOST,
            "--port",
            str(self.platform_port),
        ]

    def _platform_env(self) -> dict[str, str]:
        return {
            "PLATFORM_URL": self.platform_url,
            "TOOL_LOGIN_URL": f"{self.tool_url}/lti/login",
            "TOOL_LAUNCH_URL": f"{self.tool_url}/lti/launch",
            "TOOL_JWKS_URL": f"{self.tool_url}/lti/jwks",
            "CLIENT_ID": CLIENT_ID,
            "DEPLOYMENT_ID": DEPLOYMENT_ID,
            "PLATFORM_KEY_DIR": str(self.workdir / "platform-keys"),
            "SECRET_KEY": secrets.token_urlsafe(32),
        }

    def _tool_command(self) -> list[str]:
        return [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--workers",
            str(self.tool_workers),
            "--bind",
            f"{HOST}:{self.tool_port}",
            "wsgi:app",
        ]

    def _tool_env(self, panopto_secret: str) -> dict[str, str]:
        return {
            "SECRET_KEY": secrets.token_urlsafe(32),
            "PANOPTO_BASE_URL": self.panopto_url,
            "PANOPTO_CLIENT_ID": CLIENT_ID,
            "PANOPTO_CLIENT_SECRET": panopto_secret,
            "LTI_CONFIG": str(self._write_lti_config()),
            "DATABASE_URL": self.database_url
            or os.environ.get("DATABASE_URL")
            or f"sqlite:///{self.workdir / 'tool.sqlite3'}",
            "TOOL_KEYS_DIR": str(
                self.keys_dir or os.environ.get("TOOL_KEYS_DIR") or ROOT / "keys"
            ),
            "REDIS_URL": os.environ.get("REDIS_URL", "")
            if self.redis_url is None
            else self.redis_url,
            # A terminal, not a log shipper: plain lines, and only what needs attention.
            "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text"),
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            **self.tool_settings,
        }

    def _write_lti_config(self) -> Path:
        """The dev platform's registration, in pylti1p3's ToolConfJsonFile shape."""
        if self.platform_port == DEFAULT_PORTS["platform"]:
            return ROOT / "lti_config" / "dev-platform.json"

        path = self.workdir / "lti-config.json"
        registration = {
            "default": True,
            "client_id": CLIENT_ID,
            "auth_login_url": f"{self.platform_url}/lti/authorize",
            "auth_token_url": f"{self.platform_url}/lti/token",
            "key_set_url": f"{self.platform_url}/.well-known/jwks.json",
            "deployment_ids": [DEPLOYMENT_ID],
        }
        path.write_text(json.dumps({self.platform_url: [registration]}, indent=2))
        return path


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def _ports_from_environment() -> dict[str, int]:
    """``DEMO_PORT=9000`` puts the tool on 9000, the platform on 9001, Panopto on 9002."""
    first = os.environ.get("DEMO_PORT", "").strip()
    if not first:
        return {}
    if not first.isdigit():
        raise SystemExit("DEMO_PORT must be a port number, such as 9000.")
    base = int(first)
    return {"tool_port": base, "platform_port": base + 1, "panopto_port": base + 2}


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    stack = DemoStack(workdir=ROOT / "instance" / "demo", **_ports_from_environment())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    with stack:
        logger.info(
            "\nThe demo is running. Open this in your browser:\n\n    %s/\n\n"
            "OnTrack stand-in: %s  ·  tool: %s  ·  Panopto simulator: %s\n"
            "Press Ctrl+C to stop.",
            stack.platform_url,
            stack.platform_url,
            stack.tool_url,
            stack.panopto_url,
        )
        try:
            while all(process.poll() is None for process in stack.processes):
                time.sleep(0.5)
            logger.error("A demo process stopped; shutting the others down.")
        except KeyboardInterrupt:
            logger.info("Stopping the demo.")


if __name__ == "__main__":
    main()
