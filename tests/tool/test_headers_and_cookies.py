"""Security headers, cookies in iframes, and the tool behind a TLS-terminating proxy."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from app import create_app
from tests.tool.lti_harness import PLATFORM_ISSUER, PlatformDriver

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").glob("*.html"))


def csp(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (piece.strip() for piece in header.split(";"))
        if part
    }


def cookie_headers(response, prefix: str) -> list[str]:
    return [
        header
        for header in response.headers.getlist("Set-Cookie")
        if header.startswith(prefix)
    ]


# -- Content-Security-Policy ------------------------------------------------------


def test_every_page_has_a_csp_without_inline_script(client):
    for path in ("/lti/jwks", "/admin/", "/nowhere", "/lti/register"):
        policy = csp(client.get(path))

        assert policy["script-src"] == "'self'", path
        assert "unsafe-inline" not in " ".join(policy.values())
        assert "unsafe-eval" not in " ".join(policy.values())
        assert policy["object-src"] == "'none'"
        assert policy["base-uri"] == "'none'"
        assert policy["default-src"] == "'none'"


def test_only_registered_platforms_may_frame_the_tool(client):
    policy = csp(client.get("/lti/jwks"))

    # The issuer's origin and its login endpoint's origin (both ontrack.test here).
    assert policy["frame-ancestors"] == PLATFORM_ISSUER
    assert policy["form-action"] == f"'self' {PLATFORM_ISSUER}"


def test_without_registrations_nobody_may_frame_the_tool(app_config, tmp_path):
    app = create_app({**app_config, "LTI_CONFIG": None})

    policy = csp(app.test_client().get("/lti/jwks"))

    assert policy["frame-ancestors"] == "'none'"


def test_the_player_may_frame_only_the_configured_panopto_site(platform):
    _, response = platform.resource_launch(custom=platform.placed())

    policy = csp(response)
    assert policy["frame-src"] == "http://127.0.0.1:9"
    assert response.status_code == 200


def test_the_chooser_may_post_its_answer_to_the_return_url_origin(platform):
    form = platform.deep_link_form(platform.login())
    claims = form.claims
    settings = claims[
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    ]
    token = platform.resign(
        form,
        changes={
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
                **settings,
                "deep_link_return_url": "https://pages.ontrack.test/return",
            }
        },
    )

    response = platform.post(form, id_token=token)

    assert response.status_code == 200
    assert "https://pages.ontrack.test" in csp(response)["form-action"].split()


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_templates_hold_no_inline_script_or_style(template):
    text = template.read_text()

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert not re.search(r"\sstyle\s*=", text), "inline style attribute"
    assert "<style" not in text
    assert "javascript:" not in text


def test_launch_pages_are_never_cached(platform):
    _, chooser = platform.deep_link_launch()
    _, player = platform.resource_launch(custom=platform.placed())
    refused = platform.post(platform.deep_link_form(platform.login()), id_token="x")

    for response in (chooser, player, refused):
        assert response.headers["Cache-Control"] == "no-store"


def test_nosniff_and_referrer_policy_everywhere(client):
    response = client.get("/lti/jwks")

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_hsts_only_over_https(app):
    plain = app.test_client().get("/lti/jwks")
    secure = app.test_client().get("/lti/jwks", base_url="https://127.0.0.1")

    assert "Strict-Transport-Security" not in plain.headers
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


# -- cookies ----------------------------------------------------------------------


def login_over(app, platform_keys, scheme: str, headers=None, host=None):
    """A third-party initiated login whose target_link_uri uses ``scheme`` and ``host``;
    the request itself arrives over ``scheme`` unless proxy ``headers`` say so."""
    url = PlatformDriver(app.test_client(), "", platform_keys).login_url()
    query = dict(parse_qsl(urlsplit(url).query))
    host = host or app.config.get("SERVER_NAME") or "localhost"
    query["target_link_uri"] = f"{scheme}://{host}/lti/launch"
    base = "http" if headers else scheme
    return app.test_client().get(
        "/lti/login",
        query_string=query,
        base_url=f"{base}://{app.config.get('SERVER_NAME') or 'localhost'}",
        headers=headers or {},
    )


def test_the_state_cookie_is_partitioned_and_cross_site_over_https(app, platform_keys):
    response = login_over(app, platform_keys, "https")

    assert response.status_code == 302
    (cookie,) = cookie_headers(response, "lti1p3-state-")
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite=none", "partitioned"} <= attributes


def test_over_plain_http_the_state_cookie_cannot_be_secure(app, platform_keys):
    response = login_over(app, platform_keys, "http")

    (cookie,) = cookie_headers(response, "lti1p3-state-")
    assert "Secure" not in cookie
    assert "SameSite=None" not in cookie


def test_the_admin_cookie_follows_the_same_policy(app_config):
    app = create_app({**app_config, "ADMIN_TOKEN": "x" * 32})
    host = app.config["SERVER_NAME"]

    response = app.test_client().post(
        "/admin/login", data={"token": "x" * 32}, base_url=f"https://{host}"
    )

    (cookie,) = cookie_headers(response, "panopto_tool_admin=")
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite=none", "partitioned", "path=/admin"} <= (
        attributes
    )


# -- behind a proxy ---------------------------------------------------------------


@pytest.fixture
def proxied_app(app_config):
    config = {**app_config, "TRUSTED_PROXY_COUNT": 1}
    config.pop("SERVER_NAME")  # the proxy says which host was asked for
    return create_app(config)


PROXY_HEADERS = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "tool.example.edu",
    "X-Forwarded-For": "203.0.113.9",
}


def test_behind_a_trusted_proxy_the_tool_sees_https(proxied_app, platform_keys):
    response = login_over(
        proxied_app, platform_keys, "https", PROXY_HEADERS, host="tool.example.edu"
    )

    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    (cookie,) = cookie_headers(response, "lti1p3-state-")
    assert "Partitioned" in cookie and "SameSite=None" in cookie and "Secure" in cookie
    assert "Strict-Transport-Security" in response.headers
    auth = dict(parse_qsl(urlsplit(response.headers["Location"]).query))
    assert auth["redirect_uri"] == "https://tool.example.edu/lti/launch"


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(
    app_config, platform_keys
):
    config = dict(app_config)
    config.pop("SERVER_NAME")
    app = create_app(config)

    # The forwarded host and scheme are not believed: our own URL stays http://localhost.
    refused = login_over(
        app, platform_keys, "https", PROXY_HEADERS, host="tool.example.edu"
    )
    plain = login_over(app, platform_keys, "http", PROXY_HEADERS, host="localhost")

    assert refused.status_code == 400
    assert plain.status_code == 302
    (cookie,) = cookie_headers(plain, "lti1p3-state-")
    assert "Secure" not in cookie
    assert "Strict-Transport-Security" not in plain.headers
