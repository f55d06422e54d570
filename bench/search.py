"""Chooser search with a Panopto that takes 150 ms per call: cold against warm.

The Panopto simulator runs with ``SIM_LATENCY_MS=150``. After a Deep Linking launch and a
real Panopto sign-in (the simulator's OAuth2 pages), one chooser asks ``/chooser/api/search``
for distinct queries (cold: each one goes to Panopto), then asks them all again while the
short response cache still holds them (warm). One request at a time, so the figures are
latencies, not queueing.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests
from cryptography.fernet import Fernet

from .common import (
    HOST,
    HTTP_TIMEOUT,
    LaunchUrls,
    Platform,
    deep_linking_claims,
    free_port,
    gunicorn,
    launch_once,
    mean,
    ms,
    percentile,
    postgres_schema,
    process_on,
    redis_prefix,
    service_urls,
)

PANOPTO_LATENCY_MS = 150
QUERIES = [f"lecture {n}" for n in range(1, 21)] + ["revision", "exam", "cafe", "week"]
WARM_PASSES = 3
SIM_CLIENT_ID = "panopto-tool-bench"
SIM_USER = ("ina.instructor", "ina-demo-pass")
TOKEN = re.compile(r'data-token="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class SearchFigures:
    cold: list[float]
    warm: list[float]

    @property
    def ratio(self) -> float:
        return percentile(self.cold, 0.5) / percentile(self.warm, 0.5)


def run() -> SearchFigures:
    database_url, redis_url = service_urls()
    platform = Platform()
    client_secret = secrets.token_urlsafe(16)
    sim_port = free_port()
    sim_url = f"http://{HOST}:{sim_port}"
    with (
        tempfile.TemporaryDirectory(prefix="bench-search-") as folder,
        postgres_schema(database_url) as schema_url,
        redis_prefix(redis_url) as prefix,
    ):
        workdir = Path(folder)
        tool_port = free_port()
        tool_url = f"http://{HOST}:{tool_port}"
        sim_env = {
            "SIM_BASE_URL": sim_url,
            "SIM_CLIENT_ID": SIM_CLIENT_ID,
            "PANOPTO_CLIENT_SECRET": client_secret,
            "SIM_REDIRECT_URIS": tool_url + "/panopto/callback",
            "SIM_LATENCY_MS": str(PANOPTO_LATENCY_MS),
            "SIM_SECRET_KEY": secrets.token_urlsafe(16),
        }
        sim_command = [
            sys.executable,
            "-m",
            "devkit.panopto_sim",
            "--host",
            HOST,
            "--port",
            str(sim_port),
        ]
        config = workdir / "lti.json"
        config.write_text(json.dumps(platform.registration()))
        tool_env = {
            "SECRET_KEY": secrets.token_urlsafe(32),
            "PANOPTO_BASE_URL": sim_url,
            "PANOPTO_CLIENT_ID": SIM_CLIENT_ID,
            "PANOPTO_CLIENT_SECRET": client_secret,
            "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "LTI_CONFIG": str(config),
            "TOOL_KEYS_DIR": str(workdir / "keys"),
            "DATABASE_URL": schema_url,
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": prefix,
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
        }
        with (
            process_on("panopto-sim", sim_command, sim_env, workdir, sim_port),
            gunicorn("tool", "wsgi:app", tool_env, workdir, "/readyz", port=tool_port),
        ):
            browser = requests.Session()
            token = _open_chooser(browser, platform, tool_url)
            _sign_in(browser, tool_url, token)
            cold = [_search(browser, tool_url, token, q) for q in QUERIES]
            warm = [
                _search(browser, tool_url, token, q)
                for _ in range(WARM_PASSES)
                for q in QUERIES
            ]
    return SearchFigures(cold, warm)


def _open_chooser(browser: requests.Session, platform: Platform, tool_url: str) -> str:
    urls = LaunchUrls(tool_url + "/lti/login", tool_url + "/lti/launch")
    page = launch_once(browser, platform, urls, deep_linking_claims(), "instructor-1")
    found = TOKEN.search(page.text)
    if not found:
        raise SystemExit("The chooser page carries no token.")
    return html.unescape(found.group(1))


def _sign_in(browser: requests.Session, tool_url: str, token: str) -> None:
    """The chooser's pop-up: /panopto/connect, Panopto's sign-in form, /panopto/callback."""
    connect = browser.post(
        tool_url + "/panopto/connect",
        data={"token": token},
        headers={"Origin": tool_url},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    authorize_url = connect.headers["Location"]
    form = browser.get(authorize_url, timeout=HTTP_TIMEOUT)
    csrf = CSRF.search(form.text)
    if not csrf:
        raise SystemExit("The Panopto simulator's sign-in page has no form.")
    signed_in = browser.post(
        urljoin(authorize_url, form.url),
        data={
            "csrf_token": csrf.group(1),
            "username": SIM_USER[0],
            "password": SIM_USER[1],
        },
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    callback = browser.get(signed_in.headers["Location"], timeout=HTTP_TIMEOUT)
    if callback.status_code != 200:
        raise SystemExit(f"Panopto sign-in failed: {callback.status_code}")


def _search(browser: requests.Session, tool_url: str, token: str, query: str) -> float:
    started = time.perf_counter()
    answer = browser.get(
        tool_url + "/chooser/api/search",
        params={"q": query},
        headers={"X-Chooser-Token": token},
        timeout=HTTP_TIMEOUT,
    )
    seconds = time.perf_counter() - started
    if answer.status_code != 200:
        raise SystemExit(f"search answered {answer.status_code}: {answer.text[:200]}")
    return seconds


def report(figures: SearchFigures) -> list[str]:
    lines = [
        f"Chooser search, Panopto simulated at {PANOPTO_LATENCY_MS} ms per call, "
        f"one request at a time",
        f"{'':<30}{'requests':>9}{'p50':>11}{'mean':>11}",
        f"{'cold (each goes to Panopto)':<30}{len(figures.cold):>9}"
        f"{ms(percentile(figures.cold, 0.5)):>11}{ms(mean(figures.cold)):>11}",
        f"{'warm (short response cache)':<30}{len(figures.warm):>9}"
        f"{ms(percentile(figures.warm, 0.5)):>11}{ms(mean(figures.warm)):>11}",
        f"warm is {figures.ratio:.0f}x faster than cold at p50 (target >= 10)",
    ]
    return lines
