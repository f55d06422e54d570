"""Peak memory of the tool while a 1 GB video is uploaded through it.

    .venv/bin/python -m bench.upload_memory [--size-mb 1024]

Starts the Panopto simulator and the tool (gunicorn, one sync worker, as in production)
on loopback, opens a chooser through a real LTI launch, signs in to Panopto, then sends
files through the tool's upload endpoints exactly as the browser does: 8 MiB parts, one
request each. The worker's resident memory is sampled while it works, and its peak
(``VmHWM``) is read after each upload.

The baseline, measured in the same run, is a 16 MiB upload (two parts): if the tool held
the file, the 1 GB peak would be about 1 GB above it; streaming keeps it flat.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
BASELINE_BYTES = 16 * MIB
SAMPLE_SECONDS = 0.05
SIM_CLIENT_ID = "panopto-bench"
START_TIMEOUT_SECONDS = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size-mb", type=int, default=1024, help="size of the big file"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="upload-bench-") as folder:
        run(Path(folder), args.size_mb * MIB)


def run(folder: Path, big_bytes: int) -> None:
    ports = [free_port() for _ in range(2)]
    sim_url, tool_url = (f"http://127.0.0.1:{port}" for port in ports)
    secret = secrets.token_urlsafe(16)
    processes = []
    try:
        processes.append(start_simulator(ports[0], sim_url, tool_url, secret))
        env = tool_environment(folder, sim_url, secret)
        token = open_chooser(env, tool_url, sim_url)
        processes.append(start_tool(ports[1], env))
        wait_until_up(tool_url + "/lti/jwks", processes)
        worker = worker_pid(processes[-1].pid)

        # Warm-up: the first upload loads boto3 and opens connections, as any would.
        upload(tool_url, token, BASELINE_BYTES, "warm-up")
        idle = rss_kib(worker)
        baseline_peak = peak_upload(tool_url, token, worker, BASELINE_BYTES, "baseline")
        big_peak = peak_upload(tool_url, token, worker, big_bytes, "big")
        report(idle, BASELINE_BYTES, baseline_peak, big_bytes, big_peak)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=15)


def peak_upload(url: str, token: str, worker: int, size: int, title: str) -> dict:
    """Upload ``size`` bytes while sampling the worker's memory."""
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(rss_kib(worker))
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    upload(url, token, size, title)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return {"max_rss_kib": max(samples), "hwm_kib": hwm_kib(worker), "seconds": seconds}


def upload(url: str, token: str, size: int, title: str) -> None:
    """What the chooser's JavaScript does: start, send every part, complete."""
    http = requests.Session()
    http.headers["X-Chooser-Token"] = token
    started = http.post(
        url + "/chooser/api/uploads",
        json={
            "folder_id": "f0000000-0000-4000-8000-000000000001",
            "title": f"Benchmark {title}",
            "filename": f"{title}.mp4",
            "size": size,
            "content_type": "video/mp4",
        },
        timeout=30,
    )
    started.raise_for_status()
    plan = started.json()

    part = os.urandom(plan["part_size"])
    for number in range(1, plan["part_count"] + 1):
        length = min(plan["part_size"], size - (number - 1) * plan["part_size"])
        answer = http.put(
            f"{url}/chooser/api/uploads/{plan['id']}/parts/{number}",
            data=part[:length] if length < len(part) else part,
            headers={"Content-Type": "application/octet-stream"},
            timeout=120,
        )
        answer.raise_for_status()
    http.post(
        f"{url}/chooser/api/uploads/{plan['id']}/complete", timeout=30
    ).raise_for_status()


def report(idle: int, small: int, baseline: dict, big: int, peak: dict) -> None:
    mb = 1024
    growth = peak["hwm_kib"] - baseline["hwm_kib"]
    print(
        "Tool worker memory while uploading through the chooser (gunicorn, 1 sync worker)"
    )
    print(f"  idle after warm-up               {idle / mb:8.1f} MiB RSS")
    print(
        f"  baseline: {small // MIB:>5} MiB upload      {baseline['hwm_kib'] / mb:8.1f} MiB peak"
        f"  ({small / MIB / baseline['seconds']:.0f} MiB/s)"
    )
    print(
        f"  big:      {big // MIB:>5} MiB upload      {peak['hwm_kib'] / mb:8.1f} MiB peak"
        f"  ({big / MIB / peak['seconds']:.0f} MiB/s, {peak['seconds']:.1f} s)"
    )
    print(f"  growth over the baseline         {growth / mb:8.1f} MiB")
    print(
        f"  peak ratio big / baseline        {peak['hwm_kib'] / baseline['hwm_kib']:8.2f}"
    )
    print(f"  file size / growth               {big / 1024 / max(growth, 1):8.0f} x")


# -- the processes ---------------------------------------------------------------------


def start_simulator(port: int, sim_url: str, tool_url: str, secret: str):
    env = {
        **os.environ,
        "SIM_BASE_URL": sim_url,
        "SIM_CLIENT_ID": SIM_CLIENT_ID,
        "PANOPTO_CLIENT_SECRET": secret,
        "SIM_REDIRECT_URIS": tool_url + "/panopto/callback",
        "SIM_PROCESSING_SECONDS": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "devkit.panopto_sim", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_up(sim_url + "/Panopto/", [process])
    return process


def tool_environment(folder: Path, sim_url: str, secret: str) -> dict[str, str]:
    from tests.tool.lti_harness import new_key_pair, registrations_json

    platform_keys = new_key_pair()
    lti_config = folder / "lti-config.json"
    lti_config.write_text(json.dumps(registrations_json(platform_keys)))
    return {
        "SECRET_KEY": secrets.token_urlsafe(32),
        "PANOPTO_BASE_URL": sim_url,
        "PANOPTO_CLIENT_ID": SIM_CLIENT_ID,
        "PANOPTO_CLIENT_SECRET": secret,
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{folder / 'tool.sqlite3'}",
        "TOOL_KEYS_DIR": str(folder / "keys"),
        "LTI_CONFIG": str(lti_config),
        "_PLATFORM_KEYS": json.dumps(
            [platform_keys.private_pem, platform_keys.public_pem]
        ),
    }


def open_chooser(env: dict[str, str], tool_url: str, sim_url: str) -> str:
    """An LTI Deep Linking launch and a Panopto sign-in, through an in-process copy of the
    tool on the same database; returns the chooser token the real server will accept."""
    from app import create_app
    from tests.tool.lti_harness import KeyPair, PlatformDriver
    from tests.tool.pages import chooser_token
    from tests.tool.sim_helpers import sign_in_at_panopto, start_sign_in

    private_pem, public_pem = json.loads(env["_PLATFORM_KEYS"])
    app = create_app(
        {
            "SECRET_KEY": env["SECRET_KEY"],
            "SERVER_NAME": urlsplit(tool_url).netloc,
            "PREFERRED_URL_SCHEME": "http",
            "PANOPTO_BASE_URL": sim_url,
            "PANOPTO_CLIENT_ID": env["PANOPTO_CLIENT_ID"],
            "PANOPTO_CLIENT_SECRET": env["PANOPTO_CLIENT_SECRET"],
            "TOKEN_ENCRYPTION_KEYS": env["TOKEN_ENCRYPTION_KEYS"],
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "TOOL_KEYS_DIR": Path(env["TOOL_KEYS_DIR"]),
            "LTI_CONFIG": Path(env["LTI_CONFIG"]),
        }
    )
    client = app.test_client()
    platform = PlatformDriver(client, tool_url, KeyPair(private_pem, public_pem))
    _, page = platform.deep_link_launch()
    token = chooser_token(page.get_data(as_text=True))

    connect = start_sign_in(client, token, tool_url)
    callback = sign_in_at_panopto(connect.headers["Location"])
    done = client.get(
        "/panopto/callback", query_string=dict(parse_qsl(urlsplit(callback).query))
    )
    assert done.status_code == 200, "the Panopto sign-in did not finish"
    return token


def start_tool(port: int, env: dict[str, str]):
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    assert gunicorn, "gunicorn is missing: run `make install`"
    settings = {k: v for k, v in env.items() if not k.startswith("_")}
    return subprocess.Popen(
        [
            gunicorn,
            "--workers",
            "1",
            "--timeout",
            "120",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        # The tool's own request lines would bury the figures; warnings still show.
        env={**os.environ, "LOG_LEVEL": "WARNING", **settings},
    )


def worker_pid(master: int) -> int:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise SystemExit("gunicorn started no worker")


def wait_until_up(url: str, processes) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise SystemExit(f"a process stopped while starting ({url})")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered at {url}")


def status_field(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise KeyError(name)


def rss_kib(pid: int) -> int:
    return status_field(pid, "VmRSS")


def hwm_kib(pid: int) -> int:
    return status_field(pid, "VmHWM")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    main()
