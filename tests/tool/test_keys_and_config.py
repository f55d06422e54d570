"""The tool's key pair, its JWKS, the platform registrations and the settings."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from jwcrypto.jwk import JWK
from sqlalchemy import select

from app import create_app
from app.config import ConfigError, load_log_settings, load_settings
from app.crypto import new_key
from app.extensions import db
from app.keys import PRIVATE_KEY_FILE, PUBLIC_KEY_FILE
from app.lti.tool_config import DatabaseToolConf, load_registrations_file
from app.models import PlatformRegistration
from tests.tool.conftest import write_lti_config
from tests.tool.lti_harness import (
    AUTH_LOGIN_URL,
    PLATFORM_ISSUER,
    PlatformDriver,
)
from tests.tool.pages import parse

PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}


@pytest.fixture
def fresh_keys_config(app_config, tmp_path):
    """Settings whose key folder does not exist yet."""
    return {**app_config, "TOOL_KEYS_DIR": tmp_path / "fresh" / "keys"}


# -- the key pair ---------------------------------------------------------------------


def test_first_start_creates_the_key_pair_with_a_private_file_of_mode_0600(
    fresh_keys_config,
):
    folder = Path(fresh_keys_config["TOOL_KEYS_DIR"])
    assert not folder.exists()

    create_app(fresh_keys_config)

    private = folder / PRIVATE_KEY_FILE
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert (
        (folder / PUBLIC_KEY_FILE).read_text().startswith("-----BEGIN PUBLIC KEY-----")
    )


def test_second_start_reuses_the_same_key_pair(fresh_keys_config):
    first = create_app(fresh_keys_config)
    private_before = (
        Path(fresh_keys_config["TOOL_KEYS_DIR"]) / PRIVATE_KEY_FILE
    ).read_text()

    second = create_app(fresh_keys_config)

    assert second.extensions["tool_keys"].private_pem == private_before
    assert second.extensions["tool_keys"].kid == first.extensions["tool_keys"].kid
    assert (
        first.test_client().get("/lti/jwks").json
        == second.test_client().get("/lti/jwks").json
    )


def test_a_lost_public_key_file_is_rebuilt_from_the_private_key(fresh_keys_config):
    first = create_app(fresh_keys_config)
    public = Path(fresh_keys_config["TOOL_KEYS_DIR"]) / PUBLIC_KEY_FILE
    public.unlink()

    second = create_app(fresh_keys_config)

    assert public.exists()
    assert second.extensions["tool_keys"].kid == first.extensions["tool_keys"].kid


def _load_keys_in_a_new_process(folder: str) -> str:
    from app.keys import load_or_create_keys

    return load_or_create_keys(Path(folder)).private_pem


def test_workers_starting_together_on_a_fresh_install_share_one_key(tmp_path):
    """gunicorn starts its workers at once; each creates the keys if they are missing."""
    from concurrent.futures import ProcessPoolExecutor

    folder = tmp_path / "keys"
    with ProcessPoolExecutor(max_workers=6) as pool:
        keys = list(pool.map(_load_keys_in_a_new_process, [str(folder)] * 6))

    assert len(set(keys)) == 1
    assert (folder / PRIVATE_KEY_FILE).read_text() == keys[0]
    assert stat.S_IMODE((folder / PRIVATE_KEY_FILE).stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == [
        PRIVATE_KEY_FILE,
        PUBLIC_KEY_FILE,
    ]


def test_jwks_publishes_one_public_rs256_signing_key(client, app):
    response = client.get("/lti/jwks")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    keys = response.json["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert key["n"] and key["e"]
    assert not PRIVATE_JWK_MEMBERS & key.keys()
    # The kid is the RFC 7638 thumbprint of the public key, computed independently here.
    public_pem = app.extensions["tool_keys"].public_pem.encode()
    assert key["kid"] == JWK.from_pem(public_pem).thumbprint()


def test_jwks_key_verifies_what_the_private_key_signs(client, app):
    key = client.get("/lti/jwks").json["keys"][0]
    token = jwt.encode(
        {"hello": "platform"},
        app.extensions["tool_keys"].private_pem,
        algorithm="RS256",
        headers={"kid": key["kid"]},
    )

    public = jwt.PyJWK(key).key

    assert jwt.decode(token, public, algorithms=["RS256"]) == {"hello": "platform"}


# -- registrations --------------------------------------------------------------------

CLIENT_A = "tool-client-a"
CLIENT_B = "tool-client-b"


def two_clients_config(platform_keys, other_keys) -> dict:
    """One issuer with two client ids, each with its own deployments and key set."""
    return {
        PLATFORM_ISSUER: [
            {
                "client_id": CLIENT_A,
                "auth_login_url": AUTH_LOGIN_URL,
                "auth_token_url": PLATFORM_ISSUER + "/token",
                "key_set": platform_keys.jwks(),
                "deployment_ids": ["dep-a1", "dep-a2"],
                "private_key_file": "ignored.pem",
                "public_key_file": "ignored.pub",
            },
            {
                "client_id": CLIENT_B,
                "auth_login_url": AUTH_LOGIN_URL + "?tenant=b",
                "auth_token_url": PLATFORM_ISSUER + "/token",
                "auth_audience": PLATFORM_ISSUER + "/token-audience",
                "key_set": other_keys.jwks(),
                "deployment_ids": ["dep-b1"],
            },
        ]
    }


@pytest.fixture
def two_clients_app(app_config, tmp_path, platform_keys, rotated_platform_keys):
    path = write_lti_config(
        tmp_path, two_clients_config(platform_keys, rotated_platform_keys)
    )
    return create_app({**app_config, "LTI_CONFIG": path})


@pytest.fixture(scope="session")
def rotated_platform_keys():
    from tests.tool.lti_harness import new_key_pair

    return new_key_pair()


def test_two_client_ids_of_one_issuer_load_into_the_database(two_clients_app):
    with two_clients_app.app_context():
        rows = db.session.execute(select(PlatformRegistration)).scalars().all()
        by_client = {row.client_id: row for row in rows}

        assert set(by_client) == {CLIENT_A, CLIENT_B}
        assert {row.issuer for row in rows} == {PLATFORM_ISSUER}
        assert {d.deployment_id for d in by_client[CLIENT_A].deployments} == {
            "dep-a1",
            "dep-a2",
        }
        assert {d.deployment_id for d in by_client[CLIENT_B].deployments} == {"dep-b1"}
        assert by_client[CLIENT_B].auth_login_url == AUTH_LOGIN_URL + "?tenant=b"
        assert by_client[CLIENT_B].auth_audience == PLATFORM_ISSUER + "/token-audience"


@pytest.mark.parametrize(
    ("client_id", "deployment_id", "known"),
    [
        (CLIENT_A, "dep-a1", True),
        (CLIENT_A, "dep-a2", True),
        (CLIENT_A, "dep-b1", False),
        (CLIENT_B, "dep-b1", True),
        (CLIENT_B, "dep-a1", False),
        (CLIENT_B, "dep-unknown", False),
        ("tool-client-c", "dep-a1", False),
    ],
)
def test_each_client_id_resolves_only_its_own_deployments(
    two_clients_app, client_id, deployment_id, known
):
    with two_clients_app.app_context():
        conf = DatabaseToolConf(two_clients_app.extensions["tool_keys"])

        deployment = conf.find_deployment_by_params(
            PLATFORM_ISSUER, deployment_id, client_id
        )

        assert (deployment is not None) is known
        if known:
            assert deployment.get_deployment_id() == deployment_id


def test_each_client_id_resolves_its_own_registration(
    two_clients_app, platform_keys, rotated_platform_keys
):
    with two_clients_app.app_context():
        conf = DatabaseToolConf(two_clients_app.extensions["tool_keys"])

        a = conf.find_registration_by_params(PLATFORM_ISSUER, CLIENT_A)
        b = conf.find_registration_by_params(PLATFORM_ISSUER, CLIENT_B)

        assert a.get_client_id() == CLIENT_A
        assert b.get_client_id() == CLIENT_B
        assert a.get_key_set() == platform_keys.jwks()
        assert b.get_key_set() == rotated_platform_keys.jwks()
        assert b.get_auth_audience() == PLATFORM_ISSUER + "/token-audience"
        # Both sign with the tool's own key, not the files named in the JSON.
        assert (
            a.get_tool_private_key()
            == two_clients_app.extensions["tool_keys"].private_pem
        )
        assert (
            conf.find_registration_by_params("https://stranger.test", CLIENT_A) is None
        )
        # Two client ids and no default: the issuer alone does not pick one.
        assert conf.find_registration_by_issuer(PLATFORM_ISSUER) is None


def test_launches_of_both_client_ids_use_their_own_keys_and_deployments(
    two_clients_app, tool_url, platform_keys, rotated_platform_keys
):
    client = two_clients_app.test_client()
    a = PlatformDriver(
        client, tool_url, platform_keys, client_id=CLIENT_A, deployment_id="dep-a2"
    )
    b = PlatformDriver(
        client,
        tool_url,
        rotated_platform_keys,
        client_id=CLIENT_B,
        deployment_id="dep-b1",
    )
    a_with_b_deployment = PlatformDriver(
        client, tool_url, platform_keys, client_id=CLIENT_A, deployment_id="dep-b1"
    )
    b_signed_with_a_key = PlatformDriver(
        client, tool_url, platform_keys, client_id=CLIENT_B, deployment_id="dep-b1"
    )

    assert a.deep_link_launch()[1].status_code == 200
    assert b.deep_link_launch()[1].status_code == 200
    # dep-b1 is not a deployment of client A: a new one, held for approval.
    refused = a_with_b_deployment.deep_link_launch()[1]
    assert refused.status_code == 403
    assert "waiting for approval" in parse(refused.get_data(as_text=True)).text
    assert b_signed_with_a_key.deep_link_launch()[1].status_code == 400


def test_login_names_the_client_ids_own_authorization_endpoint(
    two_clients_app, tool_url, rotated_platform_keys
):
    b = PlatformDriver(
        two_clients_app.test_client(),
        tool_url,
        rotated_platform_keys,
        client_id=CLIENT_B,
        deployment_id="dep-b1",
    )
    url = b.login_url()

    response = b.client.get(url.removeprefix(tool_url))

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(AUTH_LOGIN_URL + "?tenant=b&")
    assert f"client_id={CLIENT_B}" in location


def test_loading_the_same_file_again_changes_nothing_and_adds_new_deployments(
    two_clients_app, tmp_path, platform_keys, rotated_platform_keys
):
    data = two_clients_config(platform_keys, rotated_platform_keys)
    data[PLATFORM_ISSUER][1]["deployment_ids"].append("dep-b2")
    path = tmp_path / "again.json"
    path.write_text(json.dumps(data))

    with two_clients_app.app_context():
        assert load_registrations_file(path) == 2
        rows = db.session.execute(select(PlatformRegistration)).scalars().all()

        assert len(rows) == 2
        by_client = {row.client_id: row for row in rows}
        assert len(by_client[CLIENT_A].deployments) == 2
        assert {d.deployment_id for d in by_client[CLIENT_B].deployments} == {
            "dep-b1",
            "dep-b2",
        }


def test_single_registration_object_form_is_accepted(
    app_config, tmp_path, platform_keys
):
    entry = {
        "client_id": "solo",
        "auth_login_url": AUTH_LOGIN_URL,
        "key_set": platform_keys.jwks(),
        "deployment_ids": ["solo-1"],
    }
    path = write_lti_config(tmp_path, {PLATFORM_ISSUER: entry})

    app = create_app({**app_config, "LTI_CONFIG": path})

    with app.app_context():
        conf = DatabaseToolConf(app.extensions["tool_keys"])
        # With one registration, the issuer alone finds it (pylti1p3's default lookup).
        assert (
            conf.find_registration_by_issuer(PLATFORM_ISSUER).get_client_id() == "solo"
        )
        assert conf.find_deployment(PLATFORM_ISSUER, "solo-1") is not None
        assert conf.find_deployment(PLATFORM_ISSUER, "solo-2") is None


def test_the_repository_demo_registration_file_loads(app_config):
    path = Path(__file__).resolve().parents[2] / "lti_config" / "dev-platform.json"

    app = create_app({**app_config, "LTI_CONFIG": path})

    with app.app_context():
        conf = DatabaseToolConf(app.extensions["tool_keys"])
        registration = conf.find_registration_by_params(
            "http://127.0.0.1:8001", "panopto-tool-dev"
        )
        assert (
            registration.get_key_set_url()
            == "http://127.0.0.1:8001/.well-known/jwks.json"
        )
        assert conf.find_deployment_by_params(
            "http://127.0.0.1:8001", "ontrack-dev-1", "panopto-tool-dev"
        )


# -- settings from the environment ----------------------------------------------------

REQUIRED = {
    "SECRET_KEY": "a-secret-key-for-tests",
    "PANOPTO_BASE_URL": "https://example.hosted.panopto.com",
    "PANOPTO_CLIENT_ID": "client-id",
    "PANOPTO_CLIENT_SECRET": "a-client-secret-for-tests",
    "TOKEN_ENCRYPTION_KEYS": "5AvIvWSZpnOPOZbhwRQw3FW1C2eMD2wSn2HMGMBnmsg=",
}
OPTIONAL = (
    "LTI_CONFIG",
    "TOOL_KEYS_DIR",
    "DATABASE_URL",
    "DB_AUTO_MIGRATE",
    "REDIS_URL",
    "REDIS_KEY_PREFIX",
    "PANOPTO_CACHE_SECONDS",
    "PANOPTO_READ_TIMEOUT_SECONDS",
    "PANOPTO_RETRIES",
    "PANOPTO_BREAKER_FAILURES",
    "PANOPTO_BREAKER_RESET_SECONDS",
    "PROMETHEUS_MULTIPROC_DIR",
    "REGISTRATION_CACHE_SECONDS",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "ADMIN_TOKEN",
    "TRUSTED_PROXY_COUNT",
    "UNKNOWN_DEPLOYMENTS",
    "DYNAMIC_REGISTRATION_OPEN",
    "PANOPTO_IDP_APPLICATION_KEY",
    "TOOL_BASE_URL",
)


@pytest.fixture
def environment(monkeypatch):
    for name in (*REQUIRED, *OPTIONAL):
        monkeypatch.delenv(name, raising=False)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_settings_are_read_from_the_environment(environment, tmp_path):
    environment.setenv("PANOPTO_BASE_URL", "https://example.hosted.panopto.com/")
    environment.setenv("LTI_CONFIG", str(tmp_path / "lti.json"))
    environment.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "x.db"))

    settings = load_settings()

    assert settings.secret_key == REQUIRED["SECRET_KEY"]
    assert settings.panopto_base_url == "https://example.hosted.panopto.com"
    assert settings.panopto_client_id == "client-id"
    assert settings.panopto_client_secret == REQUIRED["PANOPTO_CLIENT_SECRET"]
    assert settings.lti_config == tmp_path / "lti.json"
    assert settings.database_url.endswith("x.db")
    assert settings.tool_keys_dir == Path(__file__).resolve().parents[2] / "keys"
    assert settings.db_auto_migrate is True


@pytest.mark.parametrize("name", list(REQUIRED))
@pytest.mark.parametrize("value", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_settings_refuse_a_missing_required_variable(environment, name, value):
    if value is None:
        environment.delenv(name)
    else:
        environment.setenv(name, value)

    with pytest.raises(ConfigError, match=name):
        load_settings()


@pytest.mark.parametrize(
    "url",
    [
        "https://example.hosted.panopto.com/Panopto",
        "https://example.hosted.panopto.com/Panopto/",
        "https://example.hosted.panopto.com/panopto",
        "example.hosted.panopto.com",
        "ftp://example.hosted.panopto.com",
    ],
)
def test_settings_refuse_a_panopto_base_url_that_is_not_a_site_root(environment, url):
    environment.setenv("PANOPTO_BASE_URL", url)

    with pytest.raises(ConfigError, match="PANOPTO_BASE_URL"):
        load_settings()


def test_settings_repr_shows_no_secret(environment):
    environment.setenv("ADMIN_TOKEN", "an-admin-token-long-enough-for-tests")
    environment.setenv("PANOPTO_IDP_APPLICATION_KEY", "an-application-key-for-tests")
    text = repr(load_settings())

    assert REQUIRED["PANOPTO_CLIENT_SECRET"] not in text
    assert REQUIRED["SECRET_KEY"] not in text
    assert REQUIRED["TOKEN_ENCRYPTION_KEYS"] not in text
    assert "an-admin-token-long-enough-for-tests" not in text
    assert "an-application-key-for-tests" not in text


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("TOKEN_ENCRYPTION_KEYS", "not-a-fernet-key", "not a Fernet key"),
        ("TOKEN_ENCRYPTION_KEYS", " , ", "must be set"),
        ("ADMIN_TOKEN", "short", "at least 24"),
        ("TRUSTED_PROXY_COUNT", "two", "whole number"),
        ("UNKNOWN_DEPLOYMENTS", "maybe", "accept, hold"),
        ("DYNAMIC_REGISTRATION_OPEN", "perhaps", "true or false"),
    ],
)
def test_settings_refuse_malformed_security_settings(
    environment, name, value, fragment
):
    environment.setenv(name, value)

    with pytest.raises(ConfigError, match=fragment) as raised:
        load_settings()
    if name in ("TOKEN_ENCRYPTION_KEYS", "ADMIN_TOKEN"):
        assert value not in str(raised.value)  # secrets are never echoed


def test_security_settings_are_read_from_the_environment(environment):
    second_key = new_key()
    environment.setenv(
        "TOKEN_ENCRYPTION_KEYS", f"{second_key}, {REQUIRED['TOKEN_ENCRYPTION_KEYS']}"
    )
    environment.setenv("TRUSTED_PROXY_COUNT", "2")
    environment.setenv("UNKNOWN_DEPLOYMENTS", "accept")
    environment.setenv("DYNAMIC_REGISTRATION_OPEN", "yes")
    environment.setenv("TOOL_BASE_URL", "https://tool.example/")

    settings = load_settings()

    assert settings.token_encryption_keys == (
        second_key,
        REQUIRED["TOKEN_ENCRYPTION_KEYS"],
    )
    assert settings.trusted_proxy_count == 2
    assert settings.unknown_deployments == "accept"
    assert settings.open_registration is True
    assert settings.tool_base_url == "https://tool.example"
    assert settings.admin_token is None


def test_app_refuses_to_start_without_token_encryption_keys(environment):
    environment.delenv("TOKEN_ENCRYPTION_KEYS")

    with pytest.raises(ConfigError, match="TOKEN_ENCRYPTION_KEYS"):
        create_app()


def test_app_starts_from_the_environment(environment, tmp_path, platform_keys):
    lti_config = write_lti_config(
        tmp_path,
        {
            PLATFORM_ISSUER: {
                "client_id": "env-client",
                "auth_login_url": AUTH_LOGIN_URL,
                "key_set": platform_keys.jwks(),
                "deployment_ids": ["env-1"],
            }
        },
    )
    environment.setenv("LTI_CONFIG", str(lti_config))
    environment.setenv("TOOL_KEYS_DIR", str(tmp_path / "env-keys"))
    environment.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "env.sqlite3"))

    app = create_app()

    assert app.config["PANOPTO_BASE_URL"] == REQUIRED["PANOPTO_BASE_URL"]
    assert app.config["SECRET_KEY"] == REQUIRED["SECRET_KEY"]
    assert (tmp_path / "env-keys" / PRIVATE_KEY_FILE).exists()
    with app.app_context():
        conf = DatabaseToolConf(app.extensions["tool_keys"])
        assert (
            conf.find_registration_by_params(PLATFORM_ISSUER, "env-client") is not None
        )


def test_app_refuses_to_start_without_its_settings(environment):
    environment.delenv("PANOPTO_CLIENT_SECRET")

    with pytest.raises(ConfigError, match="PANOPTO_CLIENT_SECRET"):
        create_app()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "cannot be read"),
        ("{not json", "is not valid JSON"),
        ('["a list"]', "must map each issuer"),
        ('{"https://p.test": ["x"]}', "is not an object"),
        (
            '{"https://p.test": [{"auth_login_url": "https://p.test/a"}]}',
            "has no client_id",
        ),
        ('{"https://p.test": [{"client_id": "c"}]}', "has no auth_login_url"),
        (
            '{"https://p.test": [{"client_id": "c", "auth_login_url": "https://p.test/a"}]}',
            "needs a key_set_url or a key_set",
        ),
        (
            '{"https://p.test": [{"client_id": "c", "auth_login_url": "https://p.test/a",'
            ' "key_set_url": "https://p.test/k", "deployment_ids": "1"}]}',
            "deployment_ids of https://p.test must be a list",
        ),
    ],
    ids=[
        "missing",
        "not-json",
        "not-a-map",
        "entry-not-object",
        "no-client-id",
        "no-login-url",
        "no-keys",
        "deployments-string",
    ],
)
def test_a_bad_lti_config_file_stops_start_up_with_a_sentence(
    app_config, tmp_path, content, fragment
):
    path = tmp_path / "bad-lti.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(ConfigError, match=re.escape(fragment)):
        create_app({**app_config, "LTI_CONFIG": path})


def test_gunicorn_stops_with_the_reason_when_a_setting_is_wrong(environment, tmp_path):
    environment.setenv("LTI_CONFIG", str(tmp_path / "missing.json"))
    environment.setenv("TOOL_KEYS_DIR", str(tmp_path / "keys"))
    environment.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tool.db'}")
    gunicorn = Path(sys.executable).parent / "gunicorn"

    result = subprocess.run(
        [str(gunicorn), "--bind", "127.0.0.1:0", "wsgi:app"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        timeout=60,
    )

    assert result.returncode == 3
    assert b"The Panopto tool cannot start: LTI_CONFIG names" in result.stderr
    assert b"Traceback" not in result.stderr


def test_production_settings_have_defaults(environment):
    settings = load_settings()

    assert settings.redis_url is None
    assert settings.redis_key_prefix == "panopto-tool:"
    assert settings.panopto_cache_seconds == 30
    assert settings.panopto_read_timeout_seconds == 10
    assert settings.panopto_retries == 2
    assert settings.panopto_breaker_failures == 5
    assert settings.panopto_breaker_reset_seconds == 30
    assert load_log_settings() == ("json", "INFO")


def test_production_settings_are_read_from_the_environment(environment):
    environment.setenv("REDIS_URL", "redis://:s3cret-redis-password@cache:6379/2")
    environment.setenv("REDIS_KEY_PREFIX", "ontrack-video:")
    environment.setenv("PANOPTO_CACHE_SECONDS", "0")
    environment.setenv("PANOPTO_READ_TIMEOUT_SECONDS", "4.5")
    environment.setenv("PANOPTO_RETRIES", "3")
    environment.setenv("PANOPTO_BREAKER_FAILURES", "8")
    environment.setenv("PANOPTO_BREAKER_RESET_SECONDS", "60")
    environment.setenv("LOG_FORMAT", "text")
    environment.setenv("LOG_LEVEL", "warning")

    settings = load_settings()

    assert settings.redis_url == "redis://:s3cret-redis-password@cache:6379/2"
    assert "s3cret-redis-password" not in repr(settings)
    assert settings.redis_key_prefix == "ontrack-video:"
    assert settings.panopto_cache_seconds == 0
    assert settings.panopto_read_timeout_seconds == 4.5
    assert settings.panopto_retries == 3
    assert settings.panopto_breaker_failures == 8
    assert settings.panopto_breaker_reset_seconds == 60
    assert load_log_settings() == ("text", "WARNING")


@pytest.mark.parametrize(
    "given, used",
    [
        (
            "postgresql://tool@db.example/tool",
            "postgresql+psycopg://tool@db.example/tool",
        ),
        (
            "postgres://tool@db.example/tool",
            "postgresql+psycopg://tool@db.example/tool",
        ),
        ("postgresql+psycopg://tool@db/tool", "postgresql+psycopg://tool@db/tool"),
        ("sqlite:////var/lib/tool.sqlite3", "sqlite:////var/lib/tool.sqlite3"),
    ],
)
def test_postgresql_urls_use_the_psycopg_3_driver(environment, given, used):
    environment.setenv("DATABASE_URL", given)

    assert load_settings().database_url == used


@pytest.mark.parametrize(
    "name, value",
    [
        ("PANOPTO_CACHE_SECONDS", "soon"),
        ("PANOPTO_CACHE_SECONDS", "-1"),
        ("PANOPTO_READ_TIMEOUT_SECONDS", "0"),
        ("PANOPTO_BREAKER_FAILURES", "0"),
        ("PANOPTO_BREAKER_RESET_SECONDS", "0.5"),
        ("PANOPTO_RETRIES", "-2"),
        ("LOG_FORMAT", "xml"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_malformed_production_settings_are_refused_by_name(environment, name, value):
    environment.setenv(name, value)

    with pytest.raises(ConfigError, match=name):
        load_settings()
        load_log_settings()


# -- registrations read through the per-process cache -----------------------------------

NEW_AUTH_URL = "https://ontrack.test/lti/authorize-moved"


def login_location(app, platform_keys, tool_url) -> str:
    driver = PlatformDriver(app.test_client(), tool_url, platform_keys)
    response = driver.client.get(driver.login_url().removeprefix(tool_url))
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def move_auth_url_behind_the_tools_back(app) -> None:
    """Change the row as another process would: straight in the database, not through
    this process's ORM session."""
    from sqlalchemy import create_engine, update

    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as connection:
        connection.execute(
            update(PlatformRegistration).values(auth_login_url=NEW_AUTH_URL)
        )
    engine.dispose()


def test_a_change_made_elsewhere_is_seen_once_the_cache_time_is_over(
    app_config, platform_keys, tool_url
):
    import time

    app = create_app({**app_config, "REGISTRATION_CACHE_SECONDS": 0.3})
    assert login_location(app, platform_keys, tool_url).startswith(AUTH_LOGIN_URL)

    move_auth_url_behind_the_tools_back(app)
    still_cached = login_location(app, platform_keys, tool_url)
    time.sleep(0.35)

    assert still_cached.startswith(AUTH_LOGIN_URL + "?")
    assert login_location(app, platform_keys, tool_url).startswith(NEW_AUTH_URL)


def test_a_change_made_through_this_process_is_seen_at_once(
    app, platform_keys, tool_url
):
    assert login_location(app, platform_keys, tool_url).startswith(AUTH_LOGIN_URL)

    with app.app_context():
        row = db.session.execute(select(PlatformRegistration)).scalars().first()
        row.auth_login_url = NEW_AUTH_URL
        db.session.commit()

    assert login_location(app, platform_keys, tool_url).startswith(NEW_AUTH_URL)


def test_a_new_registration_is_seen_at_once(app, platform_keys, tool_url):
    stranger = PlatformDriver(
        app.test_client(), tool_url, platform_keys, client_id="added-later"
    )
    url = stranger.login_url().removeprefix(tool_url)
    refused = stranger.client.get(url)

    with app.app_context():
        registration = PlatformRegistration(
            issuer=PLATFORM_ISSUER,
            client_id="added-later",
            auth_login_url=NEW_AUTH_URL,
        )
        db.session.add(registration)
        db.session.commit()
    accepted = stranger.client.get(url)

    assert refused.status_code == 400
    assert accepted.status_code == 302
    assert accepted.headers["Location"].startswith(NEW_AUTH_URL)
