"""Health, readiness, metrics, request ids and JSON logs."""

from __future__ import annotations

import ast
import io
import json
import logging
import logging.config
import re
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from app import create_app
from app.errors import LaunchReason
from app.logs import logging_config
from tests.servers import free_port
from tests.tool.lti_harness import (
    DEPLOYMENT,
    DEPLOYMENT_ID,
    PLATFORM_ISSUER,
    PLAYER_SESSION_ID,
    now,
)

ROOT = Path(__file__).resolve().parents[2]


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_healthz_answers_without_touching_anything(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_checks_the_database_and_the_store(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "checks": {"database": "ok", "store": "ok"},
    }


def test_readyz_with_redis(app_config, redis_config):
    client = create_app({**app_config, **redis_config}).test_client()

    assert client.get("/readyz").json["checks"] == {"database": "ok", "store": "ok"}


def test_readyz_is_503_when_redis_does_not_answer(app_config):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    client = create_app({**app_config, "REDIS_URL": dead}).test_client()

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "store": "unavailable"}


def test_readyz_is_503_when_the_database_does_not_answer(app_config):
    unreachable = "sqlite:////nonexistent-folder/tool.sqlite3"
    app = create_app(
        {
            **app_config,
            "SQLALCHEMY_DATABASE_URI": unreachable,
            "DB_AUTO_MIGRATE": False,
            "LTI_CONFIG": None,
        }
    )

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unavailable"
    assert app.test_client().get("/healthz").status_code == 200


def test_metrics_are_in_prometheus_text_format(client):
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    text = response.get_data(as_text=True)
    assert "# TYPE panopto_tool_lti_launches_total counter" in text
    assert "# TYPE panopto_tool_panopto_request_seconds histogram" in text


def test_accepted_launches_are_counted_by_message_type(platform):
    deep = metric("panopto_tool_lti_launches_total", message_type="deep_link")
    resource = metric("panopto_tool_lti_launches_total", message_type="resource")

    _, chooser = platform.deep_link_launch()
    _, player = platform.resource_launch(custom=platform.placed())
    # A verified launch refused at the access check (no placement) is a failure only.
    _, refused = platform.resource_launch(
        custom={"panopto_session_id": PLAYER_SESSION_ID}
    )

    assert (chooser.status_code, player.status_code, refused.status_code) == (
        200,
        200,
        400,
    )
    assert (
        metric("panopto_tool_lti_launches_total", message_type="deep_link") == deep + 1
    )
    assert (
        metric("panopto_tool_lti_launches_total", message_type="resource")
        == resource + 1
    )


def failures(step: str, reason: str) -> float:
    return metric("panopto_tool_lti_launch_failures_total", step=step, reason=reason)


def test_refused_launches_are_counted_by_reason(platform):
    replayed = failures("launch", "nonce_replayed")
    expired = failures("launch", "token_expired")
    wrong_method = failures("launch", "http_405")

    form, first = platform.deep_link_launch()
    again = platform.post(form)
    stale = platform.deep_link_form(platform.login())
    platform.post(stale, id_token=platform.resign(stale, changes={"exp": 1}))
    platform.client.get("/lti/launch")

    assert (first.status_code, again.status_code) == (200, 400)
    assert failures("launch", "nonce_replayed") == replayed + 1
    assert failures("launch", "token_expired") == expired + 1
    assert failures("launch", "http_405") == wrong_method + 1


def _forged(platform, stranger_keys):
    form = platform.deep_link_form(platform.login())
    return platform.post(
        form, id_token=platform.resign(form, key=stranger_keys.private_key)
    )


def _unknown_platform(platform, stranger_keys):
    form = platform.deep_link_form(platform.login())
    return platform.post(
        form, id_token=platform.resign(form, changes={"iss": "https://stranger.test"})
    )


def _no_kid(platform, stranger_keys):
    form = platform.deep_link_form(platform.login())
    return platform.post(form, id_token=platform.resign(form, header={"kid": None}))


def _link_without_video(platform, stranger_keys):
    return platform.resource_launch(custom={"something_else": "x"})[1]


def _dated_in_the_future(platform, stranger_keys):
    form = platform.deep_link_form(platform.login())
    changes = {"iat": now() + 300, "exp": now() + 900}
    return platform.post(form, id_token=platform.resign(form, changes=changes))


def _without_exp(platform, stranger_keys):
    form = platform.deep_link_form(platform.login())
    return platform.post(form, id_token=platform.resign(form, remove=("exp",)))


def _another_deployment_than_the_login_named(platform, stranger_keys):
    form = platform.deep_link_form(platform.login(lti_deployment_id=DEPLOYMENT))
    changes = {DEPLOYMENT_ID: "another-deployment"}
    return platform.post(form, id_token=platform.resign(form, changes=changes))


@pytest.mark.parametrize(
    ("refuse", "reason"),
    [
        (_forged, "bad_signature"),
        (_unknown_platform, "unknown_platform"),
        (_no_kid, "malformed_token"),
        (_link_without_video, "bad_link"),
        (_dated_in_the_future, "token_not_yet_valid"),
        (_without_exp, "missing_claim"),
        (_another_deployment_than_the_login_named, "deployment_mismatch"),
    ],
)
def test_each_refusal_counts_under_its_own_reason_only(
    platform, stranger_keys, refuse, reason
):
    """The reason comes from the refusal itself, not from its wording: one refusal moves
    its own label by one and no other."""

    def every_reason() -> dict[str, float]:
        return {
            sample.labels["reason"]: sample.value
            for family in REGISTRY.collect()
            if family.name == "panopto_tool_lti_launch_failures"
            for sample in family.samples
            if sample.name.endswith("_total") and sample.labels["step"] == "launch"
        }

    before = every_reason()

    response = refuse(platform, stranger_keys)

    after = every_reason()
    moved = {
        label: after[label] - before.get(label, 0.0)
        for label in after
        if after[label] != before.get(label, 0.0)
    }
    assert response.status_code == 400
    assert moved == {reason: 1.0}


def test_the_operators_guide_lists_every_launch_reason():
    guide = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    row = next(line for line in guide.splitlines() if "launch_failures_total" in line)
    listed = set(re.findall(r"`([a-z_]+)`", row.split("LaunchReason")[1].split(";")[0]))

    assert listed == {reason.value for reason in LaunchReason}


def test_every_launch_error_the_tool_raises_names_its_reason():
    """A refusal without a reason would be counted as ``invalid``, out of sight."""
    calls, unnamed = 0, []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            if not (is_call and node.func.id == "LaunchError"):
                continue
            calls += 1
            named = len(node.args) >= 2 or any(k.arg == "reason" for k in node.keywords)
            if not named:
                unnamed.append(f"{path.relative_to(ROOT)}:{node.lineno}")

    assert calls > 30  # the walk found the tool's refusals
    assert unnamed == []


def test_a_refused_login_is_counted_as_a_login_failure(client):
    before = failures("login", "wrong_target")

    client.get(
        "/lti/login",
        query_string={
            "iss": "https://ontrack.test",
            "login_hint": "someone",
            "target_link_uri": "https://elsewhere.test/",
        },
    )

    assert failures("login", "wrong_target") == before + 1


def test_requests_are_timed_by_route_method_and_status(client):
    name = "panopto_tool_http_request_seconds_count"
    labels = {"route": "/healthz", "method": "GET", "status": "200"}
    before = metric(name, **labels)

    client.get("/healthz")
    client.get("/healthz")

    assert metric(name, **labels) == before + 2


# -- request ids -------------------------------------------------------------------------


def test_each_response_carries_a_fresh_request_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert first != second


def test_the_proxys_request_id_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a9c1e7b"})

    assert response.headers["X-Request-ID"] == "nginx-4f2a9c1e7b"


@pytest.mark.parametrize(
    "forged",
    ["short", "x" * 65, "two words here", 'quote"injection', "line\\nbreak"],
)
def test_a_malformed_request_id_is_replaced(client, forged):
    response = client.get("/healthz", headers={"X-Request-ID": forged})

    assert response.headers["X-Request-ID"] != forged
    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["X-Request-ID"])


# -- logs --------------------------------------------------------------------------------


@pytest.fixture
def log_output():
    """The tool's logging configuration, writing to a buffer; restored afterwards."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    buffer = io.StringIO()

    def configure(log_format: str) -> io.StringIO:
        config = logging_config(log_format, "INFO")
        config["handlers"]["console"]["stream"] = buffer
        logging.config.dictConfig(config)
        return buffer

    yield configure
    root.handlers[:] = saved[1]
    root.setLevel(saved[0])


def test_json_logs_carry_the_request_id_and_no_query_string(client, log_output):
    buffer = log_output("json")

    response = client.get(
        "/healthz?t=a-chooser-token-value", headers={"X-Request-ID": "req-12345678"}
    )

    records = [json.loads(line) for line in buffer.getvalue().splitlines()]
    request_lines = [r for r in records if r["logger"] == "app.observability"]
    assert response.headers["X-Request-ID"] == "req-12345678"
    assert request_lines, records
    line = request_lines[-1]
    assert line["request_id"] == "req-12345678"
    assert line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert isinstance(line["duration_ms"], float)
    assert "a-chooser-token-value" not in buffer.getvalue()


def test_log_lines_outside_requests_have_a_placeholder_id(log_output):
    buffer = log_output("json")

    logging.getLogger("app.test").warning("starting up")

    record = json.loads(buffer.getvalue().splitlines()[-1])
    assert record["request_id"] == "-"
    assert record["message"] == "starting up"


def test_text_logs_are_for_people(client, log_output):
    buffer = log_output("text")

    client.get("/healthz", headers={"X-Request-ID": "req-abcdefgh"})

    assert re.search(
        r"INFO \[req-abcdefgh\] app\.observability: GET /healthz 200", buffer.getvalue()
    )


def test_a_launch_is_one_log_line_naming_its_kind_and_platform(platform, log_output):
    buffer = log_output("json")

    platform.resource_launch(custom={"panopto_session_id": PLAYER_SESSION_ID})

    records = [json.loads(line) for line in buffer.getvalue().splitlines()]
    launch_lines = [r for r in records if r.get("path") == "/lti/launch"]
    assert len(launch_lines) == 1, records
    line = launch_lines[0]
    assert (line["launch"], line["issuer"]) == ("resource", PLATFORM_ISSUER)
    assert line["storage_check_pending"] is False
    assert "launch=resource" in line["message"]
    assert not any(r["logger"] == "app.views.lti" for r in records)
