"""The admin page: who gets in, what it shows, and the changes it makes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.config import ConfigError
from app.extensions import db
from app.models import Deployment
from tests.tool.lti_harness import (
    DEPLOYMENT,
    LEARNER,
    OTHER_DEPLOYMENT,
    ROLES,
    PlatformDriver,
)
from tests.tool.pages import parse

ADMIN_TOKEN = "admin-token-for-tests-0123456789"
INSTITUTION_ADMIN = (
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
)
ADMIN_PAGE = {
    "https://purl.imsglobal.org/spec/lti/claim/custom": {"panopto_tool_page": "admin"}
}


@pytest.fixture
def app(app_config):
    return create_app({**app_config, "ADMIN_TOKEN": ADMIN_TOKEN})


def sign_in(client, token=ADMIN_TOKEN):
    return client.post("/admin/login", data={"token": token})


def ticket(response) -> str:
    fields = [
        e.attrs["value"]
        for e in parse(response.get_data(as_text=True)).all("input")
        if e.attrs.get("name") == "ticket"
    ]
    assert fields, "the admin page has no ticket"
    return fields[0]


def text(response) -> str:
    return " ".join(parse(response.get_data(as_text=True)).text.split())


def hold_a_new_deployment(platform, deployment_id="course-new-1"):
    form, token = platform.deployment_launch(deployment_id)
    assert platform.post(form, id_token=token).status_code == 403


def deployment_pk(app, deployment_id) -> int:
    with app.app_context():
        return db.session.execute(
            select(Deployment.id).where(Deployment.deployment_id == deployment_id)
        ).scalar_one()


def test_without_a_credential_the_page_asks_for_one(client):
    response = client.get("/admin/")

    assert response.status_code == 200
    assert parse(response.get_data(as_text=True)).by_id("admin-token")
    assert 'id="admin"' not in response.get_data(as_text=True)


def test_a_wrong_token_is_refused(client):
    response = sign_in(client, "not-the-token-at-all-000000")

    assert response.status_code == 403
    assert "not the admin token" in text(response)
    assert "panopto_tool_admin=" not in response.headers.get("Set-Cookie", "")


def test_without_admin_token_configured_token_sign_in_is_off(app_config):
    app = create_app(app_config)

    page = app.test_client().get("/admin/")
    attempt = sign_in(app.test_client(), "")

    assert "sign-in with a token is off" in text(page).lower()
    assert attempt.status_code == 403


def test_the_page_shows_registrations_set_up_values_and_health(client, tool_url):
    response = sign_in(client)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = parse(response.get_data(as_text=True))
    paste = page.by_id("paste-values").text
    for url in ("/lti/login", "/lti/launch", "/lti/jwks"):
        assert tool_url + url in paste
    configuration = json.loads(page.by_id("tool-json").text)
    assert configuration["initiate_login_uri"] == tool_url + "/lti/login"
    assert configuration["jwks_uri"] == tool_url + "/lti/jwks"
    health = page.by_id("health").text
    assert "OK Database" in " ".join(health.split())
    # PANOPTO_BASE_URL points at a closed port in these tests.
    assert "Problem Panopto" in " ".join(health.split())
    assert "ontrack-test-1" in text(response)
    # Nothing secret: no key material, no token.
    assert "PRIVATE KEY" not in response.get_data(as_text=True)
    assert ADMIN_TOKEN not in response.get_data(as_text=True)


def test_the_page_reports_panopto_reachable(app_config, panopto_sim):
    app = create_app(
        {**app_config, "ADMIN_TOKEN": ADMIN_TOKEN, "PANOPTO_BASE_URL": panopto_sim[0]}
    )

    health = parse(sign_in(app.test_client()).get_data(as_text=True)).by_id("health")

    assert "OK Panopto" in " ".join(health.text.split())


def test_the_ticket_cookie_opens_the_page_again(client):
    sign_in(client)

    again = client.get("/admin/")

    assert parse(again.get_data(as_text=True)).by_id("admin")


def change(app, client, page, action: str, deployment_id: str):
    """Approve, hold or remove a deployment from the admin ``page`` just shown."""
    return client.post(
        f"/admin/deployments/{deployment_pk(app, deployment_id)}/{action}",
        data={"ticket": ticket(page)},
    )


def test_an_admin_approves_a_held_deployment_and_it_launches(app, client, platform):
    hold_a_new_deployment(platform)
    page = sign_in(client)
    assert "waiting for approval" in text(page)

    approved = client.post(
        f"/admin/deployments/{deployment_pk(app, 'course-new-1')}/approve",
        data={"ticket": ticket(page)},
    )

    assert approved.status_code == 200
    assert "approved" in text(approved)
    form, token = platform.deployment_launch("course-new-1")
    assert platform.post(form, id_token=token).status_code == 200


def test_changing_a_deployment_the_registrations_file_lists_says_the_file_wins(
    app, client, platform
):
    hold_a_new_deployment(platform)
    page = sign_in(client)
    marked = {
        row.attrs["data-deployment-id"]
        for row in parse(page.get_data(as_text=True)).all("tr")
        if "listed in LTI_CONFIG" in row.text
    }
    assert marked == {DEPLOYMENT, OTHER_DEPLOYMENT}  # the file's, not the new one

    held = change(app, client, page, "hold", DEPLOYMENT)
    approved = change(app, client, page, "approve", "course-new-1")

    assert "The deployment is held" in text(held)
    assert "the tool's next start approves it" in text(held)
    assert "The deployment is approved" in text(approved)
    assert "next start" not in text(approved)


@pytest.mark.parametrize(
    "damage",
    ["{not json", "[" * 100_000, '["a list, not issuers"]'],
    ids=["garbage", "nested-too-deep", "wrong-shape"],
)
def test_a_registrations_file_damaged_after_start_is_reported_not_a_crash(
    app, client, damage
):
    Path(app.config["LTI_CONFIG"]).write_text(damage)

    page = sign_in(client)

    assert page.status_code == 200
    assert "LTI_CONFIG file" in text(page)
    assert "cannot mark the ones each start approves again" in text(page)


def test_a_registrations_file_nested_too_deep_stops_the_start_in_plain_words(
    app_config, tmp_path
):
    damaged = tmp_path / "deep.json"
    damaged.write_text("[" * 100_000)

    with pytest.raises(ConfigError, match="is not valid JSON"):
        create_app({**app_config, "LTI_CONFIG": str(damaged)})


def test_approving_a_deployment_the_file_lists_needs_no_warning(app, client, platform):
    page = sign_in(client)
    change(app, client, page, "hold", DEPLOYMENT)

    approved = change(app, client, page, "approve", DEPLOYMENT)

    assert "The deployment is approved" in text(approved)
    assert "next start" not in text(approved)


def test_changes_need_the_ticket_in_the_form_not_just_the_cookie(app, client, platform):
    hold_a_new_deployment(platform)
    sign_in(client)  # the cookie is set

    forged = client.post(
        f"/admin/deployments/{deployment_pk(app, 'course-new-1')}/approve"
    )

    assert forged.status_code == 401
    with app.app_context():
        assert (
            db.session.get(Deployment, deployment_pk(app, "course-new-1")).status
            == "held"
        )


def test_changes_from_another_site_are_refused(app, client, platform):
    hold_a_new_deployment(platform)
    page = sign_in(client)

    response = client.post(
        f"/admin/deployments/{deployment_pk(app, 'course-new-1')}/approve",
        data={"ticket": ticket(page)},
        headers={"Sec-Fetch-Site": "cross-site"},
    )

    assert response.status_code == 403


def test_a_forged_ticket_is_refused(app, client, platform):
    hold_a_new_deployment(platform)

    response = client.post(
        f"/admin/deployments/{deployment_pk(app, 'course-new-1')}/approve",
        data={"ticket": "eyJrIjoic2l0ZSJ9.forged.signature"},
    )

    assert response.status_code == 401


def test_site_admins_make_single_use_registration_urls(client, tool_url):
    page = sign_in(client)

    made = client.post("/admin/invites", data={"ticket": ticket(page)})

    url = parse(made.get_data(as_text=True)).by_id("invite-url").text.strip()
    assert url.startswith(tool_url + "/lti/register?invite=")


# -- an administrator's LTI launch ------------------------------------------------


def admin_launch(platform, roles):
    _, response = platform.resource_launch(
        custom=ADMIN_PAGE["https://purl.imsglobal.org/spec/lti/claim/custom"],
        extra_claims={ROLES: roles},
    )
    return response


def test_a_platform_admin_launch_opens_the_page_for_their_platform_only(
    app_config, platform_keys
):
    # A second platform is registered too; its administrators are not these.
    app = create_app(app_config)
    with app.app_context():
        from app.models import PlatformRegistration

        db.session.add(
            PlatformRegistration(
                issuer="https://other-lms.test",
                client_id="other",
                auth_login_url="https://other-lms.test/auth",
                key_set_url="https://other-lms.test/jwks",
            )
        )
        db.session.commit()
    port = app.config["SERVER_NAME"].split(":")[1]
    platform = PlatformDriver(
        app.test_client(), f"http://127.0.0.1:{port}", platform_keys
    )

    response = admin_launch(platform, [INSTITUTION_ADMIN])

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "ontrack-test-1" in body
    assert "other-lms.test" not in body
    # Platform administrators cannot invite other platforms.
    assert "Ask the tool's site administrator" in text(response)


def test_a_learner_asking_for_the_admin_page_is_refused(platform):
    response = admin_launch(platform, [LEARNER])

    assert response.status_code == 403
    assert "administrators" in text(response)
    assert 'id="admin"' not in response.get_data(as_text=True)


def test_a_platform_admin_cannot_manage_another_platforms_deployments(
    app_config, platform_keys
):
    app = create_app(app_config)
    with app.app_context():
        from app.models import PlatformRegistration

        other = PlatformRegistration(
            issuer="https://other-lms.test",
            client_id="other",
            auth_login_url="https://other-lms.test/auth",
            key_set_url="https://other-lms.test/jwks",
        )
        other.deployments.append(Deployment(deployment_id="theirs", status="held"))
        db.session.add(other)
        db.session.commit()
    port = app.config["SERVER_NAME"].split(":")[1]
    platform = PlatformDriver(
        app.test_client(), f"http://127.0.0.1:{port}", platform_keys
    )
    page = admin_launch(platform, [INSTITUTION_ADMIN])

    response = platform.client.post(
        f"/admin/deployments/{deployment_pk(app, 'theirs')}/approve",
        data={"ticket": ticket(page)},
    )
    invite = platform.client.post("/admin/invites", data={"ticket": ticket(page)})

    assert response.status_code == 403
    assert invite.status_code == 403
    with app.app_context():
        assert db.session.get(Deployment, deployment_pk(app, "theirs")).status == "held"
