"""LTI Dynamic Registration at /lti/register, against a small strict test platform.

The platform serves its OpenID configuration and registration endpoint on loopback, needs
the registration token on both, and records what the tool sent. (The dev platform does the
same in the browser test tests/browser/test_dynamic_registration.py.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, jsonify, request
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import PlatformRegistration
from app.registration import create_invite
from app.store import KeyValueStore
from tests.servers import serve
from tests.tool.pages import parse

TOKEN = "registration-token-from-the-platform"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


@dataclass
class StrictPlatform:
    """What the test platform saw and how it should answer."""

    url: str = ""
    config_requests: list[dict[str, str]] = field(default_factory=list)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    issuer: str | None = None
    scopes: list[str] = field(default_factory=lambda: ["openid", "some-service-scope"])
    send_deployment: bool = True
    refuse_registration: bool = False

    def configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer or self.url,
            "authorization_endpoint": self.url + "/auth",
            "token_endpoint": self.url + "/token",
            "jwks_uri": self.url + "/jwks",
            "registration_endpoint": self.url + "/register",
            "scopes_supported": self.scopes,
            PLATFORM_CONFIGURATION: {
                "product_family_code": "testlms",
                "version": "9.9",
            },
        }


def platform_app(state: StrictPlatform) -> Flask:
    app = Flask("test-platform")

    @app.get("/openid-configuration")
    def configuration():
        state.config_requests.append(dict(request.headers))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return jsonify(error="token required"), 401
        return jsonify(state.configuration())

    @app.post("/register")
    def register():
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return jsonify(error="token required"), 401
        body = request.get_json()
        state.registrations.append(body)
        if state.refuse_registration:
            return jsonify(error="invalid_client_metadata"), 400
        tool = dict(body[TOOL_CONFIGURATION])
        if state.send_deployment:
            tool["deployment_id"] = "deployment-from-dr"
        return jsonify(
            {**body, "client_id": "client-from-dr", TOOL_CONFIGURATION: tool}
        )

    return app


@pytest.fixture
def test_platform():
    state = StrictPlatform()
    with serve(platform_app(state)) as url:
        state.url = url
        yield state


@pytest.fixture
def tool(app_config):
    config = dict(app_config)
    config.pop("LTI_CONFIG")  # a tool no platform is registered with yet
    return create_app(config)


@pytest.fixture
def invite(tool) -> str:
    with tool.app_context():
        return create_invite(KeyValueStore())


def start(tool, test_platform, invite=None, **params):
    query = {
        "openid_configuration": test_platform.url + "/openid-configuration",
        "registration_token": TOKEN,
        **params,
    }
    if invite:
        query["invite"] = invite
    return tool.test_client().get("/lti/register", query_string=query)


def confirm(client, page_response):
    hold = parse(page_response.get_data(as_text=True))
    field_ = [e for e in hold.all("input") if e.attrs.get("name") == "hold"][0]
    return client.post("/lti/register", data={"hold": field_.attrs["value"]})


def registrations(tool) -> list[PlatformRegistration]:
    with tool.app_context():
        rows = db.session.execute(select(PlatformRegistration)).scalars().all()
        for row in rows:
            _ = row.deployments
        return rows


def text(response) -> str:
    return " ".join(parse(response.get_data(as_text=True)).text.split())


def test_a_full_registration(tool, test_platform, invite):
    client = tool.test_client()
    page = client.get(
        "/lti/register",
        query_string={
            "openid_configuration": test_platform.url + "/openid-configuration",
            "registration_token": TOKEN,
            "invite": invite,
        },
    )

    assert page.status_code == 200, page.get_data(as_text=True)[:400]
    assert "testlms 9.9" in text(page)
    # The registration token was sent on the configuration request too.
    assert test_platform.config_requests[0]["Authorization"] == f"Bearer {TOKEN}"
    # The platform, not registered yet, may show this page in its frame.
    assert test_platform.url in page.headers["Content-Security-Policy"]

    done = confirm(client, page)

    assert done.status_code == 200, done.get_data(as_text=True)[:400]
    assert "client-from-dr" in text(done)
    scripts = [
        s.attrs.get("src") for s in parse(done.get_data(as_text=True)).all("script")
    ]
    assert scripts == ["/static/register-done.js"]

    (row,) = registrations(tool)
    assert (row.issuer, row.client_id, row.label) == (
        test_platform.url,
        "client-from-dr",
        "testlms 9.9",
    )
    assert row.auth_login_url == test_platform.url + "/auth"
    assert row.key_set_url == test_platform.url + "/jwks"
    assert [(d.deployment_id, d.status) for d in row.deployments] == [
        ("deployment-from-dr", "active")
    ]


def test_the_registration_names_our_urls_and_requests_no_scope(
    tool, test_platform, invite, tool_url
):
    client = tool.test_client()
    confirm(client, start(tool, test_platform, invite))

    (body,) = test_platform.registrations
    assert body["initiate_login_uri"] == tool_url + "/lti/login"
    assert body["redirect_uris"] == [tool_url + "/lti/launch"]
    assert body["jwks_uri"] == tool_url + "/lti/jwks"
    assert body["response_types"] == ["id_token"]
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    # The platform lists openid, but the tool uses no service: no scope at all.
    assert body["scope"] == ""
    tool_config = body[TOOL_CONFIGURATION]
    assert tool_config["target_link_uri"] == tool_url + "/lti/launch"
    assert {m["type"] for m in tool_config["messages"]} == {
        "LtiDeepLinkingRequest",
        "LtiResourceLinkRequest",
    }


def test_without_an_invitation_registration_is_refused(tool, test_platform):
    response = start(tool, test_platform)

    assert response.status_code == 403
    assert "no valid invitation" in text(response)
    assert test_platform.config_requests == []  # nothing fetched for a stranger


def test_an_invitation_is_single_use(tool, test_platform, invite):
    client = tool.test_client()
    confirm(client, start(tool, test_platform, invite))

    again = start(tool, test_platform, invite)

    assert again.status_code == 403


def test_open_registration_needs_no_invitation(app_config, test_platform):
    config = {**app_config, "DYNAMIC_REGISTRATION_OPEN": True}
    config.pop("LTI_CONFIG")
    tool = create_app(config)

    page = start(tool, test_platform)
    done = confirm(tool.test_client(), page)

    assert done.status_code == 200
    assert len(registrations(tool)) == 1


def test_an_issuer_on_another_host_is_refused(tool, test_platform, invite):
    test_platform.issuer = "https://evil.test"

    response = start(tool, test_platform, invite)

    assert response.status_code == 400
    assert "another host" in text(response)
    assert registrations(tool) == []


def test_a_tool_served_over_https_never_fetches_plain_http(tool, test_platform, invite):
    """http to loopback is for development tools only (served over plain HTTP)."""
    response = tool.test_client().get(
        "/lti/register",
        query_string={
            "openid_configuration": test_platform.url + "/openid-configuration",
            "registration_token": TOKEN,
            "invite": invite,
        },
        base_url="https://" + tool.config["SERVER_NAME"],
    )

    assert response.status_code == 400
    assert "must use https" in text(response)
    assert test_platform.config_requests == []


@pytest.mark.parametrize(
    "config_url",
    ["ftp://127.0.0.1/x", "http://example.org/openid-configuration", "not a url"],
)
def test_configuration_urls_must_be_https_or_loopback(tool, invite, config_url):
    response = tool.test_client().get(
        "/lti/register",
        query_string={"openid_configuration": config_url, "invite": invite},
    )

    assert response.status_code == 400
    assert "must use https" in text(response)


def test_a_missing_endpoint_is_named(tool, test_platform, invite, monkeypatch):
    original = test_platform.configuration

    def without_jwks():
        document = original()
        del document["jwks_uri"]
        return document

    monkeypatch.setattr(test_platform, "configuration", without_jwks)

    response = start(tool, test_platform, invite)

    assert response.status_code == 400
    assert "no jwks_uri" in text(response)


def test_an_unreachable_platform_is_a_retryable_error(tool, invite):
    response = tool.test_client().get(
        "/lti/register",
        query_string={
            "openid_configuration": "http://127.0.0.1:9/openid-configuration",
            "invite": invite,
        },
    )

    assert response.status_code == 502
    assert "could not be reached" in text(response)


def test_a_refused_registration_is_explained_and_nothing_is_stored(
    tool, test_platform, invite
):
    test_platform.refuse_registration = True

    response = confirm(tool.test_client(), start(tool, test_platform, invite))

    assert response.status_code == 400
    assert "refused the registration" in text(response)
    assert registrations(tool) == []


def test_without_a_deployment_id_the_first_launch_follows_the_policy(
    tool, test_platform, invite
):
    test_platform.send_deployment = False

    confirm(tool.test_client(), start(tool, test_platform, invite))

    (row,) = registrations(tool)
    assert row.deployments == []


def test_an_expired_or_forged_hold_is_refused(tool):
    response = tool.test_client().post("/lti/register", data={"hold": "forged"})

    assert response.status_code == 400
    assert "expired" in text(response)


def test_the_confirmation_cannot_be_posted_from_another_site(
    tool, test_platform, invite
):
    client = tool.test_client()
    page = start(tool, test_platform, invite)
    hold = [
        e.attrs["value"]
        for e in parse(page.get_data(as_text=True)).all("input")
        if e.attrs.get("name") == "hold"
    ][0]

    response = client.post(
        "/lti/register", data={"hold": hold}, headers={"Sec-Fetch-Site": "cross-site"}
    )

    assert response.status_code == 403
    assert registrations(tool) == []


def test_opening_the_registration_url_by_hand_explains_what_it_is(tool):
    response = tool.test_client().get("/lti/register")

    assert response.status_code == 400
    assert "registration URL" in text(response)


def test_after_registering_the_platform_may_frame_the_tool(tool, test_platform, invite):
    confirm(tool.test_client(), start(tool, test_platform, invite))

    policy = tool.test_client().get("/lti/jwks").headers["Content-Security-Policy"]

    assert f"frame-ancestors {test_platform.url}" in policy
