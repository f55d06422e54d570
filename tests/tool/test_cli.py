"""``flask --app wsgi platforms|deployments|keys|tokens``: registering and keeping the tool."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from sqlalchemy import select

from app import create_app, services
from app.chooser_session import load_context
from app.crypto import new_key
from app.extensions import db
from app.lti.deep_linking import ResourceLinkItem, build_response_jwt
from app.models import PanoptoToken, PlatformRegistration
from app.panopto.oauth import UserKey
from app.services import DatabaseTokenStore
from tests.tool.lti_harness import (
    CLIENT_ID,
    DEPLOYMENT,
    PLATFORM_ISSUER,
    PLAYER_SESSION_ID,
    PlatformDriver,
)
from tests.tool.pages import chooser_token

ROOT = Path(__file__).resolve().parents[2]
NEW_ISSUER = "https://moodle.example.edu"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def run(runner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def fails(runner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code != 0
    return result.output


# -- platforms ----------------------------------------------------------------------


def test_platforms_add_list_and_remove(runner, app):
    out = run(
        runner,
        "platforms",
        "add",
        NEW_ISSUER,
        "moodle-client",
        "--auth-login-url",
        NEW_ISSUER + "/mod/lti/auth.php",
        "--key-set-url",
        NEW_ISSUER + "/mod/lti/certs.php",
        "--deployment",
        "7",
        "--page-origin",
        "https://moodle-pages.example.edu",
    )
    assert "Registered" in out

    listed = run(runner, "platforms", "list")
    assert NEW_ISSUER in listed and "moodle-client" in listed
    assert "deployment 7  active" in listed
    with app.app_context():
        row = db.session.execute(
            select(PlatformRegistration).where(
                PlatformRegistration.issuer == NEW_ISSUER
            )
        ).scalar_one()
        assert row.is_default and row.page_origins == [
            "https://moodle-pages.example.edu"
        ]
    # The new platform may frame the tool at once.
    policy = app.test_client().get("/lti/jwks").headers["Content-Security-Policy"]
    assert NEW_ISSUER in policy and "https://moodle-pages.example.edu" in policy

    run(runner, "platforms", "remove", NEW_ISSUER, "moodle-client")
    assert NEW_ISSUER not in run(runner, "platforms", "list")


def test_a_cli_registered_platform_launches(
    app, runner, tool_url, platform_keys, tmp_path
):
    key_file = tmp_path / "keys.json"
    key_file.write_text(json.dumps(platform_keys.jwks()))
    run(runner, "platforms", "remove", PLATFORM_ISSUER, CLIENT_ID)
    run(
        runner,
        "platforms",
        "add",
        PLATFORM_ISSUER,
        CLIENT_ID,
        "--auth-login-url",
        "https://ontrack.test/lti/authorize",
        "--key-set-file",
        str(key_file),
        "--deployment",
        DEPLOYMENT,
    )

    _, response = PlatformDriver(
        app.test_client(), tool_url, platform_keys
    ).deep_link_launch()

    assert response.status_code == 200


def test_platforms_add_needs_a_key_set(runner):
    out = fails(
        runner, "platforms", "add", NEW_ISSUER, "c", "--auth-login-url", NEW_ISSUER
    )
    assert "--key-set-url" in out


def test_removing_an_unknown_platform_says_so(runner):
    assert "No registration" in fails(runner, "platforms", "remove", NEW_ISSUER, "c")


def test_platforms_invite_prints_a_single_use_registration_url(runner, app):
    out = run(runner, "platforms", "invite", "--base-url", "https://tool.example.edu/")

    url = out.strip()
    assert url.startswith("https://tool.example.edu/lti/register?invite=")
    response = app.test_client().get(
        "/lti/register",
        query_string={
            "invite": url.split("invite=")[1],
            "openid_configuration": "ftp://x",
        },
    )
    # The invitation is accepted; only then is the (bad) configuration URL looked at.
    assert response.status_code == 400
    assert "must use https" in response.get_data(as_text=True)


# -- deployments --------------------------------------------------------------------


def test_deployment_commands(runner):
    run(runner, "deployments", "add", PLATFORM_ISSUER, CLIENT_ID, "course-42")
    run(runner, "deployments", "hold", PLATFORM_ISSUER, CLIENT_ID, "course-42")
    listed = run(runner, "deployments", "list", PLATFORM_ISSUER)
    assert listed.splitlines()[0].split()[3:5] == ["course-42", "held"]

    run(runner, "deployments", "approve", PLATFORM_ISSUER, CLIENT_ID, "course-42")
    out = run(
        runner,
        "deployments",
        "set",
        PLATFORM_ISSUER,
        CLIENT_ID,
        "course-42",
        "--access-mode",
        "grant",
        "--panopto-provider",
        "OnTrack",
        "--username-claim",
        "custom:username",
        "--provider-sign-in",
        "--trust-context-history",
    )
    assert (
        "course-42  active  grant  OnTrack\\<custom:username>, provider sign-in, "
        "unit copies by context history" in out
    )
    out = run(
        runner,
        "deployments",
        "set",
        PLATFORM_ISSUER,
        CLIENT_ID,
        "course-42",
        "--no-trust-context-history",
    )
    assert "context history" not in out

    run(runner, "deployments", "remove", PLATFORM_ISSUER, CLIENT_ID, "course-42")
    assert "course-42" not in run(runner, "deployments", "list")


def test_a_held_deployment_approved_on_the_command_line_launches(runner, platform):
    form, token = platform.deployment_launch("new-1")
    assert platform.post(form, id_token=token).status_code == 403
    assert "new-1  held" in run(runner, "deployments", "list")

    run(runner, "deployments", "approve", PLATFORM_ISSUER, CLIENT_ID, "new-1")

    form, token = platform.deployment_launch("new-1")
    assert platform.post(form, id_token=token).status_code == 200


def test_deployments_set_refuses_a_bad_username_claim(runner):
    out = fails(
        runner,
        "deployments",
        "set",
        PLATFORM_ISSUER,
        CLIENT_ID,
        DEPLOYMENT,
        "--username-claim",
        "password",
    )
    assert "username_claim" in out


# -- keys ---------------------------------------------------------------------------


def kids(client) -> list[str]:
    return [key["kid"] for key in client.get("/lti/jwks").json["keys"]]


def test_keys_rotate_publishes_old_and_new(runner, app):
    before = kids(app.test_client())

    out = run(runner, "keys", "rotate")

    after = kids(app.test_client())
    assert len(before) == 1 and len(after) == 2
    assert after[1] == before[0]  # the old key is still published, after the new one
    assert after[0] in out and before[0] in out
    listed = run(runner, "keys", "list")
    assert f"{after[0]}  current" in listed and f"{before[0]}  previous" in listed


def test_keys_retire_drops_the_old_key_but_never_the_current(runner, app):
    first = kids(app.test_client())[0]
    run(runner, "keys", "rotate")
    current = kids(app.test_client())[0]

    # "--": a kid is base64url and may begin with "-", as the command's own hint writes it.
    assert "cannot be retired" in fails(runner, "keys", "retire", "--", current)
    run(runner, "keys", "retire", "--", first)

    assert kids(app.test_client()) == [current]


def test_after_rotation_the_running_tool_signs_with_the_new_key(runner, app, platform):
    run(runner, "keys", "rotate")  # another process changed the keys folder
    _, response = platform.deep_link_launch()
    token = chooser_token(response.get_data(as_text=True))

    with app.test_request_context():
        _, launch = load_context(
            app.config["SECRET_KEY"], token, services.stored_launch
        )
        signed = build_response_jwt(
            launch.get_deep_link(),
            {"accept_types": ["ltiResourceLink"], "accept_multiple": True},
            [ResourceLinkItem("http://x/lti/launch", PLAYER_SESSION_ID, "A title")],
        )

    header = jwt.get_unverified_header(signed)
    current = app.test_client().get("/lti/jwks").json["keys"][0]
    assert header["kid"] == current["kid"]
    jwt.decode(
        signed,
        jwt.PyJWK(current).key,
        algorithms=["RS256"],
        audience=PLATFORM_ISSUER,
    )


# -- tokens -------------------------------------------------------------------------


def test_tokens_new_key_prints_a_fernet_key(runner):
    from cryptography.fernet import Fernet

    Fernet(run(runner, "tokens", "new-key").strip())  # raises if it is not one


def test_tokens_reencrypt_moves_every_token_to_the_newest_key(app_config):
    old = new_key()
    app = create_app({**app_config, "TOKEN_ENCRYPTION_KEYS": (old,)})
    user = UserKey(PLATFORM_ISSUER, "u-1")
    with app.app_context():
        DatabaseTokenStore().save(
            user, {"access_token": "access-1", "refresh_token": "refresh-1"}
        )

    new = new_key()
    rotated = create_app({**app_config, "TOKEN_ENCRYPTION_KEYS": (new, old)})
    out = run(rotated.test_cli_runner(), "tokens", "reencrypt")
    assert "Re-encrypted 1 token(s)" in out

    only_new = create_app({**app_config, "TOKEN_ENCRYPTION_KEYS": (new,)})
    with only_new.app_context():
        assert DatabaseTokenStore().load(user)["access_token"] == "access-1"
        assert DatabaseTokenStore().load(user)["refresh_token"] == "refresh-1"


def test_the_commands_work_through_the_real_flask_command(app_config, tmp_path):
    database = tmp_path / "cli.sqlite3"
    environment = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "cli-test",
        "PANOPTO_BASE_URL": "http://127.0.0.1:9",
        "PANOPTO_CLIENT_ID": "cli",
        "PANOPTO_CLIENT_SECRET": "cli",
        "TOKEN_ENCRYPTION_KEYS": new_key(),
        "TOOL_KEYS_DIR": str(app_config["TOOL_KEYS_DIR"]),
        "DATABASE_URL": f"sqlite:///{database}",
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]

    def cli(*args):
        return subprocess.run(
            [*flask, *args], cwd=ROOT, env=environment, capture_output=True, check=True
        ).stdout.decode()

    cli(
        "platforms",
        "add",
        NEW_ISSUER,
        "c-1",
        "--auth-login-url",
        NEW_ISSUER + "/auth",
        "--key-set-url",
        NEW_ISSUER + "/jwks",
        "--deployment",
        "d-1",
    )
    assert "deployment d-1  active" in cli("platforms", "list")
    assert "New signing key" in cli("keys", "rotate")
    assert len(cli("keys", "list").splitlines()) == 2


def test_stored_tokens_are_never_plain_text(app):
    user = UserKey(PLATFORM_ISSUER, "u-2")
    with app.app_context():
        DatabaseTokenStore().save(
            user, {"access_token": "plain-access", "refresh_token": "plain-refresh"}
        )
        row = db.session.execute(select(PanoptoToken)).scalar_one()

        assert "plain-access" not in row.access_token
        assert "plain-refresh" not in row.refresh_token
        assert row.access_token.startswith("gAAAA")  # a Fernet token


def test_a_token_no_key_opens_is_dropped_and_the_user_asked_to_sign_in(app_config):
    user = UserKey(PLATFORM_ISSUER, "u-3")
    first = create_app({**app_config, "TOKEN_ENCRYPTION_KEYS": (new_key(),)})
    with first.app_context():
        DatabaseTokenStore().save(user, {"access_token": "a", "refresh_token": "r"})

    other = create_app({**app_config, "TOKEN_ENCRYPTION_KEYS": (new_key(),)})
    with other.app_context():
        assert DatabaseTokenStore().load(user) is None
        assert db.session.execute(select(PanoptoToken)).first() is None


def test_changing_a_deployment_the_registrations_file_lists_says_the_file_wins(runner):
    held = runner.invoke(
        args=["deployments", "hold", PLATFORM_ISSUER, CLIENT_ID, DEPLOYMENT]
    )
    assert held.exit_code == 0
    assert "the tool's next start approves it" in held.output

    run(runner, "deployments", "add", PLATFORM_ISSUER, CLIENT_ID, "course-43")
    own = run(runner, "deployments", "hold", PLATFORM_ISSUER, CLIENT_ID, "course-43")
    assert "next start" not in own
