"""Two tool instances behind one name, sharing PostgreSQL and Redis, as when scaled out.

Each instance is a real ``gunicorn -c gunicorn.conf.py`` with two workers on its own port. A
load balancer would send any request to either; here each step is sent on purpose to one or
the other, always with the public host name ``tool.test`` in the Host header (both instances
build the same URLs from it, as behind a real load balancer). The LTI platform is the
independent ``lti1p3platform`` harness; Panopto is the simulator, in this process.

Needs DATABASE_URL (PostgreSQL) and REDIS_URL; .ci/run sets both.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import redis
import requests
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, insert

from app.config import database_url
from app.models import Placement
from devkit.panopto_sim import create_app as create_sim
from tests import services
from tests.conftest import SIM_CLIENT_ID, SIM_CLIENT_SECRET
from tests.servers import free_port, serve
from tests.tool.conftest import install_tool_keys, write_lti_config
from tests.tool.lti_harness import (
    CONTENT_ITEMS,
    PLAYER_SESSION_ID,
    PlatformDriver,
    placement_custom,
    placement_row,
    registrations_json,
)
from tests.tool.pages import chooser_token, parse
from tests.tool.sim_helpers import sign_in_at_panopto, start_sign_in
from tests.tool.test_e2e_lti1p3platform import (
    CAFE,
    LECTURE_1,
    Chooser,
    verify_with_tool_jwks,
)

pytestmark = [services.needs_postgres, services.needs_redis]

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_HOST = "tool.test"
PUBLIC_URL = f"http://{PUBLIC_HOST}"
START_TIMEOUT_SECONDS = 30
HTTP_TIMEOUT = 15


class Answer:
    """A requests response with the parts of Flask's test response the helpers use."""

    def __init__(self, response: requests.Response) -> None:
        self.response = response
        self.status_code = response.status_code
        self.headers = response.headers

    def get_data(self, as_text: bool = False) -> Any:
        return self.response.text if as_text else self.response.content

    @property
    def json(self) -> Any:
        return self.response.json()


class Instance:
    """One tool instance, spoken to over HTTP as ``tool.test`` (Flask test client shape)."""

    def __init__(self, name: str, port: int, browser: requests.Session) -> None:
        self.name = name
        self.base = f"http://127.0.0.1:{port}"
        self.browser = browser

    def open(
        self,
        path: str,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        query_string: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Answer:
        response = self.browser.request(
            method,
            self.base + path,
            params=query_string,
            headers={"Host": PUBLIC_HOST, **(headers or {})},
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
            **kwargs,
        )
        return Answer(response)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.open(path, "GET", **kwargs)

    def post(self, path: str, **kwargs: Any) -> Answer:
        return self.open(path, "POST", **kwargs)

    def metric(self, name: str, **labels: str) -> float:
        """A value from this instance's /metrics (every worker of it added up)."""
        text = self.get("/metrics").get_data(as_text=True)
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        for line in text.splitlines():
            if line.startswith(f"{name}{{{wanted}}} ") or line.startswith(f"{name} "):
                return float(line.rsplit(" ", 1)[1])
        return 0.0


@dataclass
class Cluster:
    a: Instance
    b: Instance
    sim: Any
    sim_url: str
    redis: redis.Redis
    prefix: str
    browser: requests.Session
    database_url: str

    def platform(self, instance: Instance, keys) -> PlatformDriver:
        return PlatformDriver(instance, PUBLIC_URL, keys)

    def placed(self, session_id: str = PLAYER_SESSION_ID) -> dict[str, str]:
        """A placement in the shared database, as an insert on either instance makes."""
        row = placement_row(session_id)
        engine = create_engine(database_url(self.database_url))
        with engine.begin() as connection:
            connection.execute(insert(Placement.__table__).values(**row))
        engine.dispose()
        return placement_custom(row)


def _spawn(port: int, env: dict[str, str]) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "wsgi:app",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def _wait_until_ready(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "a tool instance stopped while starting"
        try:
            answer = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            if answer.status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet, or its workers are still starting
        time.sleep(0.2)
    raise AssertionError(f"the tool on port {port} did not become ready")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, platform_keys, tool_key_pair) -> Iterator[Cluster]:
    workdir = tmp_path_factory.mktemp("cluster")
    install_tool_keys(workdir / "keys", tool_key_pair)
    lti_config = write_lti_config(workdir, registrations_json(platform_keys))

    sim_port = free_port()
    sim_url = f"http://127.0.0.1:{sim_port}"
    sim_app = create_sim(
        {
            "SIM_BASE_URL": sim_url,
            "SIM_CLIENT_ID": SIM_CLIENT_ID,
            "SIM_CLIENT_SECRET": SIM_CLIENT_SECRET,
            "SIM_REDIRECT_URIS": [PUBLIC_URL + "/panopto/callback"],
            "SECRET_KEY": "cluster-sim",
            "TESTING": True,
        }
    )

    with (
        services.postgres_schema() as database_url,
        services.redis_prefix() as prefix,
        serve(sim_app, port=sim_port),
    ):
        env = {
            **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
            "SECRET_KEY": secrets.token_urlsafe(32),
            "PANOPTO_BASE_URL": sim_url,
            "PANOPTO_CLIENT_ID": SIM_CLIENT_ID,
            "PANOPTO_CLIENT_SECRET": SIM_CLIENT_SECRET,
            # Both instances read the tokens either one stored: one key for the cluster.
            "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "LTI_CONFIG": str(lti_config),
            "TOOL_KEYS_DIR": str(workdir / "keys"),
            "DATABASE_URL": database_url,
            "REDIS_URL": services.REDIS_URL,
            "REDIS_KEY_PREFIX": prefix,
            "PANOPTO_BREAKER_FAILURES": "2",
            "PANOPTO_BREAKER_RESET_SECONDS": "60",
            "LOG_FORMAT": "text",
            "LOG_LEVEL": "WARNING",
        }
        ports = (free_port(), free_port())
        processes = [_spawn(port, env) for port in ports]
        try:
            for port, process in zip(ports, processes, strict=True):
                _wait_until_ready(port, process)
            browser = requests.Session()
            yield Cluster(
                a=Instance("a", ports[0], browser),
                b=Instance("b", ports[1], browser),
                sim=sim_app.extensions["panopto_sim"],
                sim_url=sim_url,
                redis=redis.Redis.from_url(services.REDIS_URL),
                prefix=prefix,
                browser=browser,
                database_url=database_url,
            )
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=15)


def resource_form(cluster: Cluster, platform: PlatformDriver):
    return platform.resource_link_form(
        platform.login(hint="resource"), custom=cluster.placed()
    )


def open_chooser_across(cluster: Cluster, keys) -> Chooser:
    """Login on instance a, the Deep Linking launch on b."""
    form = cluster.platform(cluster.a, keys).deep_link_form(
        cluster.platform(cluster.a, keys).login(), data="cluster-state"
    )
    on_b = cluster.platform(cluster.b, keys)
    page = on_b.post(form)
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    return Chooser(on_b, chooser_token(page.get_data(as_text=True)), form.claims, "")


def sign_in_across(cluster: Cluster, chooser: Chooser) -> None:
    """The pop-up starts on instance a; Panopto sends it back to instance b."""
    connect = start_sign_in(cluster.a, chooser.token, PUBLIC_URL)
    assert connect.status_code == 303
    callback = sign_in_at_panopto(connect.headers["Location"])
    assert callback.startswith(PUBLIC_URL + "/panopto/callback?")

    done = cluster.b.get(
        "/panopto/callback", query_string=dict(parse_qsl(urlsplit(callback).query))
    )

    assert done.status_code == 200, done.get_data(as_text=True)[:300]
    assert "You are signed in to Panopto" in parse(done.get_data(as_text=True)).text


def api(instance: Instance, chooser: Chooser, method: str, path: str, **kwargs: Any):
    return instance.open(
        "/chooser/api" + path,
        method,
        headers={"X-Chooser-Token": chooser.token},
        **kwargs,
    )


# -- launches ----------------------------------------------------------------------------


def test_login_on_one_instance_and_launch_on_the_other(cluster, platform_keys):
    deep_link = cluster.platform(cluster.a, platform_keys).deep_link_form(
        cluster.platform(cluster.a, platform_keys).login()
    )
    viewer = resource_form(cluster, cluster.platform(cluster.b, platform_keys))

    chooser = cluster.platform(cluster.b, platform_keys).post(deep_link)
    player = cluster.platform(cluster.a, platform_keys).post(viewer)

    assert chooser.status_code == 200
    assert chooser_token(chooser.get_data(as_text=True))
    assert player.status_code == 200
    assert PLAYER_SESSION_ID in player.get_data(as_text=True)


def test_a_nonce_replayed_on_the_other_instance_is_refused(cluster, platform_keys):
    form = resource_form(cluster, cluster.platform(cluster.a, platform_keys))

    first = cluster.platform(cluster.a, platform_keys).post(form)
    replay = cluster.platform(cluster.b, platform_keys).post(form)

    assert first.status_code == 200
    assert replay.status_code == 400
    assert "already used" in parse(replay.get_data(as_text=True)).text


def test_one_launch_raced_to_both_instances_is_accepted_once(cluster, platform_keys):
    form = resource_form(cluster, cluster.platform(cluster.a, platform_keys))
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def post_to(instance: Instance) -> None:
        platform = cluster.platform(instance, platform_keys)
        barrier.wait()
        statuses.append(platform.post(form).status_code)

    threads = [
        threading.Thread(target=post_to, args=(i,)) for i in (cluster.a, cluster.b)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=HTTP_TIMEOUT)

    assert sorted(statuses) == [200, 400]


# -- the chooser across instances --------------------------------------------------------


def test_the_chooser_sign_in_search_and_insert_work_on_either_instance(
    cluster, platform_keys
):
    chooser = open_chooser_across(cluster, platform_keys)
    sign_in_across(cluster, chooser)

    before = cluster.sim.rest_calls
    on_a = api(cluster.a, chooser, "GET", "/search", query_string={"q": "lecture"})
    after_a = cluster.sim.rest_calls
    on_b = api(cluster.b, chooser, "GET", "/search", query_string={"q": "lecture"})

    assert on_a.status_code == on_b.status_code == 200
    assert after_a - before == 1
    assert cluster.sim.rest_calls == after_a, "b answered from the shared Redis cache"
    assert on_b.json == on_a.json

    for instance, other in ((cluster.a, cluster.b), (cluster.b, cluster.a)):
        inserted = api(
            instance,
            chooser,
            "POST",
            "/insert",
            json={"session_ids": [LECTURE_1, CAFE]},
        )
        assert inserted.status_code == 200, inserted.json
        claims = verify_with_tool_jwks(other, inserted.json["jwt"])
        ids = [item["custom"]["panopto_session_id"] for item in claims[CONTENT_ITEMS]]
        assert ids == [LECTURE_1, CAFE]
        assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == (
            "cluster-state"
        )


def test_each_instance_counts_the_launches_of_all_its_workers(cluster, platform_keys):
    name = "panopto_tool_lti_launches_total"
    before = {
        i.name: i.metric(name, message_type="resource") for i in (cluster.a, cluster.b)
    }
    launches = 8

    for instance in (cluster.a, cluster.b):
        for _ in range(launches):
            platform = cluster.platform(instance, platform_keys)
            assert platform.post(resource_form(cluster, platform)).status_code == 200

    for instance in (cluster.a, cluster.b):
        assert (
            instance.metric(name, message_type="resource")
            == before[instance.name] + launches
        )


def test_an_outage_met_by_one_instance_makes_the_other_answer_at_once(
    cluster, platform_keys
):
    chooser = open_chooser_across(cluster, platform_keys)
    sign_in_across(cluster, chooser)
    search = {"query_string": {"q": "revision"}}
    cluster.sim.faults.set("down", count=10_000)
    try:
        for _ in range(2):
            assert (
                api(cluster.a, chooser, "GET", "/search", **search).status_code == 502
            )
        calls = cluster.sim.rest_calls

        answer = api(cluster.b, chooser, "GET", "/search", **search)

        assert answer.status_code == 503
        assert answer.json["error"]["code"] == "panopto_down"
        assert cluster.sim.rest_calls == calls
    finally:
        cluster.sim.faults.clear()
        for key in cluster.redis.scan_iter(cluster.prefix + "panopto-breaker*"):
            cluster.redis.delete(key)


def test_the_instances_share_the_state_of_a_panopto_sign_in(cluster, platform_keys):
    """A sign-in started on a and finished on b leaves no state behind to reuse."""
    chooser = open_chooser_across(cluster, platform_keys)
    connect = start_sign_in(cluster.a, chooser.token, PUBLIC_URL)
    state = parse_qs(urlsplit(connect.headers["Location"]).query)["state"][0]
    callback = sign_in_at_panopto(connect.headers["Location"])
    query = dict(parse_qsl(urlsplit(callback).query))
    assert query["state"] == state

    first = cluster.b.get("/panopto/callback", query_string=query)
    again = cluster.a.get("/panopto/callback", query_string=query)

    assert (first.status_code, again.status_code) == (200, 400)
