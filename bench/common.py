"""What the benchmarks share: a signing platform, servers under gunicorn, load and figures.

Everything runs on loopback. Servers are real ``gunicorn`` processes; their CPU time is read
from ``/proc`` (the workers' user + system time), so client work never counts against them.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import psycopg
import redis
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

ISSUER = "https://ontrack.bench"
CLIENT_ID = "panopto-tool-bench"
DEPLOYMENT_ID = "bench-1"
AUTH_LOGIN_URL = ISSUER + "/lti/authorize"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
VIDEO_ID = "5e550000-0000-4000-8000-000000000001"

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
START_TIMEOUT_SECONDS = 60
HTTP_TIMEOUT = 30
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# -- the platform ------------------------------------------------------------------------


class Platform:
    """An LTI platform reduced to what a launch needs: a key pair and signed id_tokens.

    :param pem: the private key, to rebuild the same platform in a client process.
    """

    def __init__(self, pem: bytes | None = None, kid: str | None = None) -> None:
        if pem is None:
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            self.key = serialization.load_pem_private_key(pem, password=None)
        self.kid = kid or secrets.token_hex(8)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    @property
    def pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def registration(self, **extra: Any) -> dict[str, Any]:
        """This platform in pylti1p3's ToolConfJsonFile shape (keys inline)."""
        entry = {
            "default": True,
            "client_id": CLIENT_ID,
            "auth_login_url": AUTH_LOGIN_URL,
            "auth_token_url": ISSUER + "/lti/token",
            "key_set": self.jwks,
            "deployment_ids": [DEPLOYMENT_ID],
            **extra,
        }
        return {ISSUER: [entry]}

    def login_query(
        self, target_link_uri: str, user: str, hint: str = "resource"
    ) -> dict[str, str]:
        return {
            "iss": ISSUER,
            "client_id": CLIENT_ID,
            "login_hint": user,
            "lti_message_hint": hint,
            "target_link_uri": target_link_uri,
            "lti_deployment_id": DEPLOYMENT_ID,
        }

    def id_token(
        self,
        auth_request: dict[str, str],
        claims: dict[str, Any],
        user: str = "student-1",
    ) -> str:
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": user,
            "iat": now,
            "exp": now + 300,
            "nonce": auth_request["nonce"],
            LTI + "version": "1.3.0",
            LTI + "deployment_id": DEPLOYMENT_ID,
            LTI + "target_link_uri": auth_request["redirect_uri"],
            **claims,
        }
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": self.kid})


#: The unit every benchmark launch comes from.
CONTEXT_ID = "unit-1"


def resource_claims(custom: dict[str, str] | None = None) -> dict[str, Any]:
    """A student's view of a placed video; ``custom`` is the placed item's (see
    :func:`place_video`)."""
    return {
        LTI + "message_type": "LtiResourceLinkRequest",
        LTI + "roles": [LEARNER],
        LTI + "resource_link": {"id": "placement-1", "title": "Lecture 1"},
        LTI + "custom": custom or {"panopto_session_id": VIDEO_ID},
        LTI + "context": {"id": CONTEXT_ID, "title": "SIT999"},
    }


def place_video(database_url: str) -> dict[str, str]:
    """Record a placement of the benchmark video in the tool's database, as an insert
    through the chooser does; return the custom parameters of its content item."""
    from sqlalchemy import create_engine, insert

    from app.config import database_url as sqlalchemy_url
    from app.models import Placement

    row = {
        "id": secrets.token_urlsafe(24),
        "issuer": ISSUER,
        "client_id": CLIENT_ID,
        "deployment_id": DEPLOYMENT_ID,
        "context_id": CONTEXT_ID,
        "session_id": VIDEO_ID,
        "created_by": "instructor-1",
        "created_at": time.time(),
    }
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.begin() as connection:
        connection.execute(insert(Placement.__table__).values(**row))
    engine.dispose()
    return {"panopto_session_id": VIDEO_ID, "panopto_placement_id": row["id"]}


def deep_linking_claims() -> dict[str, Any]:
    return {
        LTI + "message_type": "LtiDeepLinkingRequest",
        LTI + "roles": [INSTRUCTOR],
        LTI + "context": {"id": "unit-1", "title": "SIT999"},
        DL + "deep_linking_settings": {
            "deep_link_return_url": ISSUER + "/lti/deep-link/return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe"],
            "accept_multiple": True,
        },
    }


@dataclass
class LaunchUrls:
    login: str
    launch: str


def launch_once(
    browser: requests.Session,
    platform: Platform,
    urls: LaunchUrls,
    claims: dict,
    user: str | None = None,
) -> requests.Response:
    """Login → the tool's authentication request → the signed id_token POST → its page.

    :param user: who launches (the ``sub``); by default someone new each time, as when a
        class opens a video: nothing a tool keeps per person helps it here.
    """
    user = user or "student-" + secrets.token_hex(8)
    query = platform.login_query(urls.launch, user)
    login = browser.get(
        urls.login, params=query, allow_redirects=False, timeout=HTTP_TIMEOUT
    )
    if login.status_code != 302:
        raise RuntimeError(f"login answered {login.status_code}: {login.text[:200]}")

    auth_request = {
        key: values[0]
        for key, values in parse_qs(urlsplit(login.headers["Location"]).query).items()
    }
    id_token = platform.id_token(auth_request, claims, user)
    page = browser.post(
        auth_request["redirect_uri"],
        data={"id_token": id_token, "state": auth_request["state"]},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    if page.status_code != 200:
        raise RuntimeError(f"launch answered {page.status_code}: {page.text[:300]}")
    return page


# -- servers -----------------------------------------------------------------------------


@dataclass
class Server:
    """A gunicorn server; ``cpu_seconds()`` is its workers' CPU time so far."""

    name: str
    url: str
    process: subprocess.Popen
    log_path: Path

    def cpu_seconds(self) -> float:
        """User + system CPU of the live workers, plus that of workers already replaced
        (which the kernel adds to the master's children totals when it reaps them)."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            fields = _stat_fields(stat)
            if fields and int(fields[1]) == self.process.pid:
                total += int(fields[11]) + int(fields[12])
        master = _stat_fields(Path(f"/proc/{self.process.pid}/stat"))
        if master:
            total += int(master[13]) + int(master[14])
        return total / CLOCK_TICKS


def _stat_fields(path: Path) -> list[str] | None:
    """/proc/PID/stat after the command name: state, ppid, … (utime is the 12th)."""
    try:
        return path.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


@contextmanager
def gunicorn(
    name: str,
    app: str,
    env: dict[str, str],
    workdir: Path,
    ready_path: str,
    workers: int = 2,
    config: bool = True,
    port: int | None = None,
) -> Iterator[Server]:
    """``gunicorn -w N`` on a loopback port (a free one by default), until the block ends.

    :param config: use the repository's ``gunicorn.conf.py`` (our tool), or gunicorn's own
        defaults (the baseline and the floor).
    """
    port = port or free_port()
    command = [
        str(BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
    ]
    if config:
        command[1:1] = ["--config", str(ROOT / "gunicorn.conf.py")]
    with process_on(name, [*command, app], env, workdir, port, ready_path) as server:
        yield server


@contextmanager
def process_on(
    name: str,
    command: list[str],
    env: dict[str, str],
    workdir: Path,
    port: int,
    ready_path: str = "/",
) -> Iterator[Server]:
    """Run ``command`` (logging to ``workdir/NAME.log``) until it answers on ``port``, and
    stop it when the block ends."""
    log_path = workdir / f"{name}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(name, f"http://{HOST}:{port}", process, log_path)
    try:
        _wait_until_ready(server, ready_path)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_ready(server: Server, path: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} stopped; see {server.log_path}")
        try:
            if requests.get(server.url + path, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not start; see {server.log_path}")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# -- PostgreSQL and Redis ----------------------------------------------------------------


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A throw-away schema; yields a SQLAlchemy URL that uses only it."""
    schema = "bench_" + secrets.token_hex(5)
    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in plain else "?"
    try:
        yield plain + separator + urlencode({"options": f"-csearch_path={schema}"})
    finally:
        with psycopg.connect(plain, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def redis_prefix(url: str) -> Iterator[str]:
    prefix = f"bench-{secrets.token_hex(5)}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        client.close()


def service_urls() -> tuple[str, str]:
    database = os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    cache = os.environ.get("REDIS_URL", "").strip() or DEFAULT_REDIS_URL
    if not database.startswith(("postgresql", "postgres")):
        raise SystemExit(
            "The benchmarks need PostgreSQL: DATABASE_URL must be postgresql://…"
        )
    return database, cache


# -- load and figures --------------------------------------------------------------------


@dataclass
class Run:
    """Latencies (seconds) of the operations finished in ``elapsed`` seconds."""

    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    cpu_seconds: float = 0.0
    errors: int = 0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def percentile(self, share: float) -> float:
        return percentile(self.latencies, share)

    @property
    def cpu_per_operation(self) -> float:
        return self.cpu_seconds / self.count if self.count else 0.0

    def merge(self, other: Run) -> Run:
        return Run(
            self.latencies + other.latencies,
            self.elapsed + other.elapsed,
            self.cpu_seconds + other.cpu_seconds,
            self.errors + other.errors,
        )


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share 0.5 = p50, 0.99 = p99)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(share * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def new_id() -> str:
    return uuid.uuid4().hex


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started
