"""Full LTI launches under ``gunicorn -w 2``: our tool against the pylti1p3-example baseline.

One launch is what a browser does when a student opens a placed video: GET the login URL,
follow the tool's redirect to the platform (here the benchmark signs the id_token itself, as
the platform would), POST the id_token, get the player page. 16 clients launch at once
against a tool (two client processes of eight threads, so the client is not held back by one
GIL), each launch as a new visitor with no cookies of earlier launches.

Two measurements, both with 16 clients per tool:

- *alone*: each tool in turn, in short alternating rounds;
- *head to head*: both tools loaded at the same moment, 16 clients each. Whatever else runs
  on the machine then weighs on both alike, so the ratios are the steadier figures; each
  tool's absolute numbers are those of a machine it shares with the other.

Our tool runs as in production: ``gunicorn.conf.py``, PostgreSQL, Redis, JSON logs at INFO
and metrics. The baseline keeps launch data in Redis too (Flask-Caching).

The CPU part sets both tools' CPU time per launch against a floor: one RS256 verification of
an id_token (in this process) plus the CPU of two requests to the smallest Flask app under
the same gunicorn (a launch is two requests).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import jwt
import requests
from cryptography.fernet import Fernet

from .common import (
    LaunchUrls,
    Platform,
    Run,
    Server,
    gunicorn,
    launch_once,
    ms,
    place_video,
    postgres_schema,
    redis_prefix,
    resource_claims,
    service_urls,
)

CLIENT_PROCESSES = 2
THREADS_PER_PROCESS = 8
CLIENTS = CLIENT_PROCESSES * THREADS_PER_PROCESS
ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))
HEAD_TO_HEAD_SECONDS = float(os.environ.get("BENCH_HEAD_TO_HEAD_SECONDS", "24"))
WARMUP_SECONDS = 3.0
VERIFY_SAMPLES = 2000


@dataclass(frozen=True)
class Target:
    """What a client process needs to launch against one tool."""

    kind: str  # "launch" or "hello"
    login_url: str
    launch_url: str
    platform_pem: bytes
    platform_kid: str
    #: Custom parameters of the placed item the launches open (the baseline ignores them).
    custom: dict[str, str] | None = None


def _client_worker(target: Target, seconds: float) -> tuple[list[float], int]:
    """One client process: THREADS_PER_PROCESS threads launching until the time is up."""
    platform = Platform(target.platform_pem, target.platform_kid)
    urls = LaunchUrls(target.login_url, target.launch_url)
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def loop() -> None:
        browser = requests.Session()
        while time.perf_counter() < deadline:
            # Each launch is a new visitor: a browser that carries one launch's cookies,
            # not the state cookies of hundreds of earlier logins.
            browser.cookies.clear()
            started = time.perf_counter()
            try:
                if target.kind == "hello":
                    browser.get(target.login_url, timeout=30).raise_for_status()
                else:
                    launch_once(browser, platform, urls, resource_claims(target.custom))
            except (requests.RequestException, RuntimeError):
                with lock:
                    errors[0] += 1
                continue
            with lock:
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=loop) for _ in range(THREADS_PER_PROCESS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]


def drive(
    pool: ProcessPoolExecutor, server: Server, target: Target, seconds: float
) -> Run:
    """Load one server with CLIENTS clients for ``seconds``."""
    return drive_together(pool, {"one": (server, target)}, seconds)["one"]


def drive_together(
    pool: ProcessPoolExecutor,
    loads: dict[str, tuple[Server, Target]],
    seconds: float,
) -> dict[str, Run]:
    """Load every server at once, each with its own CLIENTS clients."""
    cpu_before = {name: server.cpu_seconds() for name, (server, _) in loads.items()}
    started = time.perf_counter()
    futures = {
        name: [
            pool.submit(_client_worker, target, seconds)
            for _ in range(CLIENT_PROCESSES)
        ]
        for name, (_, target) in loads.items()
    }
    runs = {}
    for name, pending in futures.items():
        run = Run()
        for future in pending:
            latencies, errors = future.result()
            run.latencies.extend(latencies)
            run.errors += errors
        runs[name] = run
    elapsed = time.perf_counter() - started
    for name, run in runs.items():
        run.elapsed = elapsed
        run.cpu_seconds = loads[name][0].cpu_seconds() - cpu_before[name]
    return runs


def verify_cpu_seconds(platform: Platform) -> float:
    """CPU time of one RS256 verification of an id_token, with the key already parsed."""
    token = platform.id_token(
        {"nonce": "n", "redirect_uri": "https://tool/launch"}, resource_claims()
    )
    public_key = platform.key.public_key()
    started = time.process_time()
    for _ in range(VERIFY_SAMPLES):
        jwt.decode(
            token, public_key, algorithms=["RS256"], options={"verify_aud": False}
        )
    return (time.process_time() - started) / VERIFY_SAMPLES


@dataclass
class LaunchFigures:
    ours: Run
    baseline: Run
    ours_together: Run
    baseline_together: Run
    hello: Run
    verify_seconds: float

    @property
    def floor_seconds(self) -> float:
        return self.verify_seconds + 2 * self.hello.cpu_per_operation


def run() -> LaunchFigures:
    database_url, redis_url = service_urls()
    platform = Platform()
    with (
        tempfile.TemporaryDirectory(prefix="bench-launch-") as folder,
        postgres_schema(database_url) as schema_url,
        redis_prefix(redis_url) as prefix,
    ):
        workdir = Path(folder)
        ours_env = _our_tool_env(workdir, platform, schema_url, redis_url, prefix)
        baseline_env = _baseline_env(workdir, platform, redis_url, prefix)
        with (
            gunicorn("ours", "wsgi:app", ours_env, workdir, "/readyz") as ours,
            gunicorn(
                "baseline",
                "bench.baseline_tool:app",
                baseline_env,
                workdir,
                "/ready",
                config=False,
            ) as baseline,
            gunicorn(
                "hello", "bench.hello_flask:app", {}, workdir, "/", config=False
            ) as hello,
            ProcessPoolExecutor(max_workers=2 * CLIENT_PROCESSES) as pool,
        ):
            targets = {
                "ours": Target(
                    "launch",
                    ours.url + "/lti/login",
                    ours.url + "/lti/launch",
                    platform.pem,
                    platform.kid,
                    # Our tool shows only videos placed through its chooser.
                    custom=place_video(schema_url),
                ),
                "baseline": Target(
                    "launch",
                    baseline.url + "/login/",
                    baseline.url + "/launch/",
                    platform.pem,
                    platform.kid,
                ),
            }
            servers = {"ours": ours, "baseline": baseline}
            for name in ("baseline", "ours"):
                warm = drive(pool, servers[name], targets[name], WARMUP_SECONDS)
                _check(name, warm, servers[name])

            results = {"ours": Run(), "baseline": Run()}
            for round_number in range(ROUNDS):
                order = (
                    ("baseline", "ours") if round_number % 2 else ("ours", "baseline")
                )
                for name in order:
                    measured = drive(pool, servers[name], targets[name], ROUND_SECONDS)
                    _check(name, measured, servers[name])
                    results[name] = results[name].merge(measured)

            together = drive_together(
                pool,
                {name: (servers[name], targets[name]) for name in servers},
                HEAD_TO_HEAD_SECONDS,
            )
            for name, run in together.items():
                _check(name, run, servers[name])

            hello_target = Target(
                "hello", hello.url + "/", "", platform.pem, platform.kid
            )
            drive(pool, hello, hello_target, WARMUP_SECONDS)
            hello_run = drive(pool, hello, hello_target, ROUND_SECONDS)

    return LaunchFigures(
        ours=results["ours"],
        baseline=results["baseline"],
        ours_together=together["ours"],
        baseline_together=together["baseline"],
        hello=hello_run,
        verify_seconds=verify_cpu_seconds(platform),
    )


def _check(name: str, run: Run, server: Server) -> None:
    if run.count == 0 or run.errors > run.count * 0.001:
        raise SystemExit(
            f"{name}: {run.errors} failed launches, {run.count} good; see {server.log_path}"
        )


def _our_tool_env(
    workdir: Path, platform: Platform, database_url: str, redis_url: str, prefix: str
) -> dict[str, str]:
    config = workdir / "ours-lti.json"
    config.write_text(json.dumps(platform.registration()))
    return {
        "SECRET_KEY": "bench-" + os.urandom(8).hex(),
        "PANOPTO_BASE_URL": "http://127.0.0.1:9",
        "PANOPTO_CLIENT_ID": "bench",
        "PANOPTO_CLIENT_SECRET": "bench-secret",
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "LTI_CONFIG": str(config),
        "TOOL_KEYS_DIR": str(workdir / "ours-keys"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix + "ours:",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "PROMETHEUS_MULTIPROC_DIR": str(_fresh(workdir / "metrics")),
    }


def _baseline_env(
    workdir: Path, platform: Platform, redis_url: str, prefix: str
) -> dict[str, str]:
    keys = workdir / "baseline-keys"
    keys.mkdir()
    tool = Platform()  # the baseline tool's own key pair, as the example keeps in files
    (keys / "private.key").write_bytes(tool.pem)
    (keys / "public.key").write_text(json.dumps(tool.jwks))
    config = workdir / "baseline-lti.json"
    config.write_text(
        json.dumps(
            platform.registration(
                private_key_file=str(keys / "private.key"),
                public_key_file=str(keys / "public.key"),
            )
        )
    )
    return {
        "BASELINE_LTI_CONFIG": str(config),
        "BASELINE_REDIS_URL": redis_url,
        "BASELINE_REDIS_PREFIX": prefix + "baseline:",
    }


def _fresh(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def report(figures: LaunchFigures) -> list[str]:
    lines = [
        f"Full LTI launch, gunicorn -w 2 per tool, {CLIENTS} concurrent clients per tool",
        f"{'':<34}{'launches/s':>11}{'p50':>11}{'p99':>11}{'CPU/launch':>12}",
    ]
    lines += _side_by_side(
        f"alone, {ROUNDS} alternating rounds of {ROUND_SECONDS:g} s",
        figures.ours,
        figures.baseline,
    )
    lines += _side_by_side(
        f"head to head, {HEAD_TO_HEAD_SECONDS:g} s",
        figures.ours_together,
        figures.baseline_together,
    )
    ours = figures.ours.merge(figures.ours_together)
    base = figures.baseline.merge(figures.baseline_together)
    floor = figures.floor_seconds
    lines += [
        "",
        "CPU time per launch against the floor (all launches above)",
        f"  one RS256 verify (PyJWT, parsed key)      {ms(figures.verify_seconds)}",
        f"  one Flask request under gunicorn         {ms(figures.hello.cpu_per_operation)}",
        f"  floor = verify + 2 requests              {ms(floor)}",
        f"  this tool                                {ms(ours.cpu_per_operation)}"
        f"  = {ours.cpu_per_operation / floor:.1f} x floor",
        f"  baseline                                 {ms(base.cpu_per_operation)}"
        f"  = {base.cpu_per_operation / floor:.1f} x floor",
    ]
    return lines


def _side_by_side(title: str, ours: Run, base: Run) -> list[str]:
    throughput = ours.per_second / base.per_second
    p50 = ours.percentile(0.5) / base.percentile(0.5)
    p99 = ours.percentile(0.99) / base.percentile(0.99)
    rows = [f"  {title}"]
    for name, run in (
        ("    this tool", ours),
        ("    baseline (pylti1p3 example)", base),
    ):
        rows.append(
            f"{name:<34}{run.per_second:>11.1f}{ms(run.percentile(0.5)):>11}"
            f"{ms(run.percentile(0.99)):>11}{ms(run.cpu_per_operation):>12}"
        )
    rows.append(
        f"    tool / baseline: throughput {throughput:.2f} (target >= 1.0), "
        f"p50 {p50:.2f}, p99 {p99:.2f} (target <= 1.0)"
    )
    return rows
