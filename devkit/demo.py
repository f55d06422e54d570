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

from cryptography.fernet import Fernet

from .tls import TlsFiles, make_loopback_certificate

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_PORTS = {"tool": 8000, "platform": 8001, "panopto": 8002}
CLIENT_ID = "panopto-tool-dev"
DEPLOYMENT_ID = "ontrack-dev-1"
#: Panopto's identity provider for OnTrack users: user keys ``OnTrack\{username}``.
PANOPTO_PROVIDER = "OnTrack"
#: How the demo deployment lets viewers in: the tool grants each one the Viewer role on
#: the session just in time, mapping OnTrack usernames to the provider's users.
DEMO_DEPLOYMENT_OPTIONS = {
    "access_mode": "grant",
    "panopto_provider": PANOPTO_PROVIDER,
    "username_claim": "preferred_username",
    "provider_sign_in": False,
    # Like OnTrack, the dev platform lets nobody edit a link's custom parameters.
    "trust_context_history": True,
}
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
    #: Names the browser uses for each process. ``localhost`` for the tool makes it a
    #: different site from the platform (``127.0.0.1``), as OnTrack and the tool are.
    tool_host: str = HOST
    platform_host: str = HOST
    #: Serve the platform and the simulator over HTTPS with a throw-away certificate
    #: (made in ``workdir``), and the tool too unless ``tool_tls`` says otherwise.
    tls: bool = False
    tool_tls: bool | None = None
    #: The dev platform's PLATFORM_STORAGE: frame, parent or off.
    platform_storage: str = "frame"
    #: Let the dev platform register the tool dynamically without an invitation.
    open_registration: bool = True
    #: UNKNOWN_DEPLOYMENTS of the tool.
    unknown_deployments: str = "hold"
    #: The demo deployment's viewer-access settings; None means DEMO_DEPLOYMENT_OPTIONS.
    deployment_options: dict[str, object] | None = None
    processes: list[subprocess.Popen] = field(default_factory=list)
    tls_files: TlsFiles | None = None
    #: The tool's ADMIN_TOKEN, made at start and kept in ``admin_token_file``.
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def tool_scheme(self) -> str:
        return (
            "https"
            if (self.tls if self.tool_tls is None else self.tool_tls)
            else "http"
        )

    @property
    def tool_url(self) -> str:
        return f"{self.tool_scheme}://{self.tool_host}:{self.tool_port}"

    @property
    def platform_url(self) -> str:
        return f"{self.scheme}://{self.platform_host}:{self.platform_port}"

    @property
    def panopto_url(self) -> str:
        return f"{self.scheme}://{HOST}:{self.panopto_port}"

    @property
    def admin_token_file(self) -> Path:
        return self.workdir / "admin-token.txt"

    def start(self) -> None:
        for port in (self.tool_port, self.platform_port, self.panopto_port):
            if _port_in_use(port):
                raise SystemExit(
                    f"Port {port} on {HOST} is already in use; stop what uses it."
                )

        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.tls:
            self.tls_files = make_loopback_certificate(self.workdir / "tls")
        self._write_admin_token()
        panopto_secret = secrets.token_urlsafe(24)
        # The simulator and the tool share the provider's application key, as a real
        # site and its integration do; a new one each run.
        idp_key = secrets.token_urlsafe(24)
        try:
            self._spawn(
                "panopto",
                self._panopto_command(),
                self._panopto_env(panopto_secret, idp_key),
            )
            self._spawn("platform", self._platform_command(), self._platform_env())
            self._spawn(
                "tool", self._tool_command(), self._tool_env(panopto_secret, idp_key)
            )
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
        if self.tls_files is not None:
            # Each server trusts the others' certificate when it calls them.
            env = {**env, "REQUESTS_CA_BUNDLE": str(self.tls_files.ca_cert)}
        self.processes.append(
            subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
        )

    def _write_admin_token(self) -> None:
        """Keep the admin token in a private file: it is a credential, so never logged."""
        path = self.admin_token_file
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(self.admin_token + "\n")

    def _tls_arguments(self) -> list[str]:
        if self.tls_files is None:
            return []
        return [
            "--certfile",
            str(self.tls_files.cert),
            "--keyfile",
            str(self.tls_files.key),
        ]

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
            *self._tls_arguments(),
        ]

    def _panopto_env(self, client_secret: str, idp_key: str) -> dict[str, str]:
        return {
            "SIM_BASE_URL": self.panopto_url,
            "SIM_CLIENT_ID": CLIENT_ID,
            "PANOPTO_CLIENT_SECRET": client_secret,
            "SIM_REDIRECT_URIS": f"{self.tool_url}/panopto/callback",
            "SIM_IDP_NAME": PANOPTO_PROVIDER,
            "PANOPTO_IDP_APPLICATION_KEY": idp_key,
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
            *self._tls_arguments(),
        ]

    def _platform_env(self) -> dict[str, str]:
        return {
            "PLATFORM_URL": self.platform_url,
            "TOOL_LOGIN_URL": f"{self.tool_url}/lti/login",
            "TOOL_LAUNCH_URL": f"{self.tool_url}/lti/launch",
            "TOOL_JWKS_URL": f"{self.tool_url}/lti/jwks",
            "TOOL_REGISTRATION_URL": f"{self.tool_url}/lti/register",
            "CLIENT_ID": CLIENT_ID,
            "DEPLOYMENT_ID": DEPLOYMENT_ID,
            "PLATFORM_KEY_DIR": str(self.workdir / "platform-keys"),
            "PLATFORM_STORAGE": self.platform_storage,
            # Over HTTPS the tool is another site: the platform's cookie must come back
            # on the tool frame's POSTs (SameSite=None; Secure), as real platforms do.
            "CROSS_SITE_COOKIES": "true" if self.tls else "false",
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
            *(self._tls_arguments() if self.tool_scheme == "https" else []),
            "wsgi:app",
        ]

    def _tool_env(self, panopto_secret: str, idp_key: str) -> dict[str, str]:
        return {
            "SECRET_KEY": secrets.token_urlsafe(32),
            # The demo makes its own throw-away secrets; production sets these itself.
            "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ADMIN_TOKEN": self.admin_token,
            "DYNAMIC_REGISTRATION_OPEN": "true" if self.open_registration else "false",
            "UNKNOWN_DEPLOYMENTS": self.unknown_deployments,
            "PANOPTO_IDP_APPLICATION_KEY": idp_key,
            "TOOL_BASE_URL": self.tool_url,
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
        default_platform = f"http://{HOST}:{DEFAULT_PORTS['platform']}"
        if self.platform_url == default_platform and self.deployment_options is None:
            return ROOT / "lti_config" / "dev-platform.json"

        path = self.workdir / "lti-config.json"
        registration = {
            "default": True,
            "client_id": CLIENT_ID,
            "auth_login_url": f"{self.platform_url}/lti/authorize",
            "auth_token_url": f"{self.platform_url}/lti/token",
            "key_set_url": f"{self.platform_url}/.well-known/jwks.json",
            "deployment_ids": [DEPLOYMENT_ID],
            "deployment_options": {
                DEPLOYMENT_ID: self.deployment_options or DEMO_DEPLOYMENT_OPTIONS
            },
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
            "The tool's admin page is %s/admin/ (its token is in %s).\n"
            "Press Ctrl+C to stop.",
            stack.platform_url,
            stack.platform_url,
            stack.tool_url,
            stack.panopto_url,
            stack.tool_url,
            stack.admin_token_file,
        )
        try:
            while all(process.poll() is None for process in stack.processes):
                time.sleep(0.5)
            logger.error("A demo process stopped; shutting the others down.")
        except KeyboardInterrupt:
            logger.info("Stopping the demo.")


if __name__ == "__main__":
    main()
