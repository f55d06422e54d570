"""Deployments a launch names for the first time: held for approval, or accepted."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.lti.tool_config import record_new_deployment
from app.models import Deployment
from tests.tool.conftest import write_lti_config
from tests.tool.lti_harness import (
    CLIENT_ID,
    DEPLOYMENT_ID,
    PLATFORM_ISSUER,
    PlatformDriver,
    registrations_json,
    set_deployment,
)
from tests.tool.pages import chooser_token, parse

NEW_DEPLOYMENT = "ontrack-new-course-9"


def launch_with_deployment(platform: PlatformDriver, deployment_id: str):
    form, token = platform.deployment_launch(deployment_id)
    return platform.post(form, id_token=token)


def deployment(app, deployment_id: str) -> Deployment | None:
    with app.app_context():
        return db.session.execute(
            select(Deployment).where(Deployment.deployment_id == deployment_id)
        ).scalar_one_or_none()


def test_a_new_deployment_is_held_and_the_user_told_why(app, platform):
    response = launch_with_deployment(platform, NEW_DEPLOYMENT)

    assert response.status_code == 403
    text = " ".join(parse(response.get_data(as_text=True)).text.split())
    assert "waiting for approval" in text
    assert 'id="chooser"' not in response.get_data(as_text=True)
    row = deployment(app, NEW_DEPLOYMENT)
    assert row is not None and row.status == "held" and row.first_seen_at


def test_a_held_deployment_stays_held_on_the_next_launch(app, platform):
    launch_with_deployment(platform, NEW_DEPLOYMENT)

    again = launch_with_deployment(platform, NEW_DEPLOYMENT)

    assert again.status_code == 403
    with app.app_context():
        count = len(
            db.session.execute(
                select(Deployment).where(Deployment.deployment_id == NEW_DEPLOYMENT)
            )
            .scalars()
            .all()
        )
    assert count == 1


def test_an_approved_deployment_launches(app, platform):
    launch_with_deployment(platform, NEW_DEPLOYMENT)
    set_deployment(app, NEW_DEPLOYMENT, status="active")

    response = launch_with_deployment(platform, NEW_DEPLOYMENT)

    assert response.status_code == 200
    assert 'id="chooser"' in response.get_data(as_text=True)


@pytest.fixture
def accepting_app(app_config):
    return create_app({**app_config, "UNKNOWN_DEPLOYMENTS": "accept"})


def test_with_the_accept_policy_a_new_deployment_is_recorded_and_used(
    accepting_app, tool_url, platform_keys
):
    platform = PlatformDriver(accepting_app.test_client(), tool_url, platform_keys)

    response = launch_with_deployment(platform, NEW_DEPLOYMENT)

    assert response.status_code == 200
    row = deployment(accepting_app, NEW_DEPLOYMENT)
    assert row is not None and row.status == "active"


def test_a_deployment_of_an_unregistered_client_is_never_recorded(app, platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(
        form,
        changes={"aud": "other-client", "azp": "other-client", DEPLOYMENT_ID: "x-1"},
    )

    response = platform.post(form, id_token=token)

    assert response.status_code == 400
    assert deployment(app, "x-1") is None


def test_two_workers_seeing_a_new_deployment_record_it_once(app):
    def record() -> str:
        with app.app_context():
            return record_new_deployment(
                PLATFORM_ISSUER, CLIENT_ID, "raced-deployment", "held"
            )

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda _: record(), range(4)))

    assert statuses == ["held"] * 4
    with app.app_context():
        rows = (
            db.session.execute(
                select(Deployment).where(Deployment.deployment_id == "raced-deployment")
            )
            .scalars()
            .all()
        )
    assert len(rows) == 1


def test_the_registrations_file_approves_its_deployments_and_sets_their_options(
    app_config, tmp_path, platform_keys
):
    data = registrations_json(platform_keys)
    data[PLATFORM_ISSUER][0]["deployment_options"] = {
        "ontrack-test-1": {
            "access_mode": "grant",
            "panopto_provider": "OnTrack",
            "username_claim": "preferred_username",
        }
    }
    config = {**app_config, "LTI_CONFIG": write_lti_config(tmp_path, data)}

    app = create_app(config)

    row = deployment(app, "ontrack-test-1")
    assert (row.status, row.access_mode, row.panopto_provider, row.username_claim) == (
        "active",
        "grant",
        "OnTrack",
        "preferred_username",
    )
    assert deployment(app, "ontrack-test-2").access_mode == "access_level"


@pytest.mark.parametrize(
    "options",
    [
        {"access_mode": "everyone"},
        {"username_claim": "password"},
        {"colour": "red"},
        {"trust_context_history": "false"},  # a string would read as true
        {"provider_sign_in": 0},
    ],
)
def test_the_registrations_file_refuses_bad_deployment_options(
    app_config, tmp_path, platform_keys, options
):
    data = registrations_json(platform_keys)
    data[PLATFORM_ISSUER][0]["deployment_options"] = {"ontrack-test-1": options}

    with pytest.raises(ValueError):
        create_app({**app_config, "LTI_CONFIG": write_lti_config(tmp_path, data)})


@pytest.mark.parametrize("change", ["hold", "remove"])
def test_an_open_chooser_stops_when_its_deployment_is_held_or_removed(
    app, platform, change
):
    _, response = platform.deep_link_launch()
    token = chooser_token(response.get_data(as_text=True))
    headers = {"X-Chooser-Token": token}
    before = platform.client.get("/chooser/api/context", headers=headers)
    assert before.status_code != 403, before.json

    if change == "hold":
        set_deployment(app, status="held")
    else:
        with app.app_context():  # as the admin page and the CLI remove one
            for row in db.session.execute(select(Deployment)).scalars():
                db.session.delete(row)
            db.session.commit()
    after = platform.client.post(
        "/chooser/api/insert",
        json={"session_ids": ["5e550000-0000-4000-8000-000000000001"]},
        headers=headers,
    )

    assert after.status_code == 403
    assert after.json["error"]["code"] == "deployment_not_active"
    assert "paused or removed" in after.json["error"]["message"]
