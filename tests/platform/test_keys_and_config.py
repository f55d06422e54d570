"""The platform's key pair, its JWKS and its settings."""

from __future__ import annotations

import base64
import hashlib
import json
import stat

import pytest

from devkit.dev_platform import create_app
from devkit.dev_platform.config import ConfigError, env_overrides, resolve


def rfc7638_thumbprint(jwk: dict) -> str:
    """RFC 7638 section 3: SHA-256 over the required members, sorted, no whitespace."""
    members = {name: jwk[name] for name in ("e", "kty", "n")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_jwks_publishes_one_rs256_signing_key_named_by_its_thumbprint(platform_client):
    keys = platform_client.get("/.well-known/jwks.json").json["keys"]

    assert len(keys) == 1
    key = keys[0]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert key["kid"] == rfc7638_thumbprint(key)


def test_jwks_holds_no_private_key_material(platform_client):
    key = platform_client.get("/.well-known/jwks.json").json["keys"][0]

    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_private_key_is_created_with_mode_0600(tmp_path):
    create_app({"PLATFORM_KEY_DIR": tmp_path / "keys"})

    private_key = tmp_path / "keys" / "private.pem"
    assert stat.S_IMODE(private_key.stat().st_mode) == 0o600


def test_key_is_reused_on_the_next_start(tmp_path):
    config = {"PLATFORM_KEY_DIR": tmp_path / "keys"}

    first = create_app(config).test_client().get("/.well-known/jwks.json")
    second = create_app(config).test_client().get("/.well-known/jwks.json")

    assert first.json == second.json


def test_session_cookie_has_its_own_name(driver):
    driver.client.get("/tasks/task-1-1p")

    assert driver.client.get_cookie("ontrack_dev_session") is not None


def test_redirect_uris_default_to_the_tool_launch_url():
    settings = resolve({"TOOL_LAUNCH_URL": "http://127.0.0.1:9000/launch"})

    assert settings["TOOL_REDIRECT_URIS"] == ["http://127.0.0.1:9000/launch"]


def test_environment_overrides_are_parsed():
    environ = {
        "PLATFORM_URL": "http://127.0.0.1:9001/",
        "TOOL_REDIRECT_URIS": "http://a.test/x, http://a.test/y",
        "SEND_DEEP_LINK_DATA": "false",
        "UNRELATED": "ignored",
    }

    settings = resolve(env_overrides(environ))

    assert settings["PLATFORM_URL"] == "http://127.0.0.1:9001"
    assert settings["TOOL_REDIRECT_URIS"] == ["http://a.test/x", "http://a.test/y"]
    assert settings["SEND_DEEP_LINK_DATA"] is False
    assert "UNRELATED" not in settings


@pytest.mark.parametrize(
    "override",
    [
        {"PLATFORM_URL": "127.0.0.1:8001"},
        {"TOOL_LOGIN_URL": "javascript:alert(1)"},
        {"TOOL_REDIRECT_URIS": ["/relative"]},
        {"LOGIN_INITIATION_METHOD": "put"},
    ],
)
def test_malformed_settings_are_refused_at_start(override):
    with pytest.raises(ConfigError):
        resolve(override)
